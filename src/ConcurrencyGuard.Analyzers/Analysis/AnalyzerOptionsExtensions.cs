using System;

namespace ConcurrencyGuard.Analyzers;

/// <summary>Reads the <c>concurrency_guard.&lt;key&gt;</c> settings of .editorconfig / globalconfig.</summary>
public static class AnalyzerOptionsExtensions
{
    public const string Prefix = "concurrency_guard.";

    public static string? GetOption(this AnalyzerOptions options, SyntaxTree tree, string key)
    {
        var config = options.AnalyzerConfigOptionsProvider.GetOptions(tree);
        return config.TryGetValue(Prefix + key, out var value) ? value : null;
    }

    public static int GetIntOption(this AnalyzerOptions options, SyntaxTree tree, string key, int defaultValue)
    {
        var raw = options.GetOption(tree, key);
        return raw is not null && int.TryParse(raw.Trim(), out var value) && value > 0 ? value : defaultValue;
    }

    /// <summary>A comma-separated list option, trimmed, empty entries dropped.</summary>
    public static ImmutableArray<string> GetListOption(this AnalyzerOptions options, SyntaxTree tree, string key)
    {
        var raw = options.GetOption(tree, key);
        if (string.IsNullOrWhiteSpace(raw))
        {
            return ImmutableArray<string>.Empty;
        }

        var builder = ImmutableArray.CreateBuilder<string>();
        foreach (var part in raw!.Split(new[] { ',', ';' }, StringSplitOptions.RemoveEmptyEntries))
        {
            var trimmed = part.Trim();
            if (trimmed.Length > 0)
            {
                builder.Add(trimmed);
            }
        }

        return builder.ToImmutable();
    }
}

/// <summary>The option keys, named once.</summary>
public static class OptionKeys
{
    public const string HttpTimeoutSeconds = "http_timeout_seconds";
    public const string HttpMaxTimeoutSeconds = "http_max_timeout_seconds";
    public const string ChannelCapacity = "channel_capacity";
    public const string FireAndForgetMethods = "fire_and_forget_methods";
}

using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace ConcurrencyGuard.Analyzers.Baseline;

/// <summary>What the package's build targets ask of the baseline for this compilation.</summary>
internal enum BaselineMode
{
    /// <summary>No baseline file, or <c>ConcurrencyGuardLevel=none</c>.</summary>
    Off,

    /// <summary>Command-line build with a baseline: suppress what it lists, report stale entries (CG0001).</summary>
    Check,

    /// <summary>IDE (design-time) build: suppress only; stale entries are a build check.</summary>
    Suppress,

    /// <summary><c>-p:ConcurrencyGuardUpdateBaseline=true</c>: suppress every finding and index the members for the writer.</summary>
    Update,
}

/// <summary>Reads the mode, project folder and baseline file the targets pass to the compiler, and a finding's identity.</summary>
internal static class BaselineSettings
{
    public const string ModeProperty = "build_property._ConcurrencyGuardBaselineMode";
    public const string ProjectDirProperty = "build_property._ConcurrencyGuardProjectDir";
    public const string FileMetadata = "build_metadata.AdditionalFiles.ConcurrencyGuardBaseline";

    private static readonly ConditionalWeakTable<AdditionalText, Loaded> Cache = new();

    public static BaselineMode Mode(AnalyzerOptions options)
    {
        options.AnalyzerConfigOptionsProvider.GlobalOptions.TryGetValue(ModeProperty, out var mode);
        return mode?.Trim().ToLowerInvariant() switch
        {
            "check" => BaselineMode.Check,
            "suppress" => BaselineMode.Suppress,
            "update" => BaselineMode.Update,
            _ => BaselineMode.Off,
        };
    }

    public static string ProjectDirectory(AnalyzerOptions options) =>
        options.AnalyzerConfigOptionsProvider.GlobalOptions.TryGetValue(ProjectDirProperty, out var dir) ? dir.Trim() : string.Empty;

    /// <summary>The additional file the targets marked as the baseline, parsed once per file.</summary>
    public static Loaded? Load(AnalyzerOptions options, CancellationToken cancellationToken)
    {
        foreach (var file in options.AdditionalFiles)
        {
            if (options.AnalyzerConfigOptionsProvider.GetOptions(file).TryGetValue(FileMetadata, out var marked)
                && string.Equals(marked.Trim(), "true", StringComparison.OrdinalIgnoreCase))
            {
                return Cache.GetValue(file, f => Loaded.From(f, cancellationToken));
            }
        }

        return null;
    }

    /// <summary>The identity of a finding in source; null for findings outside source files.</summary>
    public static FindingKey? KeyOf(Diagnostic diagnostic, string projectDirectory, Func<SyntaxTree, ImmutableArray<MemberDeclaration>> index, CancellationToken cancellationToken)
    {
        var tree = diagnostic.Location.SourceTree;
        if (tree is null)
        {
            return null;
        }

        var span = diagnostic.Location.SourceSpan;
        return new FindingKey(
            diagnostic.Id,
            FindingIdentity.RelativePath(projectDirectory, tree.FilePath),
            MemberIndex.Find(index(tree), span.Start),
            FindingIdentity.NormalizeCode(tree.GetText(cancellationToken).ToString(span)));
    }

    /// <summary>A parsed baseline, or why it could not be read.</summary>
    internal sealed class Loaded
    {
        private Loaded(string path, SourceText? text, IReadOnlyList<BaselineEntry> entries, string? error)
        {
            Path = path;
            Text = text;
            Entries = entries;
            Error = error;
            var counts = new Dictionary<FindingKey, int>();
            foreach (var entry in entries)
            {
                counts[entry.Key] = entry.Count;
            }

            Counts = counts;
        }

        public string Path { get; }

        public SourceText? Text { get; }

        public IReadOnlyList<BaselineEntry> Entries { get; }

        public IReadOnlyDictionary<FindingKey, int> Counts { get; }

        public string? Error { get; }

        public static Loaded From(AdditionalText file, CancellationToken cancellationToken)
        {
            var text = file.GetText(cancellationToken);
            if (text is null)
            {
                return new Loaded(file.Path, null, Array.Empty<BaselineEntry>(), "the file cannot be read");
            }

            try
            {
                return new Loaded(file.Path, text, BaselineFile.Parse(text.ToString()), null);
            }
            catch (FormatException e)
            {
                return new Loaded(file.Path, text, Array.Empty<BaselineEntry>(), e.Message);
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using ConcurrencyGuard.Analyzers.Baseline;

namespace ConcurrencyGuard.Build;

/// <summary>One result of the compiler's SARIF 2.1 log, with what the tasks need of it.</summary>
internal sealed class SarifResult
{
    public string RuleId { get; set; } = string.Empty;

    /// <summary>error, warning, note or none (SARIF's default is warning).</summary>
    public string Level { get; set; } = "warning";

    public string Message { get; set; } = string.Empty;

    /// <summary>Local path of the first location; null when the result has none.</summary>
    public string? Path { get; set; }

    public int StartLine { get; set; }

    public int StartColumn { get; set; }

    public int EndLine { get; set; }

    public int EndColumn { get; set; }

    /// <summary>
    /// One description per suppression of the result (empty: not suppressed): the compiler writes
    /// "Pragma Directive", "SuppressMessageAttribute" or "DiagnosticSuppressor { Suppression Id: ..., Suppression Justification: ... }".
    /// </summary>
    public List<string> Suppressions { get; } = new();

    public Dictionary<string, string> CustomProperties { get; } = new(StringComparer.Ordinal);
}

/// <summary>Reads the results of a SARIF 2.1 log as the C# compiler writes it (<c>/errorlog:file,version=2.1</c>).</summary>
internal static class SarifLog
{
    /// <summary>The path part of an ErrorLog value such as <c>obj/x.sarif,version=2.1</c>.</summary>
    public static string PathOf(string errorLog, string projectDirectory)
    {
        var comma = errorLog.IndexOf(",version=", StringComparison.OrdinalIgnoreCase);
        var path = (comma >= 0 ? errorLog.Substring(0, comma) : errorLog).Trim();
        return System.IO.Path.GetFullPath(System.IO.Path.Combine(projectDirectory, path));
    }

    /// <exception cref="FormatException">Not a SARIF 2.1 log.</exception>
    public static List<SarifResult> Read(string path, string baseDirectory)
    {
        if (MiniJson.Parse(File.ReadAllText(path)) is not JsonObject root || root.Array("runs") is not { } runs)
        {
            throw new FormatException("not a SARIF log");
        }

        if (root.String("version") is { } version && !version.StartsWith("2", StringComparison.Ordinal))
        {
            throw new FormatException($"SARIF version {version}; set ErrorLog to '<path>,version=2.1'");
        }

        var results = new List<SarifResult>();
        foreach (var run in runs)
        {
            foreach (var item in (run as JsonObject)?.Array("results") ?? new List<object?>())
            {
                if (item is JsonObject result)
                {
                    results.Add(ToResult(result, baseDirectory));
                }
            }
        }

        return results;
    }

    private static SarifResult ToResult(JsonObject result, string baseDirectory)
    {
        var r = new SarifResult
        {
            RuleId = result.String("ruleId") ?? string.Empty,
            Level = result.String("level") ?? "warning",
            Message = result.Object("message")?.String("text") ?? string.Empty,
        };
        if (result.Array("locations") is { Count: > 0 } locations
            && (locations[0] as JsonObject)?.Object("physicalLocation") is { } physical)
        {
            if (physical.Object("artifactLocation")?.String("uri") is { } uri)
            {
                r.Path = LocalPath(uri, baseDirectory);
            }

            if (physical.Object("region") is { } region)
            {
                r.StartLine = region.Int("startLine") ?? 0;
                r.StartColumn = region.Int("startColumn") ?? 1;
                r.EndLine = region.Int("endLine") ?? r.StartLine;
                r.EndColumn = region.Int("endColumn") ?? r.StartColumn;
            }
        }

        foreach (var suppression in result.Array("suppressions") ?? new List<object?>())
        {
            var s = suppression as JsonObject;
            r.Suppressions.Add(s?.Object("properties")?.String("suppressionType") ?? s?.String("justification") ?? string.Empty);
        }

        if (result.Object("properties")?.Object("customProperties") is { } custom)
        {
            foreach (var pair in custom)
            {
                if (pair.Value is string value)
                {
                    r.CustomProperties[pair.Key] = value;
                }
            }
        }

        return r;
    }

    private static string LocalPath(string uri, string baseDirectory)
    {
        if (Uri.TryCreate(uri, UriKind.Absolute, out var absolute) && absolute.IsFile)
        {
            return absolute.LocalPath;
        }

        return System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDirectory, Uri.UnescapeDataString(uri)));
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace ConcurrencyGuard.Analyzers.Baseline;

/// <summary>
/// What makes two findings "the same" across edits: rule, project-relative file, containing member and
/// the flagged code with all whitespace removed. Line numbers are deliberately absent.
/// </summary>
internal readonly struct FindingKey : IEquatable<FindingKey>, IComparable<FindingKey>
{
    public FindingKey(string rule, string file, string member, string code)
    {
        Rule = rule;
        File = file;
        Member = member;
        Code = code;
    }

    public string Rule { get; }

    public string File { get; }

    public string Member { get; }

    public string Code { get; }

    public bool Equals(FindingKey other) =>
        string.Equals(Rule, other.Rule, StringComparison.Ordinal)
        && string.Equals(File, other.File, StringComparison.Ordinal)
        && string.Equals(Member, other.Member, StringComparison.Ordinal)
        && string.Equals(Code, other.Code, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is FindingKey other && Equals(other);

    public override int GetHashCode()
    {
        unchecked
        {
            var hash = StringComparer.Ordinal.GetHashCode(Rule ?? string.Empty);
            hash = (hash * 397) ^ StringComparer.Ordinal.GetHashCode(File ?? string.Empty);
            hash = (hash * 397) ^ StringComparer.Ordinal.GetHashCode(Member ?? string.Empty);
            return (hash * 397) ^ StringComparer.Ordinal.GetHashCode(Code ?? string.Empty);
        }
    }

    /// <summary>The file's order: by file, then member, rule and code, so related entries sit together.</summary>
    public int CompareTo(FindingKey other)
    {
        var c = string.CompareOrdinal(File, other.File);
        if (c == 0)
        {
            c = string.CompareOrdinal(Member, other.Member);
        }

        if (c == 0)
        {
            c = string.CompareOrdinal(Rule, other.Rule);
        }

        return c != 0 ? c : string.CompareOrdinal(Code, other.Code);
    }

    public override string ToString() => $"{Rule} in {File}, {Member}: {Code}";
}

/// <summary>One line of the baseline: a finding and how many times it occurs in its member.</summary>
internal sealed class BaselineEntry
{
    public BaselineEntry(FindingKey key, int count, int line)
    {
        Key = key;
        Count = count;
        Line = line;
    }

    public FindingKey Key { get; }

    public int Count { get; }

    /// <summary>1-based line in the baseline file (where CG0001 is reported).</summary>
    public int Line { get; }
}

/// <summary>Reads and writes <c>concurrencyguard.baseline.json</c>.</summary>
internal static class BaselineFile
{
    public const string DefaultFileName = "concurrencyguard.baseline.json";
    public const int FormatVersion = 1;

    private const string Comment = "ConcurrencyGuard baseline: the findings listed here predate it and are reported as suppressed; "
        + "anything else is reported as usual. Rewrite with: dotnet build -p:ConcurrencyGuardUpdateBaseline=true. "
        + "See https://github.com/concurrencyguard/concurrencyguard/blob/main/docs/baseline.md";

    /// <summary>Entries in file order; duplicate keys are merged (counts add up).</summary>
    /// <exception cref="FormatException">The text is not a baseline file.</exception>
    public static IReadOnlyList<BaselineEntry> Parse(string text)
    {
        if (MiniJson.Parse(text) is not JsonObject root || root.Array("entries") is not { } entries)
        {
            throw new FormatException("expected an object with an \"entries\" array");
        }

        var byKey = new Dictionary<FindingKey, BaselineEntry>();
        var order = new List<FindingKey>();
        foreach (var item in entries)
        {
            if (item is not JsonObject entry
                || entry.String("rule") is not { } rule
                || entry.String("file") is not { } file
                || entry.String("member") is not { } member
                || entry.String("code") is not { } code)
            {
                throw new FormatException("every entry needs \"rule\", \"file\", \"member\" and \"code\"");
            }

            var key = new FindingKey(rule, file, member, code);
            var count = Math.Max(1, entry.Int("count") ?? 1);
            if (byKey.TryGetValue(key, out var existing))
            {
                byKey[key] = new BaselineEntry(key, existing.Count + count, existing.Line);
            }
            else
            {
                byKey[key] = new BaselineEntry(key, count, entry.Line);
                order.Add(key);
            }
        }

        return order.Select(k => byKey[k]).ToList();
    }

    /// <summary>Sorted, one entry per line, no paths outside the project's view, no timestamps: diffs stay reviewable.</summary>
    public static string Write(IEnumerable<KeyValuePair<FindingKey, int>> findings)
    {
        var builder = new StringBuilder();
        builder.Append("{\n  \"$comment\": ");
        MiniJson.WriteString(builder, Comment);
        builder.Append(",\n  \"version\": ").Append(FormatVersion.ToString(CultureInfo.InvariantCulture)).Append(",\n  \"entries\": [");
        var first = true;
        foreach (var finding in findings.OrderBy(f => f.Key))
        {
            builder.Append(first ? "\n" : ",\n");
            first = false;
            builder.Append("    { \"rule\": ");
            MiniJson.WriteString(builder, finding.Key.Rule);
            builder.Append(", \"file\": ");
            MiniJson.WriteString(builder, finding.Key.File);
            builder.Append(", \"member\": ");
            MiniJson.WriteString(builder, finding.Key.Member);
            builder.Append(", \"code\": ");
            MiniJson.WriteString(builder, finding.Key.Code);
            builder.Append(", \"count\": ").Append(finding.Value.ToString(CultureInfo.InvariantCulture)).Append(" }");
        }

        builder.Append(first ? "]\n}\n" : "\n  ]\n}\n");
        return builder.ToString();
    }
}

/// <summary>The parts of a finding's identity that need no compiler: code normalisation and relative paths.</summary>
internal static class FindingIdentity
{
    /// <summary>Normalised code longer than this is shortened to a prefix plus a hash of the whole.</summary>
    public const int MaxCodeLength = 120;
    private const int KeptPrefix = 100;

    /// <summary>
    /// Removes every whitespace character, so re-indenting, wrapping or re-spacing the flagged code
    /// (<c>Foo(a,b)</c> vs <c>Foo( a, b )</c>) keeps its identity; long code keeps a readable prefix
    /// and a stable hash of the rest.
    /// </summary>
    public static string NormalizeCode(string code)
    {
        var whole = RemoveWhitespace(code);
        return whole.Length <= MaxCodeLength
            ? whole
            : whole.Substring(0, KeptPrefix) + "...#" + Fnv1a(whole).ToString("x8", CultureInfo.InvariantCulture);
    }

    public static string RemoveWhitespace(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (!char.IsWhiteSpace(c))
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// <paramref name="path"/> relative to <paramref name="directory"/> with '/' separators (".." when
    /// outside it); the path unchanged, with '/' separators, when either is not rooted.
    /// </summary>
    public static string RelativePath(string directory, string path)
    {
        var p = path.Replace('\\', '/');
        var d = directory.Replace('\\', '/').TrimEnd('/');
        if (d.Length == 0 || !IsRooted(p) || !IsRooted(d))
        {
            return p;
        }

        // Drive-letter paths are Windows paths, where case does not distinguish files.
        var comparison = p.Length >= 2 && p[1] == ':' ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var pathParts = p.Split('/');
        var dirParts = d.Split('/');
        var common = 0;
        while (common < pathParts.Length - 1 && common < dirParts.Length
            && string.Equals(pathParts[common], dirParts[common], comparison))
        {
            common++;
        }

        if (common == 0)
        {
            return p;
        }

        var parts = Enumerable.Repeat("..", dirParts.Length - common).Concat(pathParts.Skip(common));
        return string.Join("/", parts);
    }

    private static bool IsRooted(string path) =>
        path.StartsWith("/", StringComparison.Ordinal) || (path.Length >= 2 && path[1] == ':');

    private static uint Fnv1a(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = unchecked((hash ^ c) * 16777619u);
        }

        return hash;
    }
}

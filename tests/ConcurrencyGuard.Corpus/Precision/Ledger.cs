using System.Globalization;

namespace ConcurrencyGuard.Corpus.Precision;

/// <summary>A judged finding's verdict: the three words the ledger allows.</summary>
public enum Verdict
{
    True,
    False,
    Debatable,
}

/// <summary>One judged finding: a rule's report at a line of a public project at a pinned commit.</summary>
public sealed record LedgerEntry(string Project, string Commit, string Path, int Line, string Rule, Verdict Verdict, string Reason)
{
    /// <summary>What identifies a finding across runs: the line is stable because the commit is pinned.</summary>
    public FindingKey Key => new(Project, Path, Line, Rule);
}

/// <summary>A finding's identity in the ledger.</summary>
public readonly record struct FindingKey(string Project, string Path, int Line, string Rule);

/// <summary>Which set a project belongs to in the held-out protocol (docs/precision.md).</summary>
public enum ProjectSet
{
    /// <summary>Findings may be read and rules changed for them.</summary>
    Tune,

    /// <summary>Run only after a change is finished; its findings are judged then and never tuned on.</summary>
    Check,
}

/// <summary>A project of the precision corpus: the public repository, the pinned commit, its set and the source folders analysed.</summary>
public sealed record CorpusProject(string Project, string Commit, ProjectSet Set, IReadOnlyList<string> Folders)
{
    /// <summary>The snapshot folder name under the snapshots root: the repository's name (<c>owner/name</c> gives <c>name</c>).</summary>
    public string SnapshotName => Project.Substring(Project.IndexOf('/') + 1);
}

/// <summary>
/// Reads and writes the two tab-separated files of the precision corpus:
/// <c>projects.tsv</c> (project, commit, set, folders) and <c>ledger.tsv</c> (project, commit, path, line,
/// rule, verdict, reason). Both start with a header row; verdicts are the words true, false, debatable.
/// </summary>
public static class LedgerFile
{
    public static readonly string[] LedgerColumns = { "project", "commit", "path", "line", "rule", "verdict", "reason" };
    public static readonly string[] ProjectColumns = { "project", "commit", "set", "folders" };

    public static IReadOnlyList<LedgerEntry> ReadLedger(string path)
    {
        var entries = new List<LedgerEntry>();
        foreach (var (cells, lineNumber) in Rows(path, LedgerColumns))
        {
            if (!int.TryParse(cells[3], NumberStyles.None, CultureInfo.InvariantCulture, out var line) || line < 1)
            {
                throw new FormatException($"{path}:{lineNumber}: line '{cells[3]}' is not a positive number");
            }

            entries.Add(new LedgerEntry(cells[0], cells[1], cells[2], line, cells[4], ParseVerdict(cells[5], path, lineNumber), cells[6]));
        }

        return entries;
    }

    public static IReadOnlyList<CorpusProject> ReadProjects(string path)
    {
        var projects = new List<CorpusProject>();
        foreach (var (cells, lineNumber) in Rows(path, ProjectColumns))
        {
            var set = cells[2] switch
            {
                "tune" => ProjectSet.Tune,
                "check" => ProjectSet.Check,
                _ => throw new FormatException($"{path}:{lineNumber}: set '{cells[2]}' is neither tune nor check"),
            };
            projects.Add(new CorpusProject(cells[0], cells[1], set, cells[3].Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
        }

        return projects;
    }

    public static Verdict ParseVerdict(string word, string path = "", int lineNumber = 0) => word switch
    {
        "true" => Verdict.True,
        "false" => Verdict.False,
        "debatable" => Verdict.Debatable,
        _ => throw new FormatException($"{path}:{lineNumber}: verdict '{word}' is not one of true, false, debatable"),
    };

    public static string Word(Verdict verdict) => verdict switch
    {
        Verdict.True => "true",
        Verdict.False => "false",
        _ => "debatable",
    };

    /// <summary>One ledger row as written in the file (tabs and line breaks in the reason folded to spaces).</summary>
    public static string Format(LedgerEntry e) =>
        string.Join('\t', e.Project, e.Commit, e.Path, e.Line.ToString(CultureInfo.InvariantCulture), e.Rule, Word(e.Verdict), Clean(e.Reason));

    private static string Clean(string text) => string.Join(' ', text.Split(new[] { '\t', '\r', '\n' }, StringSplitOptions.RemoveEmptyEntries)).Trim();

    private static IEnumerable<(string[] Cells, int LineNumber)> Rows(string path, string[] columns)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || !lines[0].Split('\t').SequenceEqual(columns))
        {
            throw new FormatException($"{path}: the header row must be '{string.Join("<TAB>", columns)}'");
        }

        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            var cells = lines[i].Split('\t');
            if (cells.Length != columns.Length || cells.Any(c => c.Length == 0))
            {
                throw new FormatException($"{path}:{i + 1}: expected {columns.Length} non-empty tab-separated cells, found {cells.Length}");
            }

            yield return (cells, i + 1);
        }
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ConcurrencyGuard.Corpus;

/// <summary>Markdown for people, JSON for machines.</summary>
public static class Report
{
    /// <summary>Rules that peers also check: the side-by-side ratios compare these.</summary>
    public static readonly IReadOnlyList<(string Ours, string Peer)> Comparable = new[]
    {
        ("CG1001", "VSTHRD110"), ("CG1001", "MA0134"),
        ("CG1003", "VSTHRD100"), ("CG1003", "MA0155"), ("CG1003", "AsyncFixer03"),
        ("CG1004", "VSTHRD101"), ("CG1004", "MA0147"),
        ("CG1006", "AsyncFixer05"), ("CG1006", "MA0152"),
        ("CG2001", "CA2016"), ("CG2001", "MA0040"),
        ("CG2001", "MA0079"),
        ("CG3004", "IDISP014"),
        ("CG6001", "VSTHRD002"), ("CG6001", "MA0045"),
        ("CG6002", "CA1849"), ("CG6002", "VSTHRD103"), ("CG6002", "MA0042"),
        ("CG6005", "CA2247"),
    };

    public static IEnumerable<string> PeerRuleIds => Comparable.Select(c => c.Peer).Distinct();

    public static string Markdown(RunResult run, string corpusName)
    {
        var sb = new StringBuilder();
        var ms = (TimeSpan t) => t.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture);
        sb.AppendLine($"## Corpus `{corpusName}`: {run.Files} files, {run.Lines:N0} lines");
        sb.AppendLine();
        sb.AppendLine($"Compiler (GetDiagnostics): {ms(run.CompileTime)} ms; wall time of the analyzer run: {ms(run.WallTime)} ms.");
        sb.AppendLine();

        sb.AppendLine("### Per tool");
        sb.AppendLine();
        sb.AppendLine("| tool | analyzers | findings | analyzer time (ms) | share of compile time |");
        sb.AppendLine("|---|---|---|---|---|");
        foreach (var tool in run.Analyzers.GroupBy(a => a.Tool))
        {
            var time = TimeSpan.FromTicks(tool.Sum(a => a.Time.Ticks));
            var share = run.CompileTime > TimeSpan.Zero ? time / run.CompileTime : 0;
            sb.AppendLine($"| {tool.Key} | {tool.Count()} | {tool.Sum(a => a.Findings)} | {ms(time)} | {share:P1} |");
        }

        sb.AppendLine();
        sb.AppendLine("### ConcurrencyGuard per rule");
        sb.AppendLine();
        sb.AppendLine("| rule | analyzer | findings | time (ms) | exceptions |");
        sb.AppendLine("|---|---|---|---|---|");
        foreach (var a in run.Analyzers.Where(a => a.Tool == AnalyzerSets.OurTool).OrderBy(a => a.RuleIds.FirstOrDefault(), StringComparer.Ordinal))
        {
            var crashes = run.Exceptions.Count(e => e.Analyzer == a.Analyzer);
            sb.AppendLine($"| {string.Join(", ", a.RuleIds)} | {a.Analyzer} | {a.Findings} | {ms(a.Time)} | {crashes} |");
        }

        var rows = Comparable
            .Select(c => (c.Ours, c.Peer, Our: Find(run, c.Ours, ours: true), Theirs: Find(run, c.Peer, ours: false)))
            .Where(x => x.Our is not null && x.Theirs is not null)
            .ToList();
        if (rows.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("### Side by side (time ratio = ours / peer analyzer that reports the peer rule)");
            sb.AppendLine();
            sb.AppendLine("| ours | findings | time (ms) | peer rule | peer analyzer | findings | time (ms) | ratio |");
            sb.AppendLine("|---|---|---|---|---|---|---|---|");
            foreach (var (ours, peer, our, theirs) in rows)
            {
                var ratio = theirs!.Time > TimeSpan.Zero ? (our!.Time / theirs.Time).ToString("0.00", CultureInfo.InvariantCulture) : "n/a";
                sb.AppendLine($"| {ours} | {run.FindingsByRule.GetValueOrDefault(ours)} | {ms(our!.Time)} | {peer} | {theirs.Tool}/{theirs.Analyzer} | {run.FindingsByRule.GetValueOrDefault(peer)} | {ms(theirs.Time)} | {ratio} |");
            }
        }

        if (run.Exceptions.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine($"### Analyzer exceptions: {run.Exceptions.Count}");
            foreach (var e in run.Exceptions.Take(20))
            {
                sb.AppendLine($"- {e.Tool}/{e.Analyzer} in {e.File}: {e.Exception.Split('\n')[0]}");
            }
        }

        if (run.LoadErrors.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("### Load errors");
            foreach (var e in run.LoadErrors.Take(20))
            {
                sb.AppendLine("- " + e);
            }
        }

        return sb.ToString();
    }

    public static string Json(RunResult run, string corpusName) => JsonSerializer.Serialize(new
    {
        corpus = corpusName,
        files = run.Files,
        lines = run.Lines,
        compileMs = run.CompileTime.TotalMilliseconds,
        wallMs = run.WallTime.TotalMilliseconds,
        analyzers = run.Analyzers.Select(a => new { a.Tool, a.Analyzer, rules = a.RuleIds, ms = a.Time.TotalMilliseconds, a.Findings }),
        findings = run.FindingsByRule,
        exceptions = run.Exceptions,
        loadErrors = run.LoadErrors,
    }, new JsonSerializerOptions { WriteIndented = true });

    private static AnalyzerFigures? Find(RunResult run, string ruleId, bool ours) =>
        run.Analyzers.FirstOrDefault(a => (a.Tool == AnalyzerSets.OurTool) == ours && a.RuleIds.Contains(ruleId));
}

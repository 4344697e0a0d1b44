using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis;

namespace ConcurrencyGuard.Corpus.Precision;

/// <summary>A finding reported now on a corpus project, in the ledger's coordinates.</summary>
public sealed record LedgerFinding(FindingKey Key, string Message, string SourceLine);

/// <summary>Why a project of the corpus was not analysed.</summary>
public sealed record SkippedProject(CorpusProject Project, string Why);

/// <summary>What one ledger run found: findings per project and the projects it could not analyse.</summary>
public sealed class LedgerRunResult
{
    public List<LedgerFinding> Findings { get; } = new();
    public List<CorpusProject> Analysed { get; } = new();
    public List<SkippedProject> Skipped { get; } = new();
    public List<AnalyzerException> Exceptions { get; } = new();
}

/// <summary>
/// The runner's ledger mode: runs the rules over local snapshots of the corpus projects at their pinned
/// commits and compares the findings with the judged ones. A snapshot is the folder
/// <c>SNAPSHOTS/name</c> holding the repository's files at the pinned commit, with that commit in a
/// <c>.cg-commit</c> file or a <c>.git</c> checkout (precision/snapshot.sh makes one).
/// </summary>
public static class LedgerRun
{
    public const string CommitMarker = ".cg-commit";

    public static async Task<LedgerRunResult> RunAsync(IEnumerable<CorpusProject> projects, string snapshots, Action<string> log)
    {
        var result = new LedgerRunResult();
        var ours = new[] { AnalyzerSets.Ours() };
        foreach (var project in projects)
        {
            var root = Path.Combine(snapshots, project.SnapshotName);
            var why = CheckSnapshot(project, root);
            if (why is not null)
            {
                result.Skipped.Add(new SkippedProject(project, why));
                continue;
            }

            log($"ledger: analysing {project.Project} ({string.Join(", ", project.Folders)})");
            var compilation = CorpusLoader.FromFolders(project.SnapshotName, root, project.Folders);
            var run = await CorpusRun.RunAsync(new[] { compilation }, ours);
            result.Analysed.Add(project);
            result.Exceptions.AddRange(run.Exceptions);
            foreach (var d in run.Diagnostics.Where(d => d.Id.StartsWith("CG", StringComparison.Ordinal) && d.Location.IsInSource))
            {
                var span = d.Location.GetLineSpan();
                var line = span.StartLinePosition.Line;
                var text = d.Location.SourceTree!.GetText().Lines[line].ToString().Trim();
                var message = string.Join(' ', d.GetMessage(CultureInfo.InvariantCulture).Split(new[] { '\r', '\n', '\t' }, StringSplitOptions.RemoveEmptyEntries).Select(p => p.Trim()));
                result.Findings.Add(new LedgerFinding(new FindingKey(project.Project, span.Path, line + 1, d.Id), message, text));
            }
        }

        // One finding per (file, line, rule): the ledger's identity.
        var distinct = result.Findings.GroupBy(f => f.Key).Select(g => g.First()).OrderBy(f => f.Key.Project, StringComparer.Ordinal)
            .ThenBy(f => f.Key.Path, StringComparer.Ordinal).ThenBy(f => f.Key.Line).ThenBy(f => f.Key.Rule, StringComparer.Ordinal).ToList();
        result.Findings.Clear();
        result.Findings.AddRange(distinct);
        return result;
    }

    /// <summary>Null when the snapshot is there at the pinned commit; otherwise why it cannot be used.</summary>
    public static string? CheckSnapshot(CorpusProject project, string root)
    {
        if (!Directory.Exists(root))
        {
            return $"no snapshot at {root} (make one with tests/ConcurrencyGuard.Corpus/precision/snapshot.sh)";
        }

        var commit = ReadCommit(root);
        if (commit is null)
        {
            return $"{root} has neither {CommitMarker} nor a git checkout: its commit is unknown";
        }

        if (!string.Equals(commit, project.Commit, StringComparison.OrdinalIgnoreCase))
        {
            return $"{root} is at {commit}, the ledger pins {project.Commit}";
        }

        var missing = project.Folders.Where(f => !Directory.Exists(Path.Combine(root, f))).ToList();
        return missing.Count == 0 ? null : $"{root} lacks {string.Join(", ", missing)}";
    }

    private static string? ReadCommit(string root)
    {
        var marker = Path.Combine(root, CommitMarker);
        if (File.Exists(marker))
        {
            return File.ReadAllText(marker).Trim();
        }

        if (!Directory.Exists(Path.Combine(root, ".git")) && !File.Exists(Path.Combine(root, ".git")))
        {
            return null;
        }

        using var git = Process.Start(new ProcessStartInfo("git", new[] { "-C", root, "rev-parse", "HEAD" }) { RedirectStandardOutput = true, UseShellExecute = false });
        var head = git!.StandardOutput.ReadToEnd().Trim();
        git.WaitForExit();
        return git.ExitCode == 0 ? head : null;
    }
}

/// <summary>Per-rule figures of the ledger against a run (or against the judgements alone).</summary>
public sealed record RulePrecision(string Rule, int FindingsNow, int TrueJudged, int TrueNow, int FalseJudged, int FalseNow, int DebatableJudged, int DebatableNow, int Unjudged)
{
    /// <summary>Precision over the judged findings still reported: true / (true + false); null with none.</summary>
    public double? PrecisionNow => TrueNow + FalseNow == 0 ? null : (double)TrueNow / (TrueNow + FalseNow);

    /// <summary>Precision over every judgement in the ledger (the rules as they were when judged).</summary>
    public double? PrecisionJudged => TrueJudged + FalseJudged == 0 ? null : (double)TrueJudged / (TrueJudged + FalseJudged);
}

/// <summary>Tables of the ledger mode and of docs/precision.md.</summary>
public static class LedgerReport
{
    /// <summary>
    /// Per rule over the given projects: judged findings (from the ledger) and, when <paramref name="now"/>
    /// is given, which of them are still reported and which findings are new.
    /// </summary>
    public static IReadOnlyList<RulePrecision> Compute(IEnumerable<LedgerEntry> ledger, IReadOnlyCollection<CorpusProject> projects, IReadOnlyList<LedgerFinding>? now)
    {
        var names = projects.Select(p => p.Project).ToHashSet(StringComparer.Ordinal);
        var judged = ledger.Where(e => names.Contains(e.Project) && projects.Any(p => p.Project == e.Project && string.Equals(p.Commit, e.Commit, StringComparison.OrdinalIgnoreCase)))
            .GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Last());
        var reported = (now ?? Array.Empty<LedgerFinding>()).Where(f => names.Contains(f.Key.Project)).Select(f => f.Key).ToHashSet();
        var rules = judged.Keys.Select(k => k.Rule).Concat(reported.Select(k => k.Rule)).Distinct().OrderBy(r => r, StringComparer.Ordinal);
        return rules.Select(rule =>
        {
            var mine = judged.Values.Where(e => e.Rule == rule).ToList();
            int Judged(Verdict v) => mine.Count(e => e.Verdict == v);
            int Now(Verdict v) => mine.Count(e => e.Verdict == v && reported.Contains(e.Key));
            return new RulePrecision(
                rule,
                reported.Count(k => k.Rule == rule),
                Judged(Verdict.True), Now(Verdict.True),
                Judged(Verdict.False), Now(Verdict.False),
                Judged(Verdict.Debatable), Now(Verdict.Debatable),
                reported.Count(k => k.Rule == rule && !judged.ContainsKey(k)));
        }).ToList();
    }

    /// <summary>The table of docs/precision.md: judged findings per rule, from the ledger alone.</summary>
    public static string JudgedTable(IReadOnlyList<RulePrecision> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| rule | judged | true | false | debatable | precision |");
        sb.AppendLine("|---|---|---|---|---|---|");
        foreach (var r in rows.Where(r => r.TrueJudged + r.FalseJudged + r.DebatableJudged > 0))
        {
            sb.AppendLine($"| {r.Rule} | {r.TrueJudged + r.FalseJudged + r.DebatableJudged} | {r.TrueJudged} | {r.FalseJudged} | {r.DebatableJudged} | {Percent(r.PrecisionJudged)} |");
        }

        var t = rows.Sum(r => r.TrueJudged);
        var f = rows.Sum(r => r.FalseJudged);
        var d = rows.Sum(r => r.DebatableJudged);
        sb.AppendLine($"| all | {t + f + d} | {t} | {f} | {d} | {Percent(t + f == 0 ? null : (double)t / (t + f))} |");
        return sb.ToString();
    }

    /// <summary>The ledger mode's table: findings now beside the judgements still reported.</summary>
    public static string RunTable(IReadOnlyList<RulePrecision> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| rule | findings now | true still reported | false still reported | debatable still reported | new, unjudged | precision now | precision as judged |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
        {
            sb.AppendLine($"| {r.Rule} | {r.FindingsNow} | {r.TrueNow}/{r.TrueJudged} | {r.FalseNow}/{r.FalseJudged} | {r.DebatableNow}/{r.DebatableJudged} | {r.Unjudged} | {Percent(r.PrecisionNow)} | {Percent(r.PrecisionJudged)} |");
        }

        var tn = rows.Sum(r => r.TrueNow);
        var fn = rows.Sum(r => r.FalseNow);
        var tj = rows.Sum(r => r.TrueJudged);
        var fj = rows.Sum(r => r.FalseJudged);
        sb.AppendLine($"| all | {rows.Sum(r => r.FindingsNow)} | {tn}/{tj} | {fn}/{fj} | {rows.Sum(r => r.DebatableNow)}/{rows.Sum(r => r.DebatableJudged)} | {rows.Sum(r => r.Unjudged)} | {Percent(tn + fn == 0 ? null : (double)tn / (tn + fn))} | {Percent(tj + fj == 0 ? null : (double)tj / (tj + fj))} |");
        return sb.ToString();
    }

    public static string Percent(double? value) => value is double v ? (v * 100).ToString("0", CultureInfo.InvariantCulture) + "%" : "-";

    /// <summary>The whole ledger-mode report: per set, the table; the skipped projects; the new findings to judge.</summary>
    public static string Markdown(IReadOnlyList<LedgerEntry> ledger, IReadOnlyList<CorpusProject> projects, LedgerRunResult run)
    {
        var sb = new StringBuilder();
        foreach (var set in new[] { ProjectSet.Tune, ProjectSet.Check })
        {
            var members = run.Analysed.Where(p => p.Set == set).ToList();
            sb.AppendLine($"## {set} set: {(members.Count == 0 ? "no project analysed" : string.Join(", ", members.Select(p => p.Project)))}");
            sb.AppendLine();
            if (members.Count > 0)
            {
                sb.AppendLine(RunTable(Compute(ledger, members, run.Findings)));
            }
        }

        if (run.Skipped.Count > 0)
        {
            sb.AppendLine("## Projects not analysed");
            sb.AppendLine();
            foreach (var s in run.Skipped)
            {
                sb.AppendLine($"- {s.Project.Project} ({s.Project.Set}): {s.Why}");
            }

            sb.AppendLine();
        }

        var judged = ledger.Select(e => e.Key).ToHashSet();
        var unjudged = run.Findings.Where(f => !judged.Contains(f.Key)).ToList();
        sb.AppendLine($"## New findings, not judged yet: {unjudged.Count}");
        sb.AppendLine();
        foreach (var f in unjudged)
        {
            sb.AppendLine($"- {f.Key.Project} {f.Key.Path}:{f.Key.Line}: {f.Key.Rule} {f.Message}");
        }

        return sb.ToString();
    }
}

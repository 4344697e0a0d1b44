using System.Globalization;

namespace ConcurrencyGuard.Corpus.Precision;

/// <summary>The command line of the ledger mode (see the corpus README and docs/precision.md).</summary>
public static class LedgerMode
{
    /// <summary>The HTML comment that frames a set's table in docs/precision.md.</summary>
    public static string DocsMarker(ProjectSet set) => set == ProjectSet.Check ? "check-table" : "tune-table";

    public static async Task<int> RunAsync(string ledgerDir, string? snapshots, string? set, string? unjudgedOut, bool docsTables)
    {
        var projects = LedgerFile.ReadProjects(Path.Combine(ledgerDir, "projects.tsv"));
        var ledger = LedgerFile.ReadLedger(Path.Combine(ledgerDir, "ledger.tsv"));
        if (docsTables)
        {
            // The tables of docs/precision.md, from the judgements alone (no snapshot needed).
            foreach (var which in new[] { ProjectSet.Check, ProjectSet.Tune })
            {
                Console.WriteLine($"<!-- {DocsMarker(which)} -->");
                Console.Write(LedgerReport.JudgedTable(LedgerReport.Compute(ledger, projects.Where(p => p.Set == which).ToList(), null)));
                Console.WriteLine($"<!-- /{DocsMarker(which)} -->");
            }

            return 0;
        }

        if (snapshots is null)
        {
            Console.Error.WriteLine("--ledger needs --snapshots DIR (the folder holding one snapshot per project) or --docs-tables");
            return 2;
        }

        var chosen = set switch
        {
            null or "all" => projects,
            "tune" => projects.Where(p => p.Set == ProjectSet.Tune).ToList(),
            "check" => projects.Where(p => p.Set == ProjectSet.Check).ToList(),
            _ => null,
        };
        if (chosen is null)
        {
            Console.Error.WriteLine($"--set takes tune, check or all, not '{set}'");
            return 2;
        }

        var run = await LedgerRun.RunAsync(chosen, snapshots, m => Console.Error.WriteLine(m));
        Console.WriteLine(LedgerReport.Markdown(ledger, projects, run));
        if (unjudgedOut is not null)
        {
            // Rows to judge: the ledger's columns with the verdict and reason left to the judge, then the message and the flagged line.
            var judged = ledger.Select(e => e.Key).ToHashSet();
            var commits = projects.ToDictionary(p => p.Project, p => p.Commit, StringComparer.Ordinal);
            var rows = run.Findings.Where(f => !judged.Contains(f.Key)).Select(f => string.Join('\t',
                f.Key.Project, commits[f.Key.Project], f.Key.Path, f.Key.Line.ToString(CultureInfo.InvariantCulture), f.Key.Rule, f.Message.Replace('\t', ' '), f.SourceLine.Replace('\t', ' ')));
            File.WriteAllLines(unjudgedOut, new[] { "project\tcommit\tpath\tline\trule\tmessage\tsource" }.Concat(rows));
        }

        foreach (var e in run.Exceptions)
        {
            Console.Error.WriteLine($"analyzer exception: {e.Analyzer} in {e.File}: {e.Exception}");
        }

        return run.Exceptions.Count == 0 ? 0 : 1;
    }
}

using System.Text.RegularExpressions;
using ConcurrencyGuard.Analyzers.Tests.Infrastructure;
using ConcurrencyGuard.Corpus.Precision;

namespace ConcurrencyGuard.Analyzers.Tests.Catalog;

/// <summary>
/// The precision ledger (tests/ConcurrencyGuard.Corpus/precision) is well-formed and agrees with
/// docs/precision.md; the ledger mode's arithmetic is what the protocol says it is.
/// </summary>
public class PrecisionLedgerTests
{
    private static string Dir => Repo.PathOf("tests", "ConcurrencyGuard.Corpus", "precision");

    private static IReadOnlyList<LedgerEntry> Ledger => LedgerFile.ReadLedger(Path.Combine(Dir, "ledger.tsv"));

    private static IReadOnlyList<CorpusProject> Projects => LedgerFile.ReadProjects(Path.Combine(Dir, "projects.tsv"));

    [Fact]
    public void Ledger_has_the_header_row_of_the_protocol() =>
        Assert.Equal("project\tcommit\tpath\tline\trule\tverdict\treason", File.ReadLines(Path.Combine(Dir, "ledger.tsv")).First());

    [Fact]
    public void Every_verdict_is_one_of_the_three_words()
    {
        var words = File.ReadLines(Path.Combine(Dir, "ledger.tsv")).Skip(1).Where(l => l.Length > 0).Select(l => l.Split('\t')[5]).ToList();
        Assert.NotEmpty(words);
        Assert.All(words, w => Assert.Contains(w, new[] { "true", "false", "debatable" }));
    }

    [Fact]
    public void Every_rule_in_the_ledger_is_a_shipped_rule()
    {
        var shipped = Repo.Descriptors.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        Assert.All(Ledger, e => Assert.True(shipped.Contains(e.Rule), $"{e.Path}:{e.Line}: {e.Rule} is not a shipped rule"));
    }

    [Fact]
    public void Every_judged_finding_belongs_to_a_corpus_project_at_its_pinned_commit()
    {
        var pinned = Projects.ToDictionary(p => p.Project, p => p.Commit, StringComparer.Ordinal);
        Assert.All(Ledger, e =>
        {
            Assert.True(pinned.TryGetValue(e.Project, out var commit), $"{e.Project} is not in projects.tsv");
            Assert.Equal(commit, e.Commit);
            Assert.False(e.Path.StartsWith('/') || e.Path.Contains('\\'), $"{e.Path}: paths are relative to the repository, with '/'");
        });
    }

    [Fact]
    public void A_finding_is_judged_once() =>
        Assert.Empty(Ledger.GroupBy(e => e.Key).Where(g => g.Count() > 1).Select(g => g.Key));

    [Fact]
    public void Projects_are_pinned_and_split_into_tune_and_check_sets()
    {
        Assert.All(Projects, p => Assert.Matches("^[0-9a-f]{40}$", p.Commit));
        Assert.Equal(Projects.Count, Projects.Select(p => p.SnapshotName).Distinct(StringComparer.Ordinal).Count());
        Assert.True(Projects.Count(p => p.Set == ProjectSet.Check) >= 3, "the protocol needs at least 3 check-set projects");
        Assert.Contains(Projects, p => p.Set == ProjectSet.Tune);
    }

    [Fact]
    public void Docs_list_every_project_with_its_commit_and_set()
    {
        var docs = File.ReadAllText(Repo.PathOf("docs", "precision.md"));
        foreach (var p in Projects)
        {
            var set = p.Set == ProjectSet.Check ? "check" : "tune";
            Assert.Matches(new Regex($@"^\|\s*{Regex.Escape(p.Project)}\s*\|\s*`?{p.Commit}`?\s*\|\s*{set}\s*\|", RegexOptions.Multiline), docs);
        }
    }

    [Theory]
    [InlineData(ProjectSet.Check)]
    [InlineData(ProjectSet.Tune)]
    public void Docs_tables_agree_with_the_ledger(ProjectSet set)
    {
        var docs = File.ReadAllText(Repo.PathOf("docs", "precision.md")).Replace("\r\n", "\n");
        var marker = LedgerMode.DocsMarker(set);
        var match = Regex.Match(docs, $"<!-- {marker} -->\n(.*?)<!-- /{marker} -->", RegexOptions.Singleline);
        Assert.True(match.Success, $"docs/precision.md has no table framed by <!-- {marker} -->");
        var expected = LedgerReport.JudgedTable(LedgerReport.Compute(Ledger, Projects.Where(p => p.Set == set).ToList(), null)).Replace("\r\n", "\n");
        Assert.Equal(expected, match.Groups[1].Value);
    }

    [Fact]
    public void Precision_counts_judged_findings_still_reported_and_new_ones_apart()
    {
        var project = new CorpusProject("o/p", new string('a', 40), ProjectSet.Check, new[] { "src" });
        var ledger = new[]
        {
            new LedgerEntry("o/p", project.Commit, "src/A.cs", 10, "CG1001", Verdict.True, "r"),
            new LedgerEntry("o/p", project.Commit, "src/A.cs", 20, "CG1001", Verdict.False, "r"),
            new LedgerEntry("o/p", project.Commit, "src/A.cs", 30, "CG1001", Verdict.False, "r"),
            new LedgerEntry("o/p", project.Commit, "src/B.cs", 5, "CG1001", Verdict.Debatable, "r"),
            new LedgerEntry("o/p", new string('b', 40), "src/C.cs", 5, "CG1001", Verdict.True, "judged at another commit: not counted"),
        };
        LedgerFinding Now(string path, int line) => new(new FindingKey("o/p", path, line, "CG1001"), "m", "s");
        var now = new[] { Now("src/A.cs", 10), Now("src/A.cs", 20), Now("src/B.cs", 5), Now("src/B.cs", 9) };

        var row = Assert.Single(LedgerReport.Compute(ledger, new[] { project }, now));

        Assert.Equal(("CG1001", 4, 1, 1, 2, 1, 1, 1, 1), (row.Rule, row.FindingsNow, row.TrueJudged, row.TrueNow, row.FalseJudged, row.FalseNow, row.DebatableJudged, row.DebatableNow, row.Unjudged));
        Assert.Equal(0.5, row.PrecisionNow);
        Assert.Equal(1.0 / 3, row.PrecisionJudged);
    }

    [Fact]
    public void A_verdict_outside_the_three_words_is_rejected()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ledger-{Guid.NewGuid():N}.tsv");
        try
        {
            File.WriteAllLines(path, new[] { string.Join('\t', LedgerFile.LedgerColumns), $"o/p\t{new string('a', 40)}\tsrc/A.cs\t1\tCG1001\tmaybe\twhy" });
            var error = Assert.Throws<FormatException>(() => LedgerFile.ReadLedger(path));
            Assert.Contains("maybe", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_missing_snapshot_is_reported_not_skipped_silently()
    {
        var project = new CorpusProject("o/p", new string('a', 40), ProjectSet.Tune, new[] { "src" });
        var root = Path.Combine(Path.GetTempPath(), $"snap-{Guid.NewGuid():N}");
        Assert.Contains("no snapshot", LedgerRun.CheckSnapshot(project, Path.Combine(root, "p")));

        Directory.CreateDirectory(Path.Combine(root, "p", "src"));
        try
        {
            Assert.Contains("unknown", LedgerRun.CheckSnapshot(project, Path.Combine(root, "p")));
            File.WriteAllText(Path.Combine(root, "p", LedgerRun.CommitMarker), new string('b', 40));
            Assert.Contains("pins", LedgerRun.CheckSnapshot(project, Path.Combine(root, "p")));
            File.WriteAllText(Path.Combine(root, "p", LedgerRun.CommitMarker), project.Commit + "\n");
            Assert.Null(LedgerRun.CheckSnapshot(project, Path.Combine(root, "p")));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Ledger_mode_reports_findings_in_repository_coordinates_and_lists_missing_projects()
    {
        var root = Path.Combine(Path.GetTempPath(), $"snap-{Guid.NewGuid():N}");
        var present = new CorpusProject("o/present", new string('a', 40), ProjectSet.Check, new[] { "src/Lib" });
        var missing = new CorpusProject("o/missing", new string('a', 40), ProjectSet.Tune, new[] { "src" });
        Directory.CreateDirectory(Path.Combine(root, "present", "src", "Lib"));
        try
        {
            File.WriteAllText(Path.Combine(root, "present", LedgerRun.CommitMarker), present.Commit);
            File.WriteAllText(Path.Combine(root, "present", "src", "Lib", "Worker.cs"), """
                using System.Threading.Tasks;
                class Worker
                {
                    static Task Work() => Task.Delay(1);

                    void Start()
                    {
                        Task.Run(Work);
                    }
                }
                """);

            var run = await LedgerRun.RunAsync(new[] { present, missing }, root, _ => { });

            var finding = Assert.Single(run.Findings, f => f.Key.Rule == "CG1001");
            Assert.Equal(new FindingKey("o/present", "src/Lib/Worker.cs", 8, "CG1001"), finding.Key);
            Assert.Equal("Task.Run(Work);", finding.SourceLine);
            Assert.Equal("o/missing", Assert.Single(run.Skipped).Project.Project);
            var report = LedgerReport.Markdown(Array.Empty<LedgerEntry>(), new[] { present, missing }, run);
            Assert.Contains("o/missing (Tune): no snapshot", report);
            Assert.Contains("src/Lib/Worker.cs:8: CG1001", report);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}

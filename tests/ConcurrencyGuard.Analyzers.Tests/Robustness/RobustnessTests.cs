using System.Collections.Concurrent;
using System.Collections.Immutable;
using ConcurrencyGuard.Analyzers.Tests.Infrastructure;
using ConcurrencyGuard.Corpus;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit.Abstractions;

namespace ConcurrencyGuard.Analyzers.Tests.Robustness;

/// <summary>
/// The quality rig's CI checks, over every registered analyzer and fixer (found by reflection, so a new
/// rule cannot skip them): no analyzer exception on the synthetic corpus, the sample and every test
/// source; no exception from analyzers or fixers on thousands of broken mutants; Fix All keeps the
/// synthetic corpus compiling and removes what it fixed. No timing is asserted anywhere.
/// </summary>
[Collection(RobustnessCollection.Name)]
public sealed class RobustnessTests
{
    private readonly ITestOutputHelper _output;

    public RobustnessTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Synthetic_corpus_is_deterministic_and_about_the_requested_size()
    {
        var a = SyntheticCorpus.Generate(SyntheticCorpus.DefaultSeed, 20_000);
        var b = SyntheticCorpus.Generate(SyntheticCorpus.DefaultSeed, 20_000);
        Assert.Equal(a, b);
        var lines = a.Sum(f => SyntheticCorpus.CountLines(f.Text));
        Assert.InRange(lines, 20_000, 22_000);
        Assert.NotEqual(a, SyntheticCorpus.Generate(SyntheticCorpus.DefaultSeed + 1, 20_000));
    }

    [Fact]
    public async Task Synthetic_corpus_compiles_and_every_analyzer_runs_without_exception()
    {
        var lines = RigHarness.Full ? SyntheticCorpus.DefaultLines : RigHarness.EnvInt("CG_RIG_LINES", SyntheticCorpus.DefaultLines);
        var compilation = RigHarness.Compile("synthetic", SyntheticCorpus.Generate(SyntheticCorpus.DefaultSeed, lines));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, "the synthetic corpus must compile:\n" + string.Join("\n", errors.Take(20)));

        var (diagnostics, exceptions) = await RigHarness.AnalyzeAsync(compilation);
        Assert.True(exceptions.Count == 0, string.Join("\n\n", exceptions.Take(5)));

        // Every shipped rule has hazards to find in the corpus, or the Fix-All check would test nothing.
        var found = diagnostics.Select(d => d.Id).ToHashSet();
        var silent = Repo.Descriptors.Select(d => d.Id).Where(id => !found.Contains(id)).ToList();
        Assert.True(silent.Count == 0, "rules with no finding in the synthetic corpus (add their hazard to SyntheticCorpus): " + string.Join(", ", silent));
        _output.WriteLine($"{lines} lines, {diagnostics.Length} findings: " + string.Join(", ", diagnostics.GroupBy(d => d.Id).OrderBy(g => g.Key).Select(g => $"{g.Key}={g.Count()}")));
    }

    [Fact]
    public async Task Sample_and_every_test_source_run_without_exception()
    {
        var sample = RigHarness.Compile("sample", RigHarness.SampleSources());
        var (_, sampleExceptions) = await RigHarness.AnalyzeAsync(sample);
        Assert.True(sampleExceptions.Count == 0, string.Join("\n\n", sampleExceptions.Take(5)));

        var sources = RigHarness.TestSources();
        Assert.True(sources.Count >= 20, "test sources should be harvested from the rule tests");
        foreach (var (name, text) in sources)
        {
            var (_, exceptions) = await RigHarness.AnalyzeAsync(RigHarness.Compile(name, new[] { (name + ".cs", text) }));
            Assert.True(exceptions.Count == 0, name + ":\n" + string.Join("\n\n", exceptions.Take(3)));
        }

        _output.WriteLine($"{sources.Count} test sources analyzed");
    }

    [Fact]
    public async Task Mutants_crash_no_analyzer_and_no_fixer()
    {
        var count = RigHarness.Full ? 20_000 : RigHarness.EnvInt("CG_FUZZ_MUTANTS", 2_000);
        var seed = RigHarness.EnvInt("CG_FUZZ_SEED", 4242);
        var seeds = RigHarness.TestSources()
            .Concat(RigHarness.SampleSources())
            .Concat(SyntheticCorpus.Generate(seed, 6_000).Select(f => (f.Path, f.Text)))
            .Select(s => s.Item2)
            .ToArray();
        var failures = new ConcurrentBag<string>();
        var diagnosticsSeen = 0;
        var actionsApplied = 0;

        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (i, ct) =>
        {
            var random = new Random(seed * 31 + i);
            var mutant = Mutator.Mutate(seeds[random.Next(seeds.Length)], random);
            try
            {
                var project = RigHarness.CreateProject(new[] { ($"mutant{i}.cs", mutant) });
                var document = project.Documents.Single();
                var compilation = (await project.GetCompilationAsync(ct))!;
                var (diagnostics, exceptions) = await RigHarness.AnalyzeAsync(compilation, ct);
                foreach (var e in exceptions)
                {
                    failures.Add($"mutant {i} (analyzer): {e}\n---\n{mutant}");
                }

                var fixable = diagnostics.AddRange(compilation.GetDiagnostics(ct).Where(d => d.Id == "CS4014"));
                Interlocked.Add(ref diagnosticsSeen, fixable.Length);
                foreach (var diagnostic in fixable.Take(8))
                {
                    foreach (var fixer in RigHarness.Fixers.Where(f => f.FixableDiagnosticIds.Contains(diagnostic.Id)))
                    {
                        foreach (var action in await RigHarness.ActionsAsync(fixer, document, diagnostic, ct))
                        {
                            _ = await action.GetOperationsAsync(ct);
                            Interlocked.Increment(ref actionsApplied);
                        }
                    }
                }
            }
            catch (Exception e)
            {
                failures.Add($"mutant {i}: {e}\n---\n{mutant}");
            }
        });

        _output.WriteLine($"{count} mutants, {diagnosticsSeen} diagnostics, {actionsApplied} code actions computed");
        Assert.True(failures.IsEmpty, $"{failures.Count} failures; first:\n" + failures.FirstOrDefault());
        Assert.True(actionsApplied > 0, "the fuzzer should reach the code fixes");
    }

    /// <summary>
    /// A fix's syntax tree must bind as its text does: a node built with the wrong token kind (an
    /// identifier <c>_</c> where the parser makes a discard) compiles once the text is parsed again, but
    /// not in the workspace that applied the fix (previews, Fix All chains, tools applying several
    /// fixes). Every code action of every fixer, on a few diagnostics of each rule, is applied and its
    /// changed documents compiled as produced and as re-parsed text: both must have the same errors.
    /// </summary>
    [Fact]
    public async Task Fixed_documents_compile_as_the_fix_produced_them()
    {
        var project = RigHarness.CreateProject(SyntheticCorpus.Generate(SyntheticCorpus.DefaultSeed, RigHarness.EnvInt("CG_FIXALL_LINES", 4_000)));
        var diagnostics = await RigHarness.FixableDiagnosticsAsync(project);
        var failures = new List<string>();
        var applied = 0;
        foreach (var fixer in RigHarness.Fixers)
        {
            foreach (var diagnostic in diagnostics.Where(d => fixer.FixableDiagnosticIds.Contains(d.Id)).GroupBy(d => d.Id).SelectMany(g => g.Take(3)))
            {
                var document = project.GetDocument(diagnostic.Location.SourceTree)!;
                foreach (var action in await RigHarness.ActionsAsync(fixer, document, diagnostic))
                {
                    var operations = await action.GetOperationsAsync(CancellationToken.None);
                    var changed = operations.OfType<ApplyChangesOperation>().Single().ChangedSolution.GetProject(project.Id)!;
                    var produced = (await changed.GetCompilationAsync())!;
                    var reparsed = produced.RemoveAllSyntaxTrees().AddSyntaxTrees(produced.SyntaxTrees.Select(t => CSharpSyntaxTree.ParseText(t.GetText(), (CSharpParseOptions)t.Options, t.FilePath)));
                    string Errors(Compilation c) => string.Join("\n", c.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => $"{d.Id} {d.Location.GetLineSpan()}").Order(StringComparer.Ordinal));
                    var asProduced = Errors(produced);
                    if (asProduced != Errors(reparsed))
                    {
                        failures.Add($"{fixer.GetType().Name} '{action.EquivalenceKey ?? action.Title}' for {diagnostic.Id} at {diagnostic.Location.GetLineSpan()}: the fixed tree binds differently from its text:\n{asProduced}");
                    }

                    applied++;
                }
            }
        }

        _output.WriteLine($"{applied} code actions applied and compiled as produced");
        Assert.True(applied > 0, "the rig should reach the code fixes");
        Assert.True(failures.Count == 0, string.Join("\n\n", failures.Take(5)));
    }

    [Fact]
    public async Task Fix_all_keeps_the_corpus_compiling_and_removes_what_it_fixed()
    {
        var lines = RigHarness.Full ? 30_000 : RigHarness.EnvInt("CG_FIXALL_LINES", 4_000);
        var project = RigHarness.CreateProject(SyntheticCorpus.Generate(SyntheticCorpus.DefaultSeed, lines));
        var errorsBefore = (await project.GetCompilationAsync())!.GetDiagnostics().Count(d => d.Severity == DiagnosticSeverity.Error);
        var diagnostics = await RigHarness.FixableDiagnosticsAsync(project);
        var report = new List<string>();
        var covered = new HashSet<string>();

        foreach (var fixer in RigHarness.Fixers)
        {
            foreach (var id in fixer.FixableDiagnosticIds)
            {
                var ofId = diagnostics.Where(d => d.Id == id).ToImmutableArray();
                if (ofId.IsEmpty)
                {
                    continue;
                }

                // Which fixes (equivalence keys) does this fixer offer, and for which diagnostics?
                var offered = new Dictionary<string, int>();
                foreach (var diagnostic in ofId)
                {
                    var document = project.GetDocument(diagnostic.Location.SourceTree)!;
                    foreach (var action in await RigHarness.ActionsAsync(fixer, document, diagnostic))
                    {
                        offered[action.EquivalenceKey ?? action.Title] = offered.GetValueOrDefault(action.EquivalenceKey ?? action.Title) + 1;
                    }
                }

                foreach (var (key, count) in offered)
                {
                    var first = ofId.First(d => true);
                    var context = new FixAllContext(
                        project.GetDocument(first.Location.SourceTree)!,
                        fixer,
                        FixAllScope.Solution,
                        key,
                        new[] { id },
                        new RigHarness.FixedDiagnostics(ofId),
                        CancellationToken.None);
                    var fixAll = await fixer.GetFixAllProvider()!.GetFixAsync(context);
                    Assert.NotNull(fixAll);
                    var operations = await fixAll!.GetOperationsAsync(CancellationToken.None);
                    var fixedSolution = operations.OfType<ApplyChangesOperation>().Single().ChangedSolution;
                    var fixedProject = fixedSolution.GetProject(project.Id)!;

                    var errorsAfter = (await fixedProject.GetCompilationAsync())!.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
                    Assert.True(errorsAfter.Count <= errorsBefore, $"Fix All '{key}' of {fixer.GetType().Name} for {id} broke the build:\n" + string.Join("\n", errorsAfter.Take(10).Select(e => e + " | " + e.Location.SourceTree?.GetText().Lines[e.Location.GetLineSpan().StartLinePosition.Line])));

                    var left = (await RigHarness.FixableDiagnosticsAsync(fixedProject)).Where(d => d.Id == id).ToList();
                    var remaining = left.Count;
                    Assert.True(remaining <= ofId.Length - count, $"Fix All '{key}' for {id}: {ofId.Length} before, offered for {count}, {remaining} remain:\n"
                        + string.Join("\n", left.Take(5).Select(d => d.Location.GetLineSpan().Path + ": " + d.Location.SourceTree!.GetText().Lines[d.Location.GetLineSpan().StartLinePosition.Line].ToString().Trim())));
                    report.Add($"{id} '{key}': {ofId.Length} -> {remaining}");
                    covered.Add(id);
                }
            }
        }

        foreach (var line in report)
        {
            _output.WriteLine(line);
        }

        // Every rule with a fixer must have been exercised on the corpus.
        var fixableRules = RigHarness.Fixers.SelectMany(f => f.FixableDiagnosticIds).Where(id => id.StartsWith("CG", StringComparison.Ordinal)).ToHashSet();
        Assert.Empty(fixableRules.Except(covered));
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RobustnessCollection
{
    public const string Name = "Robustness";
}

/// <summary>Deterministic source mutations that imitate code being typed or half-deleted.</summary>
public static class Mutator
{
    public static string Mutate(string source, Random random)
    {
        var text = source;
        var rounds = 1 + random.Next(3);
        for (var r = 0; r < rounds && text.Length > 0; r++)
        {
            text = random.Next(5) switch
            {
                0 => text[..random.Next(text.Length)],                                   // cut the file
                1 => DeleteTokens(text, random),                                         // delete tokens
                2 => InsertAt(text, random, random.Next(2) == 0 ? "{" : "}"),            // unbalance braces
                3 => InsertAt(text, random, new[] { "(", ")", ";", "await ", "async ", "=>", ",", "." }[random.Next(8)]),
                _ => DeleteRange(text, random),                                          // delete a line range
            };
        }

        return text;
    }

    private static string DeleteTokens(string text, Random random)
    {
        var tokens = Microsoft.CodeAnalysis.CSharp.SyntaxFactory.ParseTokens(text).Where(t => t.Span.Length > 0).ToList();
        if (tokens.Count == 0)
        {
            return text;
        }

        var deletes = 1 + random.Next(5);
        var spans = Enumerable.Range(0, deletes).Select(_ => tokens[random.Next(tokens.Count)].Span).Distinct().OrderByDescending(s => s.Start);
        var result = text;
        foreach (var span in spans)
        {
            result = result.Remove(span.Start, span.Length);
        }

        return result;
    }

    private static string InsertAt(string text, Random random, string what) => text.Insert(random.Next(text.Length + 1), what);

    private static string DeleteRange(string text, Random random)
    {
        var start = random.Next(text.Length);
        var length = Math.Min(text.Length - start, random.Next(200));
        return text.Remove(start, length);
    }
}

using System.Collections.Immutable;
using ConcurrencyGuard.Corpus;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Xunit.Abstractions;

namespace ConcurrencyGuard.Analyzers.Tests.Robustness;

/// <summary>
/// Fix All as command-line tools ask for it (issue #18, item 12). <c>dotnet format analyzers</c> takes the
/// equivalence key of the first code action of the first diagnostic of a rule, which is no key at all when that
/// diagnostic has no fix (the sample's first CG1004, CG1005 and CG6001), and asks for Fix All in the solution with
/// it: every rule whose fixer can fix one of its diagnostics must still get a Fix All action that changes the code.
/// The end-to-end run of the real tool is <c>DotNetFormatTests</c>.
/// </summary>
[Collection(RobustnessCollection.Name)]
public sealed class ToolFixAllTests
{
    private readonly ITestOutputHelper _output;

    public ToolFixAllTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task Fix_all_without_an_equivalence_key_fixes_every_fixable_rule()
    {
        var project = RigHarness.CreateProject(SyntheticCorpus.Generate(SyntheticCorpus.DefaultSeed, RigHarness.EnvInt("CG_FIXALL_LINES", 4_000)));
        var diagnostics = await RigHarness.FixableDiagnosticsAsync(project);
        var failures = new List<string>();
        var checkedRules = 0;
        foreach (var fixer in RigHarness.Fixers)
        {
            foreach (var id in fixer.FixableDiagnosticIds.Where(id => id.StartsWith("CG", StringComparison.Ordinal)))
            {
                var ofId = diagnostics.Where(d => d.Id == id).ToImmutableArray();
                var fixable = 0;
                foreach (var diagnostic in ofId)
                {
                    fixable += (await RigHarness.ActionsAsync(fixer, project.GetDocument(diagnostic.Location.SourceTree)!, diagnostic)).Count > 0 ? 1 : 0;
                }

                if (fixable == 0)
                {
                    continue;
                }

                // The key dotnet format passes when the first diagnostic it meets has no fix.
                checkedRules++;
                var context = new FixAllContext(
                    project.GetDocument(ofId[0].Location.SourceTree)!,
                    fixer,
                    FixAllScope.Solution,
                    null!,
                    new[] { id },
                    new RigHarness.FixedDiagnostics(ofId),
                    CancellationToken.None);
                var action = await fixer.GetFixAllProvider()!.GetFixAsync(context);
                if (action is null)
                {
                    failures.Add($"{id} ({fixer.GetType().Name}): no Fix All action without a key; {fixable} of {ofId.Length} diagnostics have a fix");
                    continue;
                }

                var changed = (await action.GetOperationsAsync(CancellationToken.None)).OfType<ApplyChangesOperation>().Single().ChangedSolution;
                if (!changed.GetChanges(project.Solution).GetProjectChanges().SelectMany(p => p.GetChangedDocuments()).Any())
                {
                    failures.Add($"{id} ({fixer.GetType().Name}): the Fix All action without a key changes nothing");
                }

                _output.WriteLine($"{id}: {fixable} of {ofId.Length} fixable");
            }
        }

        Assert.True(checkedRules > 10, "the corpus should have fixable diagnostics for most rules");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}

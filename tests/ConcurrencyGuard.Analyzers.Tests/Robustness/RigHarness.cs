using System.Collections.Immutable;
using System.Text.RegularExpressions;
using ConcurrencyGuard.Analyzers.Tests.Infrastructure;
using ConcurrencyGuard.Corpus;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace ConcurrencyGuard.Analyzers.Tests.Robustness;

/// <summary>
/// Shared plumbing of the robustness checks: every registered analyzer and fixer (by reflection),
/// sources to feed them (synthetic corpus, sample, every test source), and a workspace to apply fixes in.
/// </summary>
public static class RigHarness
{
    public static ImmutableArray<DiagnosticAnalyzer> Analyzers { get; } = Repo.Analyzers.ToImmutableArray();

    public static ImmutableArray<CodeFixProvider> Fixers { get; } = Repo.Fixers.ToImmutableArray();

    /// <summary>Manual mode (<c>CG_RIG_FULL=1</c>) runs the large variants; CI runs the bounded ones.</summary>
    public static bool Full => Environment.GetEnvironmentVariable("CG_RIG_FULL") == "1";

    public static int EnvInt(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out var value) && value > 0 ? value : fallback;

    /// <summary>Every C# snippet of the analyzer tests (raw string literals that look like code), markup removed.</summary>
    public static IReadOnlyList<(string Name, string Text)> TestSources()
    {
        var result = new List<(string, string)>();
        var dir = Repo.PathOf("tests", "ConcurrencyGuard.Analyzers.Tests");
        foreach (var file in Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var root = CSharpSyntaxTree.ParseText(File.ReadAllText(file)).GetRoot();
            var index = 0;
            foreach (var token in root.DescendantTokens())
            {
                if (token.IsKind(SyntaxKind.MultiLineRawStringLiteralToken) || token.IsKind(SyntaxKind.StringLiteralToken))
                {
                    var text = token.ValueText;
                    if (text.Contains("class ", StringComparison.Ordinal) || text.Contains("void ", StringComparison.Ordinal))
                    {
                        result.Add(($"{Path.GetFileNameWithoutExtension(file)}#{index++}", StripMarkup(text)));
                    }
                }
            }
        }

        return result;
    }

    public static IReadOnlyList<(string Name, string Text)> SampleSources() =>
        Directory.EnumerateFiles(Repo.PathOf("samples"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(p => p is "obj" or "bin"))
            .Order(StringComparer.Ordinal)
            .Select(f => (Path.GetRelativePath(Repo.Root, f), File.ReadAllText(f)))
            .ToList();

    /// <summary>Removes Microsoft.CodeAnalysis.Testing markup: <c>{|ID:text|}</c>, <c>[|text|]</c>, <c>$$</c>.</summary>
    public static string StripMarkup(string text)
    {
        text = Regex.Replace(text, @"\{\|[A-Za-z0-9#]+:", string.Empty);
        return text.Replace("|}", string.Empty, StringComparison.Ordinal)
            .Replace("[|", string.Empty, StringComparison.Ordinal)
            .Replace("|]", string.Empty, StringComparison.Ordinal);
    }

    public static CSharpCompilation Compile(string name, IEnumerable<(string Path, string Text)> sources) =>
        CorpusLoader.FromSources(name, sources);

    /// <summary>Runs every analyzer; returns the diagnostics and every analyzer exception (AD0001 included).</summary>
    public static async Task<(ImmutableArray<Diagnostic> Diagnostics, IReadOnlyList<string> Exceptions)> AnalyzeAsync(Compilation compilation, CancellationToken ct = default)
    {
        var exceptions = new List<string>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            (exception, analyzer, diagnostic) => { lock (exceptions) { exceptions.Add($"{analyzer.GetType().Name}: {exception}"); } },
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: false);
        var diagnostics = await compilation.WithAnalyzers(Analyzers, options).GetAnalyzerDiagnosticsAsync(ct);
        exceptions.AddRange(diagnostics.Where(d => d.Id == "AD0001").Select(d => d.GetMessage()));
        return (diagnostics.Where(d => d.Id != "AD0001").ToImmutableArray(), exceptions);
    }

    /// <summary>A one-project solution over the sources, compiled like the corpus.</summary>
    public static Project CreateProject(IEnumerable<(string Path, string Text)> sources)
    {
        var workspace = new AdhocWorkspace();
        var projectId = ProjectId.CreateNewId();
        var solution = workspace.CurrentSolution.AddProject(ProjectInfo.Create(
            projectId,
            VersionStamp.Default,
            "rig",
            "rig",
            LanguageNames.CSharp,
            compilationOptions: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable),
            parseOptions: CorpusLoader.ParseOptions,
            metadataReferences: CorpusLoader.FrameworkReferences));
        foreach (var (path, text) in sources)
        {
            solution = solution.AddDocument(DocumentId.CreateNewId(projectId), Path.GetFileName(path), SourceText.From(text), filePath: path);
        }

        return solution.GetProject(projectId)!;
    }

    /// <summary>Analyzer diagnostics plus compiler warnings the fixers also handle (CS4014).</summary>
    public static async Task<ImmutableArray<Diagnostic>> FixableDiagnosticsAsync(Project project, CancellationToken ct = default)
    {
        var compilation = (await project.GetCompilationAsync(ct))!;
        var (analyzerDiagnostics, exceptions) = await AnalyzeAsync(compilation, ct);
        Assert.True(exceptions.Count == 0, string.Join("\n", exceptions));
        var fixableCompiler = Fixers.SelectMany(f => f.FixableDiagnosticIds).Where(id => id.StartsWith("CS", StringComparison.Ordinal)).ToHashSet();
        return analyzerDiagnostics.AddRange(compilation.GetDiagnostics(ct).Where(d => fixableCompiler.Contains(d.Id)));
    }

    /// <summary>The code actions a fixer registers for one diagnostic (nested actions flattened).</summary>
    public static async Task<IReadOnlyList<CodeAction>> ActionsAsync(CodeFixProvider fixer, Document document, Diagnostic diagnostic, CancellationToken ct = default)
    {
        var actions = new List<CodeAction>();
        var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), ct);
        await fixer.RegisterCodeFixesAsync(context);
        return actions.SelectMany(Flatten).ToList();

        static IEnumerable<CodeAction> Flatten(CodeAction action) =>
            action.NestedActions.IsDefaultOrEmpty ? new[] { action } : action.NestedActions.SelectMany(Flatten);
    }

    /// <summary>Serves Fix All with the diagnostics computed up front for the whole project.</summary>
    public sealed class FixedDiagnostics : FixAllContext.DiagnosticProvider
    {
        private readonly ImmutableArray<Diagnostic> _diagnostics;

        public FixedDiagnostics(ImmutableArray<Diagnostic> diagnostics) => _diagnostics = diagnostics;

        public override Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            Task.FromResult<IEnumerable<Diagnostic>>(_diagnostics);

        public override async Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken)
        {
            var tree = await document.GetSyntaxTreeAsync(cancellationToken);
            return _diagnostics.Where(d => d.Location.SourceTree?.FilePath == tree?.FilePath);
        }

        public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            Task.FromResult<IEnumerable<Diagnostic>>(_diagnostics.Where(d => !d.Location.IsInSource));
    }
}

using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace ConcurrencyGuard.Analyzers.Tests.Infrastructure;

/// <summary>
/// The one way tests run an analyzer and its fix: sources in <c>{|CGnnnn:...|}</c> markup, compiled
/// against the local shared frameworks, with optional .editorconfig text.
/// </summary>
public static class Verify<TAnalyzer, TFixer>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TFixer : CodeFixProvider, new()
{
    public static Task AnalyzerAsync(string source, string? editorConfig = null, params DiagnosticResult[] expected) =>
        AnalyzerAsync(new[] { source }, editorConfig, expected);

    public static Task AnalyzerAsync(string[] sources, string? editorConfig = null, params DiagnosticResult[] expected)
    {
        var test = Create();
        foreach (var source in sources)
        {
            test.TestState.Sources.Add(source);
        }

        AddEditorConfig(test.TestState, editorConfig);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    /// <summary>
    /// Applies the fix with <paramref name="equivalenceKey"/> (or the first one) to one diagnostic at a
    /// time, then checks Fix All in document, project and solution produces the same result.
    /// </summary>
    public static Task FixAsync(string source, string fixedSource, string? equivalenceKey = null, string? editorConfig = null, CompilerDiagnostics compilerDiagnostics = CompilerDiagnostics.Errors, string[]? additionalSources = null)
    {
        var test = Create();
        test.TestState.Sources.Add(source);
        test.FixedState.Sources.Add(fixedSource);
        foreach (var extra in additionalSources ?? Array.Empty<string>())
        {
            test.TestState.Sources.Add(extra);
            test.FixedState.Sources.Add(extra);
        }

        AddEditorConfig(test.TestState, editorConfig);
        test.CodeActionEquivalenceKey = equivalenceKey;
        test.CompilerDiagnostics = compilerDiagnostics;
        return test.RunAsync();
    }

    /// <summary>Asserts that no code action with <paramref name="equivalenceKey"/> is offered for the marked diagnostics.</summary>
    public static Task NoFixAsync(string source, string? equivalenceKey = null)
    {
        var test = Create();
        test.TestState.Sources.Add(source);
        test.FixedState.Sources.Add(source);
        test.CodeActionEquivalenceKey = equivalenceKey;
        test.FixedState.MarkupHandling = MarkupMode.Allow;
        return test.RunAsync();
    }

    public static Test Create() => new();

    private static void AddEditorConfig(SolutionState state, string? editorConfig)
    {
        if (editorConfig is not null)
        {
            state.AnalyzerConfigFiles.Add(("/.editorconfig", "root = true\n\n[*]\n" + editorConfig));
        }
    }

    public sealed class Test : CSharpCodeFixTest<TAnalyzer, TFixer, DefaultVerifier>
    {
        public Test()
        {
            ReferenceAssemblies = TestReferences.None;
            TestState.AdditionalReferences.AddRange(TestReferences.All);
            TestState.OutputKind = OutputKind.DynamicallyLinkedLibrary;
        }

        protected override ParseOptions CreateParseOptions() =>
            ((CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(LanguageVersion.Latest);

        protected override CompilationOptions CreateCompilationOptions() =>
            ((CSharpCompilationOptions)base.CreateCompilationOptions()).WithNullableContextOptions(NullableContextOptions.Enable);
    }
}

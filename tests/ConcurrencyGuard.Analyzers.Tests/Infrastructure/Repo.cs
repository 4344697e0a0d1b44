using System.Reflection;
using ConcurrencyGuard.Analyzers.Baseline;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ConcurrencyGuard.Analyzers.Tests.Infrastructure;

/// <summary>The repository on disk and the shipped analyzers/fixers, found by reflection so new rules are covered automatically.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine(new[] { Root }.Concat(parts).ToArray());

    public static IReadOnlyList<DiagnosticAnalyzer> Analyzers { get; } =
        typeof(RuleIdentifiers).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToList();

    public static IReadOnlyList<CodeFixProvider> Fixers { get; } =
        typeof(ConcurrencyGuard.CodeFixes.Tasks.DroppedTaskFixer).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(CodeFixProvider).IsAssignableFrom(t) && t.GetCustomAttribute<ExportCodeFixProviderAttribute>() is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (CodeFixProvider)Activator.CreateInstance(t)!)
            .ToList();

    /// <summary>The hazard rules (CG1001-CG6xxx); the baseline's own diagnostics are in <see cref="BaselineDescriptors"/>.</summary>
    public static IReadOnlyList<DiagnosticDescriptor> Descriptors { get; } = AllDescriptors().Where(d => d.Category != BaselineAnalyzer.Category).ToList();

    /// <summary>CG0001 (stale baseline entry) and the internal CG0000 member index.</summary>
    public static IReadOnlyList<DiagnosticDescriptor> BaselineDescriptors { get; } = AllDescriptors().Where(d => d.Category == BaselineAnalyzer.Category).ToList();

    private static IEnumerable<DiagnosticDescriptor> AllDescriptors() =>
        Analyzers.SelectMany(a => a.SupportedDiagnostics).GroupBy(d => d.Id).Select(g => g.First()).OrderBy(d => d.Id, StringComparer.Ordinal);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Analyzers.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Analyzers.sln not found above " + AppContext.BaseDirectory);
    }
}

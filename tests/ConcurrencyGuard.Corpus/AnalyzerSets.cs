using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using ConcurrencyGuard.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ConcurrencyGuard.Corpus;

/// <summary>A named set of analyzers: ConcurrencyGuard's own, or a peer package's.</summary>
public sealed record AnalyzerSet(string Tool, ImmutableArray<DiagnosticAnalyzer> Analyzers, IReadOnlyList<string> LoadErrors);

public static class AnalyzerSets
{
    public const string OurTool = "ConcurrencyGuard";

    /// <summary>Every analyzer in the ConcurrencyGuard assembly, found by reflection (new rules are covered automatically).</summary>
    public static AnalyzerSet Ours() => new(
        OurTool,
        typeof(RuleIdentifiers).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray(),
        Array.Empty<string>());

    /// <summary>Every code fix in the ConcurrencyGuard code-fix assembly.</summary>
    public static ImmutableArray<CodeFixProvider> OurFixers() =>
        typeof(ConcurrencyGuard.CodeFixes.Tasks.DroppedTaskFixer).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(CodeFixProvider).IsAssignableFrom(t) && t.GetCustomAttribute<ExportCodeFixProviderAttribute>() is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (CodeFixProvider)Activator.CreateInstance(t)!)
            .ToImmutableArray();

    /// <summary>
    /// A peer given as <c>PackageId@version</c> (restored into the NuGet global packages folder on
    /// demand) or as a folder of analyzer assemblies.
    /// </summary>
    public static AnalyzerSet Peer(string spec, Action<string> log)
    {
        var folder = Directory.Exists(spec) ? spec : PeerPackages.Resolve(spec, log);
        var tool = Directory.Exists(spec) ? Path.GetFileName(spec.TrimEnd('/')) : spec.Split('@')[0];
        var errors = new List<string>();
        var analyzers = ImmutableArray.CreateBuilder<DiagnosticAnalyzer>();
        if (folder is null)
        {
            return new AnalyzerSet(tool, analyzers.ToImmutable(), new[] { "could not resolve " + spec });
        }

        var loader = new Loader(folder);
        foreach (var dll in Directory.EnumerateFiles(folder, "*.dll").OrderBy(f => f, StringComparer.Ordinal))
        {
            var reference = new AnalyzerFileReference(dll, loader);
            reference.AnalyzerLoadFailed += (_, e) => errors.Add($"{Path.GetFileName(dll)}: {e.Message}");
            analyzers.AddRange(reference.GetAnalyzers(LanguageNames.CSharp));
        }

        return new AnalyzerSet(tool, analyzers.ToImmutable(), errors);
    }

    /// <summary>Loads peer assemblies (and their dependencies beside them) into a context of their own.</summary>
    private sealed class Loader : IAnalyzerAssemblyLoader
    {
        private readonly AssemblyLoadContext _context;

        public Loader(string folder)
        {
            _context = new AssemblyLoadContext("peer:" + folder);
            _context.Resolving += (context, name) =>
            {
                var candidate = Path.Combine(folder, name.Name + ".dll");
                return File.Exists(candidate) ? context.LoadFromAssemblyPath(candidate) : null;
            };
        }

        public void AddDependencyLocation(string fullPath)
        {
        }

        public Assembly LoadFromPath(string fullPath) => _context.LoadFromAssemblyPath(fullPath);
    }
}

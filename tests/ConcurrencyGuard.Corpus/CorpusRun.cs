using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ConcurrencyGuard.Corpus;

/// <summary>Per-analyzer figures of one run.</summary>
public sealed record AnalyzerFigures(string Tool, string Analyzer, IReadOnlyList<string> RuleIds, TimeSpan Time, int Findings);

public sealed record AnalyzerException(string Tool, string Analyzer, string Exception, string? File);

/// <summary>What one run over a set of compilations measured.</summary>
public sealed class RunResult
{
    public List<AnalyzerFigures> Analyzers { get; } = new();
    public Dictionary<string, int> FindingsByRule { get; } = new(StringComparer.Ordinal);
    public List<Diagnostic> Diagnostics { get; } = new();
    public List<AnalyzerException> Exceptions { get; } = new();
    public TimeSpan CompileTime { get; set; }
    public TimeSpan WallTime { get; set; }
    public int Lines { get; set; }
    public int Files { get; set; }
    public List<string> LoadErrors { get; } = new();
}

/// <summary>
/// Runs every analyzer set over the compilations in one <see cref="CompilationWithAnalyzers"/> per
/// compilation (ours and the peers side by side, in the same process and run), with Roslyn's analyzer
/// telemetry for execution time and an exception hook for crashes.
/// </summary>
public static class CorpusRun
{
    public static async Task<RunResult> RunAsync(IReadOnlyList<Compilation> compilations, IReadOnlyList<AnalyzerSet> sets, IEnumerable<string>? enableRuleIds = null, CancellationToken cancellationToken = default)
    {
        var result = new RunResult();
        var toolOf = new Dictionary<DiagnosticAnalyzer, string>();
        foreach (var set in sets)
        {
            result.LoadErrors.AddRange(set.LoadErrors.Select(e => $"{set.Tool}: {e}"));
            foreach (var analyzer in set.Analyzers)
            {
                toolOf[analyzer] = set.Tool;
            }
        }

        var analyzers = toolOf.Keys.ToImmutableArray();
        var times = new Dictionary<DiagnosticAnalyzer, TimeSpan>();
        var exceptions = new ConcurrentBag<AnalyzerException>();
        var enabled = (enableRuleIds ?? Array.Empty<string>()).ToDictionary(id => id, _ => ReportDiagnostic.Warn);
        var wall = Stopwatch.StartNew();

        foreach (var original in compilations)
        {
            result.Files += original.SyntaxTrees.Count();
            result.Lines += original.SyntaxTrees.Sum(t => t.GetText(cancellationToken).Lines.Count);

            // Peer rules that ship disabled (CA1849, ...) must be on, or the comparison times nothing.
            var compilation = original.WithOptions(original.Options.WithSpecificDiagnosticOptions(
                original.Options.SpecificDiagnosticOptions.SetItems(enabled)));

            var compile = Stopwatch.StartNew();
            _ = compilation.GetDiagnostics(cancellationToken);
            result.CompileTime += compile.Elapsed;

            var options = new CompilationWithAnalyzersOptions(
                new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                onAnalyzerException: (exception, analyzer, diagnostic) =>
                    exceptions.Add(new AnalyzerException(toolOf.GetValueOrDefault(analyzer, "?"), analyzer.GetType().Name, exception.ToString(), diagnostic.Location.SourceTree?.FilePath)),
                concurrentAnalysis: true,
                logAnalyzerExecutionTime: true,
                reportSuppressedDiagnostics: false);
            var withAnalyzers = compilation.WithAnalyzers(analyzers, options);
            var analysis = await withAnalyzers.GetAnalysisResultAsync(cancellationToken);
            foreach (var (analyzer, telemetry) in analysis.AnalyzerTelemetryInfo)
            {
                times[analyzer] = times.GetValueOrDefault(analyzer) + telemetry.ExecutionTime;
            }

            foreach (var diagnostic in analysis.GetAllDiagnostics())
            {
                if (diagnostic.Id == "AD0001")
                {
                    exceptions.Add(new AnalyzerException("?", "?", diagnostic.GetMessage(), diagnostic.Location.SourceTree?.FilePath));
                    continue;
                }

                result.Diagnostics.Add(diagnostic);
                result.FindingsByRule[diagnostic.Id] = result.FindingsByRule.GetValueOrDefault(diagnostic.Id) + 1;
            }
        }

        result.WallTime = wall.Elapsed;
        result.Exceptions.AddRange(exceptions);
        foreach (var analyzer in analyzers)
        {
            var ids = analyzer.SupportedDiagnostics.Select(d => d.Id).Distinct().ToList();
            result.Analyzers.Add(new AnalyzerFigures(
                toolOf[analyzer],
                analyzer.GetType().Name,
                ids,
                times.GetValueOrDefault(analyzer),
                ids.Sum(id => result.FindingsByRule.GetValueOrDefault(id))));
        }

        return result;
    }
}

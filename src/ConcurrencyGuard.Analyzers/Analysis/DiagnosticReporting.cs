using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ConcurrencyGuard.Analyzers;

/// <summary>Keeps rule files free of <c>Diagnostic.Create</c> plumbing.</summary>
public static class DiagnosticReporting
{
    public static void Report(this OperationAnalysisContext context, DiagnosticDescriptor rule, Location location, params object?[] args) =>
        context.ReportDiagnostic(Diagnostic.Create(rule, location, args));

    public static void Report(this SymbolAnalysisContext context, DiagnosticDescriptor rule, Location location, params object?[] args) =>
        context.ReportDiagnostic(Diagnostic.Create(rule, location, args));

    public static void Report(this SyntaxNodeAnalysisContext context, DiagnosticDescriptor rule, Location location, params object?[] args) =>
        context.ReportDiagnostic(Diagnostic.Create(rule, location, args));

    public static void Report(this OperationAnalysisContext context, DiagnosticDescriptor rule, Location location, IEnumerable<Location> additionalLocations, params object?[] args) =>
        context.ReportDiagnostic(Diagnostic.Create(rule, location, additionalLocations, args));

    public static void Report(this OperationAnalysisContext context, DiagnosticDescriptor rule, Location location, IEnumerable<Location> additionalLocations, ImmutableDictionary<string, string?> properties, params object?[] args) =>
        context.ReportDiagnostic(Diagnostic.Create(rule, location, additionalLocations, properties, args));
}

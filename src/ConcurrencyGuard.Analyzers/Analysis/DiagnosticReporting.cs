using System.Collections.Generic;

namespace ConcurrencyGuard.Analyzers;

/// <summary>Keeps rule files free of <c>Diagnostic.Create</c> plumbing: <c>context.Report(Rule, location, ...)</c> in every kind of action.</summary>
public static class DiagnosticReporting
{
    private static readonly ImmutableDictionary<string, string?> NoProperties = ImmutableDictionary<string, string?>.Empty;

    public static void Report(this OperationAnalysisContext context, DiagnosticDescriptor rule, Location location, params object?[] args) =>
        context.ReportDiagnostic(Create(rule, location, null, null, args));

    public static void Report(this OperationAnalysisContext context, DiagnosticDescriptor rule, Location location, ImmutableDictionary<string, string?> properties, params object?[] args) =>
        context.ReportDiagnostic(Create(rule, location, null, properties, args));

    public static void Report(this OperationAnalysisContext context, DiagnosticDescriptor rule, Location location, IEnumerable<Location> additionalLocations, params object?[] args) =>
        context.ReportDiagnostic(Create(rule, location, additionalLocations, null, args));

    public static void Report(this OperationAnalysisContext context, DiagnosticDescriptor rule, Location location, IEnumerable<Location> additionalLocations, ImmutableDictionary<string, string?> properties, params object?[] args) =>
        context.ReportDiagnostic(Create(rule, location, additionalLocations, properties, args));

    public static void Report(this SymbolAnalysisContext context, DiagnosticDescriptor rule, Location location, params object?[] args) =>
        context.ReportDiagnostic(Create(rule, location, null, null, args));

    public static void Report(this SymbolAnalysisContext context, DiagnosticDescriptor rule, Location location, ImmutableDictionary<string, string?> properties, params object?[] args) =>
        context.ReportDiagnostic(Create(rule, location, null, properties, args));

    public static void Report(this SymbolAnalysisContext context, DiagnosticDescriptor rule, Location location, IEnumerable<Location> additionalLocations, params object?[] args) =>
        context.ReportDiagnostic(Create(rule, location, additionalLocations, null, args));

    public static void Report(this SyntaxNodeAnalysisContext context, DiagnosticDescriptor rule, Location location, params object?[] args) =>
        context.ReportDiagnostic(Create(rule, location, null, null, args));

    public static void Report(this SyntaxNodeAnalysisContext context, DiagnosticDescriptor rule, Location location, ImmutableDictionary<string, string?> properties, params object?[] args) =>
        context.ReportDiagnostic(Create(rule, location, null, properties, args));

    /// <summary>A diagnostic to report later (a rule that decides at the end of a type).</summary>
    public static Diagnostic Create(DiagnosticDescriptor rule, Location location, IEnumerable<Location>? additionalLocations, ImmutableDictionary<string, string?>? properties, params object?[] args) =>
        Diagnostic.Create(rule, location, additionalLocations, properties ?? NoProperties, args);
}

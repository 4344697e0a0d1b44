using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace ConcurrencyGuard.Analyzers.Baseline;

/// <summary>
/// The analyzer half of the baseline (docs/baseline.md). A suppressor cannot report and an analyzer
/// cannot see other analyzers' findings, so stale entries are found in two steps: at compilation end
/// this analyzer reports CG0001 for every baseline entry, and <see cref="BaselineSuppressor"/>, which
/// sees every finding, suppresses the CG0001 of each entry that still matches. What remains is stale,
/// and is reported with the severity the presets, .editorconfig and the CI rule give CG0001.
/// In update builds it instead reports each file's member index (CG0000: info, because the compiler logs no hidden diagnostic, and not configurable),
/// which the package's MSBuild task joins with the findings in the SARIF log to write the file.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BaselineAnalyzer : DiagnosticAnalyzer
{
    public const string Category = "ConcurrencyGuard.Baseline";
    public const string IndexId = "CG0000";
    public const string MembersProperty = "members";
    public const string HelpLink = "https://github.com/concurrencyguard/concurrencyguard/blob/main/docs/baseline.md";

    public const string RuleProperty = "rule";
    public const string FileProperty = "file";
    public const string MemberProperty = "member";
    public const string CodeProperty = "code";

    public static readonly DiagnosticDescriptor StaleEntry = new(
        RuleIdentifiers.StaleBaselineEntry,
        title: "Baseline entry no longer matches: update the baseline",
        messageFormat: "{0}",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A finding recorded in concurrencyguard.baseline.json is gone (fixed, or its code deleted) or occurs fewer times than recorded. Rewrite the baseline with 'dotnet build -p:ConcurrencyGuardUpdateBaseline=true' so it can only shrink.",
        helpLinkUri: HelpLink,
        WellKnownDiagnosticTags.CompilationEnd,
        WellKnownDiagnosticTags.Telemetry);

    public static readonly DiagnosticDescriptor MemberIndexDescriptor = new(
        IndexId,
        title: "Baseline member index (update builds only)",
        messageFormat: "ConcurrencyGuard baseline member index",
        Category,
        DiagnosticSeverity.Info,
        isEnabledByDefault: true,
        description: "Internal: lists the type members of a file so the baseline writer can name the member around each finding.",
        helpLinkUri: HelpLink,
        WellKnownDiagnosticTags.NotConfigurable);

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(StaleEntry, MemberIndexDescriptor);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            switch (BaselineSettings.Mode(start.Options))
            {
                case BaselineMode.Check:
                    start.RegisterCompilationEndAction(ReportEntries);
                    break;
                case BaselineMode.Update:
                    start.RegisterSyntaxTreeAction(ReportIndex);
                    break;
            }
        });
    }

    private static void ReportEntries(CompilationAnalysisContext context)
    {
        var baseline = BaselineSettings.Load(context.Options, context.CancellationToken);
        if (baseline is null)
        {
            return;
        }

        if (baseline.Error is not null || baseline.Text is null)
        {
            context.ReportDiagnostic(Diagnostic.Create(StaleEntry, Location.Create(baseline.Path, default, default), $"Baseline file cannot be read ({baseline.Error}): update the baseline"));
            return;
        }

        var text = baseline.Text;

        foreach (var entry in baseline.Entries)
        {
            var line = text.Lines[System.Math.Min(System.Math.Max(entry.Line - 1, 0), text.Lines.Count - 1)];
            var location = Location.Create(baseline.Path, line.Span, new LinePositionSpan(new LinePosition(line.LineNumber, 0), new LinePosition(line.LineNumber, line.Span.Length)));
            var properties = ImmutableDictionary<string, string?>.Empty
                .Add(RuleProperty, entry.Key.Rule)
                .Add(FileProperty, entry.Key.File)
                .Add(MemberProperty, entry.Key.Member)
                .Add(CodeProperty, entry.Key.Code);
            var message = string.Format(
                CultureInfo.InvariantCulture,
                "Baseline entry no longer matches: update the baseline ({0} '{1}' in {2}, {3}: recorded {4} time(s), now found fewer)",
                entry.Key.Rule,
                entry.Key.Code,
                entry.Key.Member.Length == 0 ? "(no member)" : entry.Key.Member,
                entry.Key.File,
                entry.Count);
            context.ReportDiagnostic(Diagnostic.Create(StaleEntry, location, properties, message));
        }
    }

    private static void ReportIndex(SyntaxTreeAnalysisContext context)
    {
        var index = MemberIndex.Build(context.Tree.GetRoot(context.CancellationToken));
        var members = new StringBuilder();
        foreach (var declaration in index)
        {
            var span = context.Tree.GetLineSpan(declaration.Span, context.CancellationToken).Span;
            members.Append(span.Start.Line).Append(':').Append(span.Start.Character).Append(':')
                .Append(span.End.Line).Append(':').Append(span.End.Character).Append(':')
                .Append(declaration.Name).Append('\n');
        }

        var properties = ImmutableDictionary<string, string?>.Empty.Add(MembersProperty, members.ToString());
        context.ReportDiagnostic(Diagnostic.Create(MemberIndexDescriptor, Location.Create(context.Tree, default), properties));
    }
}

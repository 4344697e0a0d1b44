using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ConcurrencyGuard.Analyzers.Baseline;

/// <summary>
/// Suppresses (justification "baseline") the findings that concurrencyguard.baseline.json lists, up
/// to the recorded count per identity; one more of the same kind in a member is reported. It also
/// suppresses the CG0001 that <see cref="BaselineAnalyzer"/> reports for every entry whose finding is
/// still there, so only stale entries remain. Suppressed findings stay visible as suppressed (SARIF
/// suppressions, the IDE's suppressed state); the severity of everything else is untouched.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BaselineSuppressor : DiagnosticSuppressor
{
    public const string Justification = "baseline";

    private static readonly ImmutableDictionary<string, SuppressionDescriptor> Descriptors = CreateDescriptors();

    public override ImmutableArray<SuppressionDescriptor> SupportedSuppressions { get; } =
        Descriptors.Values.OrderBy(d => d.Id, StringComparer.Ordinal).ToImmutableArray();

    /// <summary>Every rule a baseline can hold: the hazards, not the baseline's own diagnostics (CG0xxx).</summary>
    public static bool IsRule(string id) => id.StartsWith("CG", StringComparison.Ordinal) && !id.StartsWith("CG0", StringComparison.Ordinal);

    public override void ReportSuppressions(SuppressionAnalysisContext context)
    {
        var mode = BaselineSettings.Mode(context.Options);
        if (mode == BaselineMode.Off)
        {
            return;
        }

        if (mode == BaselineMode.Update)
        {
            // The writer takes every finding from the log; none may fail the build that writes the file.
            foreach (var diagnostic in context.ReportedDiagnostics)
            {
                if (IsRule(diagnostic.Id))
                {
                    context.ReportSuppression(Suppression.Create(Descriptors[diagnostic.Id], diagnostic));
                }
            }

            return;
        }

        var baseline = BaselineSettings.Load(context.Options, context.CancellationToken);
        if (baseline is null || baseline.Error is not null || baseline.Counts.Count == 0)
        {
            return;
        }

        var projectDirectory = BaselineSettings.ProjectDirectory(context.Options);
        var indexes = new Dictionary<SyntaxTree, ImmutableArray<MemberDeclaration>>();
        ImmutableArray<MemberDeclaration> Index(SyntaxTree tree)
        {
            if (!indexes.TryGetValue(tree, out var index))
            {
                index = MemberIndex.Build(tree.GetRoot(context.CancellationToken));
                indexes[tree] = index;
            }

            return index;
        }

        var findings = new Dictionary<FindingKey, List<Diagnostic>>();
        var entryDiagnostics = new List<Diagnostic>();
        foreach (var diagnostic in context.ReportedDiagnostics)
        {
            if (diagnostic.Id == RuleIdentifiers.StaleBaselineEntry)
            {
                entryDiagnostics.Add(diagnostic);
                continue;
            }

            if (!IsRule(diagnostic.Id) || BaselineSettings.KeyOf(diagnostic, projectDirectory, Index, context.CancellationToken) is not { } key)
            {
                continue;
            }

            if (!findings.TryGetValue(key, out var list))
            {
                findings[key] = list = new List<Diagnostic>();
            }

            list.Add(diagnostic);
        }

        foreach (var pair in findings)
        {
            if (!baseline.Counts.TryGetValue(pair.Key, out var recorded))
            {
                continue;
            }

            // The earliest ones in the member are the recorded ones; any extra is reported.
            foreach (var diagnostic in pair.Value.OrderBy(d => d.Location.SourceSpan.Start).Take(recorded))
            {
                context.ReportSuppression(Suppression.Create(Descriptors[diagnostic.Id], diagnostic));
            }
        }

        foreach (var diagnostic in entryDiagnostics)
        {
            var p = diagnostic.Properties;
            if (p.TryGetValue(BaselineAnalyzer.RuleProperty, out var rule) && rule is not null
                && p.TryGetValue(BaselineAnalyzer.FileProperty, out var file) && file is not null
                && p.TryGetValue(BaselineAnalyzer.MemberProperty, out var member) && member is not null
                && p.TryGetValue(BaselineAnalyzer.CodeProperty, out var code) && code is not null)
            {
                var key = new FindingKey(rule, file, member, code);
                if (baseline.Counts.TryGetValue(key, out var recorded) && findings.TryGetValue(key, out var current) && current.Count >= recorded)
                {
                    context.ReportSuppression(Suppression.Create(Descriptors[diagnostic.Id], diagnostic));
                }
            }
        }
    }

    private static ImmutableDictionary<string, SuppressionDescriptor> CreateDescriptors()
    {
        var builder = ImmutableDictionary.CreateBuilder<string, SuppressionDescriptor>(StringComparer.Ordinal);
        foreach (var field in typeof(RuleIdentifiers).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            if (field.IsLiteral && field.GetRawConstantValue() is string id && IsRule(id))
            {
                builder[id] = new SuppressionDescriptor("CGB" + id.Substring(2), id, Justification);
            }
        }

        builder[RuleIdentifiers.StaleBaselineEntry] = new SuppressionDescriptor("CGB0001", RuleIdentifiers.StaleBaselineEntry, "baseline entry still matches a finding");
        return builder.ToImmutable();
    }
}

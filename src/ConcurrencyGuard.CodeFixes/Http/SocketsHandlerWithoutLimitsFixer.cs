using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyGuard.Analyzers;
using ConcurrencyGuard.Analyzers.Http;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ConcurrencyGuard.CodeFixes.Http;

/// <summary>
/// Fixes CG3003: adds the missing <c>ConnectTimeout = TimeSpan.FromSeconds(10)</c> and/or
/// <c>PooledConnectionLifetime = TimeSpan.FromMinutes(15)</c> (the value Microsoft's HttpClient guidelines use) to the initializer.
/// </summary>
[ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(SocketsHandlerWithoutLimitsFixer)), Shared]
public sealed class SocketsHandlerWithoutLimitsFixer : CodeFixProvider
{
    public const string EquivalenceKey = "AddHandlerLimits";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.SocketsHandlerWithoutLimits);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not BaseObjectCreationExpressionSyntax creation
                || creation.Span != diagnostic.Location.SourceSpan
                || !diagnostic.Properties.TryGetValue(SocketsHandlerWithoutLimitsAnalyzer.MissingProperty, out var missing)
                || string.IsNullOrEmpty(missing))
            {
                continue;
            }

            var members = new List<(string, ExpressionSyntax)>();
            foreach (var name in missing!.Split(','))
            {
                members.Add(name == "ConnectTimeout"
                    ? (name, HttpFixes.TimeSpanCall("FromSeconds", 10))
                    : (name, HttpFixes.TimeSpanCall("FromMinutes", 15)));
            }

            context.RegisterCodeFix(
                CodeAction.Create("Set " + missing.Replace(",", " and "), ct => ApplyAsync(context.Document, creation, members, ct), EquivalenceKey),
                diagnostic);
        }
    }

    private static async Task<Document> ApplyAsync(Document document, BaseObjectCreationExpressionSyntax creation, IReadOnlyList<(string, ExpressionSyntax)> members, CancellationToken ct)
    {
        var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        return root is null ? document : document.WithSyntaxRoot(root.ReplaceNode(creation, HttpFixes.AddInitializers(creation, members)));
    }
}

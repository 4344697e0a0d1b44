using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyGuard.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ConcurrencyGuard.CodeFixes.Http;

/// <summary>Fixes CG3001: adds <c>Timeout = TimeSpan.FromSeconds(N)</c> to the client's object initializer (N from <c>concurrency_guard.http_timeout_seconds</c>).</summary>
[ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(HttpClientWithoutTimeoutFixer)), Shared]
public sealed class HttpClientWithoutTimeoutFixer : CodeFixProvider
{
    public const string EquivalenceKey = "AddHttpTimeout";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.HttpClientWithoutTimeout);

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
                || creation.Span != diagnostic.Location.SourceSpan)
            {
                continue;
            }

            var seconds = HttpFixes.Seconds(diagnostic);
            context.RegisterCodeFix(
                CodeAction.Create($"Set Timeout to {seconds} seconds", ct => ApplyAsync(context.Document, creation, seconds, ct), EquivalenceKey),
                diagnostic);
        }
    }

    private static async Task<Document> ApplyAsync(Document document, BaseObjectCreationExpressionSyntax creation, int seconds, CancellationToken ct)
    {
        var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var changed = HttpFixes.AddInitializers(creation, new[] { ("Timeout", HttpFixes.FromSeconds(seconds)) });
        return document.WithSyntaxRoot(root.ReplaceNode(creation, changed));
    }
}

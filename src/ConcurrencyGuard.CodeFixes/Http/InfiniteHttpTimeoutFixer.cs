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

/// <summary>Fixes CG3002: replaces the infinite or excessive value with <c>TimeSpan.FromSeconds(N)</c> (N from <c>concurrency_guard.http_timeout_seconds</c>).</summary>
[ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(InfiniteHttpTimeoutFixer)), Shared]
public sealed class InfiniteHttpTimeoutFixer : CodeFixProvider
{
    public const string EquivalenceKey = "ReplaceHttpTimeout";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.InfiniteHttpTimeout);

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
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax value
                || value.Span != diagnostic.Location.SourceSpan)
            {
                continue;
            }

            var seconds = HttpFixes.Seconds(diagnostic);
            context.RegisterCodeFix(
                CodeAction.Create($"Use a {seconds}-second timeout", ct => ApplyAsync(context.Document, value, seconds, ct), EquivalenceKey),
                diagnostic);
        }
    }

    private static async Task<Document> ApplyAsync(Document document, ExpressionSyntax value, int seconds, CancellationToken ct)
    {
        var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        return root is null ? document : document.WithSyntaxRoot(root.ReplaceNode(value, HttpFixes.FromSeconds(seconds).WithTriviaFrom(value)));
    }
}

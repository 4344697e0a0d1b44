using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyGuard.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ConcurrencyGuard.CodeFixes.Http;

/// <summary>
/// Fixes CG3006: chains <c>.ConfigureHttpClient(client =&gt; client.Timeout = TimeSpan.FromSeconds(N))</c> onto
/// the registration (N from <c>concurrency_guard.http_timeout_seconds</c>), which works for every
/// <c>AddHttpClient</c> overload and keeps the rest of the chain as it is.
/// </summary>
[ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(HttpClientRegisteredWithoutTimeoutFixer)), Shared]
public sealed class HttpClientRegisteredWithoutTimeoutFixer : CodeFixProvider
{
    public const string EquivalenceKey = "ConfigureHttpClientTimeout";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.HttpClientRegisteredWithoutTimeout);

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
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>() is not { } registration
                || registration.Span != diagnostic.Location.SourceSpan)
            {
                continue;
            }

            var seconds = HttpFixes.Seconds(diagnostic);
            context.RegisterCodeFix(
                CodeAction.Create($"Configure a {seconds}-second Timeout", ct => ApplyAsync(context.Document, registration, seconds, ct), EquivalenceKey),
                diagnostic);
        }
    }

    private static async Task<Document> ApplyAsync(Document document, InvocationExpressionSyntax registration, int seconds, CancellationToken ct)
    {
        var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var parameter = SyntaxFactory.Identifier("client");
        var lambda = SyntaxFactory.SimpleLambdaExpression(SyntaxFactory.Parameter(parameter))
            .WithArrowToken(SyntaxFactory.Token(SyntaxKind.EqualsGreaterThanToken).WithLeadingTrivia(SyntaxFactory.Space).WithTrailingTrivia(SyntaxFactory.Space))
            .WithExpressionBody(SyntaxFactory.AssignmentExpression(
                SyntaxKind.SimpleAssignmentExpression,
                SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, SyntaxFactory.IdentifierName(parameter), SyntaxFactory.IdentifierName("Timeout")).WithTrailingTrivia(SyntaxFactory.Space),
                SyntaxFactory.Token(SyntaxKind.EqualsToken).WithTrailingTrivia(SyntaxFactory.Space),
                HttpFixes.FromSeconds(seconds)));
        var configured = SyntaxFactory.InvocationExpression(
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, registration.WithoutTrailingTrivia(), SyntaxFactory.IdentifierName("ConfigureHttpClient")),
            SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(lambda))))
            .WithTrailingTrivia(registration.GetTrailingTrivia());
        return document.WithSyntaxRoot(root.ReplaceNode(registration, configured));
    }
}

namespace ConcurrencyGuard.CodeFixes.Http;

/// <summary>
/// Fixes CG3006: chains <c>.ConfigureHttpClient(client =&gt; client.Timeout = TimeSpan.FromSeconds(N))</c> onto
/// the registration (N from <c>concurrency_guard.http_timeout_seconds</c>), which works for every
/// <c>AddHttpClient</c> overload and keeps the rest of the chain as it is.
/// </summary>
[ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(HttpClientRegisteredWithoutTimeoutFixer)), Shared]
public sealed class HttpClientRegisteredWithoutTimeoutFixer : ConcurrencyGuardFixer
{
    public const string EquivalenceKey = "ConfigureHttpClientTimeout";

    public HttpClientRegisteredWithoutTimeoutFixer()
        : base(RuleIdentifiers.HttpClientRegisteredWithoutTimeout)
    {
    }

    protected override bool UsesSemanticModel => false;

    protected override CodeAction? GetFix(FixScope scope, Diagnostic diagnostic)
    {
        if (scope.FindNode(diagnostic).FirstAncestorOrSelf<InvocationExpressionSyntax>() is not { } registration
            || registration.Span != diagnostic.Location.SourceSpan)
        {
            return null;
        }

        var seconds = HttpFixes.Seconds(diagnostic);
        return scope.Replace($"Configure a {seconds}-second Timeout", registration, () => ConfigureTimeout(registration, seconds), EquivalenceKey);
    }

    private static InvocationExpressionSyntax ConfigureTimeout(InvocationExpressionSyntax registration, int seconds)
    {
        var parameter = SyntaxFactory.Identifier("client");
        var lambda = SyntaxFactory.SimpleLambdaExpression(SyntaxFactory.Parameter(parameter))
            .WithArrowToken(SyntaxFactory.Token(SyntaxKind.EqualsGreaterThanToken).WithLeadingTrivia(SyntaxFactory.Space).WithTrailingTrivia(SyntaxFactory.Space))
            .WithExpressionBody(SyntaxFactory.AssignmentExpression(
                SyntaxKind.SimpleAssignmentExpression,
                SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, SyntaxFactory.IdentifierName(parameter), SyntaxFactory.IdentifierName("Timeout")).WithTrailingTrivia(SyntaxFactory.Space),
                SyntaxFactory.Token(SyntaxKind.EqualsToken).WithTrailingTrivia(SyntaxFactory.Space),
                HttpFixes.FromSeconds(seconds)));
        return SyntaxFactory.InvocationExpression(
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, registration.WithoutTrailingTrivia(), SyntaxFactory.IdentifierName("ConfigureHttpClient")),
            SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(lambda))))
            .WithTrailingTrivia(registration.GetTrailingTrivia());
    }
}

namespace ConcurrencyGuard.CodeFixes.Http;

/// <summary>Fixes CG3001: adds <c>Timeout = TimeSpan.FromSeconds(N)</c> to the client's object initializer (N from <c>concurrency_guard.http_timeout_seconds</c>).</summary>
[ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(HttpClientWithoutTimeoutFixer)), Shared]
public sealed class HttpClientWithoutTimeoutFixer : ConcurrencyGuardFixer
{
    public const string EquivalenceKey = "AddHttpTimeout";

    public HttpClientWithoutTimeoutFixer()
        : base(RuleIdentifiers.HttpClientWithoutTimeout)
    {
    }

    protected override bool UsesSemanticModel => false;

    protected override CodeAction? GetFix(FixScope scope, Diagnostic diagnostic)
    {
        if (scope.FindExact<BaseObjectCreationExpressionSyntax>(diagnostic) is not { } creation)
        {
            return null;
        }

        var seconds = HttpFixes.Seconds(diagnostic);
        return scope.Replace($"Set Timeout to {seconds} seconds", creation, () => HttpFixes.AddInitializers(creation, new[] { ("Timeout", HttpFixes.FromSeconds(seconds)) }), EquivalenceKey);
    }
}

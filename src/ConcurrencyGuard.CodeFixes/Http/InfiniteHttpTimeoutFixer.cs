namespace ConcurrencyGuard.CodeFixes.Http;

/// <summary>Fixes CG3002: replaces the infinite or excessive value with <c>TimeSpan.FromSeconds(N)</c> (N from <c>concurrency_guard.http_timeout_seconds</c>).</summary>
[ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(InfiniteHttpTimeoutFixer)), Shared]
public sealed class InfiniteHttpTimeoutFixer : ConcurrencyGuardFixer
{
    public const string EquivalenceKey = "ReplaceHttpTimeout";

    public InfiniteHttpTimeoutFixer()
        : base(RuleIdentifiers.InfiniteHttpTimeout)
    {
    }

    protected override bool UsesSemanticModel => false;

    protected override CodeAction? GetFix(FixScope scope, Diagnostic diagnostic)
    {
        if (scope.FindExact<ExpressionSyntax>(diagnostic) is not { } value)
        {
            return null;
        }

        var seconds = HttpFixes.Seconds(diagnostic);
        return scope.Replace($"Use a {seconds}-second timeout", value, () => HttpFixes.FromSeconds(seconds).WithTriviaFrom(value), EquivalenceKey);
    }
}

namespace ConcurrencyGuard.CodeFixes.Cancellation;

/// <summary>Fixes CG2002: replaces <c>CancellationToken.None</c>/<c>default</c> with the token in scope (not offered when ambiguous).</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(NoneTokenPassedFixer)), Shared]
public sealed class NoneTokenPassedFixer : ConcurrencyGuardFixer
{
    public NoneTokenPassedFixer()
        : base(RuleIdentifiers.NoneTokenPassed)
    {
    }

    protected override bool UsesSemanticModel => false;

    protected override CodeAction? GetFix(FixScope scope, Diagnostic diagnostic)
    {
        if (!TokenInScope.TryGetTokenExpression(diagnostic, out var token)
            || scope.FindNode(diagnostic) is not ExpressionSyntax value
            || value.Span != diagnostic.Location.SourceSpan)
        {
            return null;
        }

        return CodeAction.Create(
            $"Pass {token}",
            ct => Task.FromResult(scope.Document.WithSyntaxRoot(scope.Root.ReplaceNode(value, token.WithTriviaFrom(value)))),
            equivalenceKey: "PassToken");
    }
}

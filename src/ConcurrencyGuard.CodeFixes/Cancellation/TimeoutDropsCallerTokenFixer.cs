using ConcurrencyGuard.Analyzers.Cancellation;

namespace ConcurrencyGuard.CodeFixes.Cancellation;

/// <summary>
/// Fixes CG2006: <c>var cts = new CancellationTokenSource(timeout);</c> becomes
/// <c>var cts = CancellationTokenSource.CreateLinkedTokenSource(token);</c> followed by
/// <c>cts.CancelAfter(timeout);</c>. Not offered when the token is ambiguous or the declaration cannot be rewritten.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(TimeoutDropsCallerTokenFixer)), Shared]
public sealed class TimeoutDropsCallerTokenFixer : ConcurrencyGuardFixer
{
    public TimeoutDropsCallerTokenFixer()
        : base(RuleIdentifiers.TimeoutDropsCallerToken)
    {
    }

    protected override bool UsesSemanticModel => false;

    protected override CodeAction? GetFix(FixScope scope, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.ContainsKey(TimeoutDropsCallerTokenAnalyzer.CanRewriteProperty)
            || !TokenInScope.TryGetTokenExpression(diagnostic, out var token)
            || scope.FindNode(diagnostic) is not BaseObjectCreationExpressionSyntax creation
            || creation.FirstAncestorOrSelf<VariableDeclaratorSyntax>() is not { } declarator
            || declarator.FirstAncestorOrSelf<LocalDeclarationStatementSyntax>() is not { } statement)
        {
            return null;
        }

        return CodeAction.Create(
            $"Link to {token} and CancelAfter the timeout",
            _ => Task.FromResult(scope.Document.WithSyntaxRoot(scope.Root.ReplaceNode(statement, Rewrite(scope.Root, statement, declarator, creation, token)))),
            "LinkAndCancelAfter");
    }

    private static IEnumerable<StatementSyntax> Rewrite(SyntaxNode root, LocalDeclarationStatementSyntax statement, VariableDeclaratorSyntax declarator, BaseObjectCreationExpressionSyntax creation, ExpressionSyntax token)
    {
        // Reuse the type as the code spells it (it may be qualified); `var x = new(...)` cannot occur.
        var typeName = creation is ObjectCreationExpressionSyntax explicitCreation
            ? explicitCreation.Type.WithoutTrivia().ToString()
            : statement.Declaration.Type.WithoutTrivia().ToString();
        var linked = SyntaxFactory.ParseExpression($"{typeName}.CreateLinkedTokenSource({token})").WithTriviaFrom(creation);
        var newStatement = statement.ReplaceNode(creation, linked);
        yield return newStatement;

        var timeout = creation.ArgumentList?.Arguments.FirstOrDefault();
        if (timeout is null)
        {
            yield break;
        }

        var leading = statement.GetLeadingTrivia();
        var indentation = leading.Count > 0 && leading[leading.Count - 1].IsKind(SyntaxKind.WhitespaceTrivia)
            ? SyntaxFactory.TriviaList(leading[leading.Count - 1])
            : SyntaxFactory.TriviaList();
        var eol = root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        var newLine = eol.IsKind(SyntaxKind.EndOfLineTrivia) ? eol : SyntaxFactory.CarriageReturnLineFeed;
        var cancelAfter = SyntaxFactory.ParseStatement($"{declarator.Identifier.Text}.CancelAfter({timeout.Expression.WithoutTrivia()});")
            .WithLeadingTrivia(indentation)
            .WithTrailingTrivia(newLine);
        yield return cancelAfter;
    }
}

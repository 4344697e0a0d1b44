namespace ConcurrencyGuard.CodeFixes.Cancellation;

/// <summary>
/// Fixes CG2003: <c>token.ThrowIfCancellationRequested();</c> at the top of the body, or (for <c>while</c>
/// and <c>for(;;)</c>) a condition that ends the loop on cancellation. Not offered when the token was ambiguous.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LoopIgnoresTokenFixer)), Shared]
public sealed class LoopIgnoresTokenFixer : ConcurrencyGuardFixer
{
    public const string ThrowKey = "ThrowIfCancellationRequested";
    public const string ConditionKey = "LoopWhileNotCancelled";

    public LoopIgnoresTokenFixer()
        : base(RuleIdentifiers.LoopIgnoresToken)
    {
    }

    protected override bool UsesSemanticModel => false;

    protected override IEnumerable<CodeAction> GetFixes(FixScope scope, Diagnostic diagnostic)
    {
        if (!TokenInScope.TryGetTokenExpression(diagnostic, out var token))
        {
            yield break;
        }

        var loop = scope.Root.FindToken(diagnostic.Location.SourceSpan.Start).Parent;
        if (loop is not (WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax))
        {
            yield break;
        }

        yield return CodeAction.Create($"Call {token}.ThrowIfCancellationRequested() on every pass", ct => ThrowAsync(scope.Document, (StatementSyntax)loop, token, ct), ThrowKey);

        if (loop is WhileStatementSyntax or ForStatementSyntax)
        {
            yield return CodeAction.Create($"Loop while !{token}.IsCancellationRequested", ct => ConditionAsync(scope.Document, (StatementSyntax)loop, token, ct), ConditionKey);
        }
    }

    private static async Task<Document> ThrowAsync(Document document, StatementSyntax loop, ExpressionSyntax token, CancellationToken ct)
    {
        var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        var check = SyntaxFactory.ParseStatement($"{token}.ThrowIfCancellationRequested();");
        var body = loop switch
        {
            WhileStatementSyntax w => w.Statement,
            DoStatementSyntax d => d.Statement,
            ForStatementSyntax f => f.Statement,
            _ => null,
        };
        if (root is null || body is null)
        {
            return document;
        }

        var eol = root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        var newLine = eol.IsKind(SyntaxKind.EndOfLineTrivia) ? eol : SyntaxFactory.ElasticCarriageReturnLineFeed;
        var loopIndent = Indentation(loop);
        BlockSyntax newBody;
        if (body is BlockSyntax block)
        {
            var first = block.Statements.FirstOrDefault();
            var sameLine = first is null || !block.OpenBraceToken.TrailingTrivia.Any(SyntaxKind.EndOfLineTrivia);
            var placed = sameLine
                ? check.WithLeadingTrivia().WithTrailingTrivia(SyntaxFactory.Space)
                : check.WithLeadingTrivia(first!.GetLeadingTrivia()).WithTrailingTrivia(newLine);
            if (first is null)
            {
                placed = placed.WithLeadingTrivia(SyntaxFactory.Space).WithTrailingTrivia(SyntaxFactory.Space);
            }

            newBody = block.WithStatements(block.Statements.Insert(0, placed));
        }
        else
        {
            var bodyIndent = Indentation(body);
            newBody = SyntaxFactory.Block(
                    SyntaxFactory.Token(SyntaxKind.OpenBraceToken).WithLeadingTrivia(loopIndent).WithTrailingTrivia(newLine),
                    SyntaxFactory.List(new[] { check.WithLeadingTrivia(bodyIndent).WithTrailingTrivia(newLine), body.WithTrailingTrivia(newLine) }),
                    SyntaxFactory.Token(SyntaxKind.CloseBraceToken).WithLeadingTrivia(loopIndent).WithTrailingTrivia(body.GetTrailingTrivia()));
        }

        return document.WithSyntaxRoot(root.ReplaceNode(body, newBody));
    }

    private static SyntaxTriviaList Indentation(SyntaxNode node)
    {
        var leading = node.GetLeadingTrivia();
        return leading.Count > 0 && leading[leading.Count - 1].IsKind(SyntaxKind.WhitespaceTrivia)
            ? SyntaxFactory.TriviaList(leading[leading.Count - 1])
            : SyntaxFactory.TriviaList();
    }

    private static async Task<Document> ConditionAsync(Document document, StatementSyntax loop, ExpressionSyntax token, CancellationToken ct)
    {
        var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var notCancelled = SyntaxFactory.ParseExpression($"!{token}.IsCancellationRequested");
        SyntaxNode replacement;
        switch (loop)
        {
            case WhileStatementSyntax w:
                replacement = w.WithCondition(Combine(w.Condition, notCancelled).WithTriviaFrom(w.Condition));
                break;
            case ForStatementSyntax f:
                var condition = f.Condition is null ? notCancelled : Combine(f.Condition, notCancelled).WithTriviaFrom(f.Condition);
                replacement = f.Condition is null
                    ? f.WithCondition(notCancelled).WithFirstSemicolonToken(f.FirstSemicolonToken.WithTrailingTrivia(SyntaxFactory.Space))
                    : f.WithCondition(condition);
                break;
            default:
                return document;
        }

        return document.WithSyntaxRoot(root.ReplaceNode(loop, replacement));
    }

    /// <summary><c>true</c> becomes the check; a flag condition gets <c>&amp;&amp; !token.IsCancellationRequested</c>.</summary>
    private static ExpressionSyntax Combine(ExpressionSyntax condition, ExpressionSyntax notCancelled)
    {
        if (condition.IsKind(SyntaxKind.TrueLiteralExpression))
        {
            return notCancelled;
        }

        var left = condition.IsKind(SyntaxKind.LogicalOrExpression) ? SyntaxFactory.ParenthesizedExpression(condition.WithoutTrivia()) : condition.WithoutTrivia();
        return SyntaxFactory.ParseExpression($"{left} && {notCancelled}");
    }
}

namespace ConcurrencyGuard.CodeFixes.Channels;

/// <summary>
/// Fixes CG4004 in async code: <c>writer.TryWrite(item);</c> becomes <c>await writer.WriteAsync(item, token);</c>,
/// which waits for room instead of dropping the item. The token is the one <see cref="TokenInScope"/> resolves
/// (none is passed when there is none or it would be a guess). Not offered in
/// synchronous code (blocking there would trade a lost item for a blocked thread) nor for <c>writer?.TryWrite</c>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(IgnoredTryWriteFixer)), Shared]
public sealed class IgnoredTryWriteFixer : ConcurrencyGuardFixer
{
    public IgnoredTryWriteFixer()
        : base(RuleIdentifiers.IgnoredTryWrite)
    {
    }

    protected override CodeAction? GetFix(FixScope scope, Diagnostic diagnostic)
    {
        var model = scope.Model!;
        if (scope.FindNode(diagnostic).FirstAncestorOrSelf<InvocationExpressionSyntax>() is not
            {
                Expression: MemberAccessExpressionSyntax { Name: IdentifierNameSyntax { Identifier.ValueText: "TryWrite" } } access,
            } invocation
            || invocation.Parent is not (ExpressionStatementSyntax or AnonymousFunctionExpressionSyntax)
            || invocation.ArgumentList.Arguments.Count != 1
            || !FixHelpers.CanAwaitAt(invocation, model, scope.CancellationToken))
        {
            return null;
        }

        // The shared resolver: nearest parameter, stoppingToken, RequestAborted, a local source; never a guess.
        var token = TokenInScope.Find(model, invocation, scope.CancellationToken).Token?.ExpressionText;
        return CodeAction.Create(
            "Await WriteAsync (wait for room instead of dropping the item)",
            _ => Task.FromResult(scope.Document.WithSyntaxRoot(scope.Root.ReplaceNode(invocation, Rewrite(invocation, access, token)))),
            equivalenceKey: "AwaitWriteAsync");
    }

    private static ExpressionSyntax Rewrite(InvocationExpressionSyntax invocation, MemberAccessExpressionSyntax access, string? token)
    {
        var arguments = invocation.ArgumentList.Arguments;
        if (token is not null)
        {
            arguments = arguments.Add(SyntaxFactory.Argument(SyntaxFactory.ParseExpression(token)));
            arguments = arguments.ReplaceSeparator(arguments.GetSeparator(0), SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space));
        }

        var call = invocation
            .WithExpression(access.WithName(SyntaxFactory.IdentifierName("WriteAsync").WithTriviaFrom(access.Name)))
            .WithArgumentList(invocation.ArgumentList.WithArguments(arguments))
            .WithoutLeadingTrivia();
        return SyntaxFactory.AwaitExpression(SyntaxFactory.Token(SyntaxKind.AwaitKeyword).WithTrailingTrivia(SyntaxFactory.Space), call)
            .WithLeadingTrivia(invocation.GetLeadingTrivia());
    }
}

using Microsoft.CodeAnalysis.Simplification;

namespace ConcurrencyGuard.CodeFixes.Blocking;

/// <summary>Builds <c>await x</c> to put where an expression was, parenthesized when the place needs it.</summary>
internal static class AwaitSyntax
{
    /// <summary><c>await <paramref name="awaited"/></c> with the trivia of <paramref name="replaced"/>, in parentheses the simplifier removes when they are not needed.</summary>
    public static ExpressionSyntax Create(ExpressionSyntax awaited, SyntaxNode replaced)
    {
        var await = SyntaxFactory.AwaitExpression(awaited.WithoutTrivia());
        ExpressionSyntax result = replaced.Parent is ExpressionStatementSyntax or EqualsValueClauseSyntax or ArgumentSyntax or ReturnStatementSyntax or ArrowExpressionClauseSyntax
            ? await
            : SyntaxFactory.ParenthesizedExpression(await).WithAdditionalAnnotations(Simplifier.Annotation);
        return result.WithTriviaFrom(replaced);
    }

    /// <summary><c>global::Namespace.Type.Member</c>, simplified to what the usings allow.</summary>
    public static ExpressionSyntax QualifiedMember(string type, string member) =>
        SyntaxFactory.MemberAccessExpression(
            SyntaxKind.SimpleMemberAccessExpression,
            (ExpressionSyntax)FixHelpers.QualifiedType(type),
            SyntaxFactory.IdentifierName(member)).WithAdditionalAnnotations(Simplifier.Annotation);
}

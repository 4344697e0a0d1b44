using Microsoft.CodeAnalysis.CSharp;

namespace ConcurrencyGuard.Analyzers;

/// <summary>"Has the author explained this choice in a comment?" (about cancellation or a token).</summary>
public static class ExplainingComments
{
    /// <summary>
    /// True when the statement holding <paramref name="operation"/> carries a comment (above it or at the
    /// end of its line) that mentions cancellation or a token: the author has explained the choice
    /// (e.g. "no point in passing a cancellationToken here"), so rules asking for the token stay silent.
    /// </summary>
    public static bool HasExplainingComment(IOperation operation)
    {
        var statement = operation.Syntax.FirstAncestorOrSelf<StatementSyntax>();
        if (statement is null)
        {
            return false;
        }

        foreach (var trivia in statement.GetLeadingTrivia())
        {
            if (MentionsCancellation(trivia))
            {
                return true;
            }
        }

        foreach (var trivia in statement.GetLastToken().TrailingTrivia)
        {
            if (MentionsCancellation(trivia))
            {
                return true;
            }
        }

        return false;
    }

    private static bool MentionsCancellation(SyntaxTrivia trivia)
    {
        if (!trivia.IsKind(SyntaxKind.SingleLineCommentTrivia) && !trivia.IsKind(SyntaxKind.MultiLineCommentTrivia))
        {
            return false;
        }

        var text = trivia.ToString();
        return text.IndexOf("cancel", System.StringComparison.OrdinalIgnoreCase) >= 0
            || text.IndexOf("token", System.StringComparison.OrdinalIgnoreCase) >= 0;
    }
}

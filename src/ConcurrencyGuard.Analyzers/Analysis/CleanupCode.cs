namespace ConcurrencyGuard.Analyzers;

/// <summary>"Does this code run as cleanup?": inside a <c>catch</c> or <c>finally</c> of its own function.</summary>
public static class CleanupCode
{
    /// <summary>
    /// True when <paramref name="operation"/> runs while cancellation may already have happened and must
    /// still complete: inside a <c>catch</c> or <c>finally</c> block of the enclosing function. Rules that
    /// ask to pass a token stay silent there (passing it would abort the cleanup).
    /// </summary>
    public static bool IsInCleanupCode(IOperation operation) => IsIn(operation, includeCatch: true);

    /// <summary>True when <paramref name="operation"/> is inside a <c>finally</c> block of the enclosing function.</summary>
    public static bool IsInFinally(IOperation operation) => IsIn(operation, includeCatch: false);

    private static bool IsIn(IOperation operation, bool includeCatch)
    {
        for (var node = operation.Syntax.Parent; node is not null; node = node.Parent)
        {
            switch (node)
            {
                case FinallyClauseSyntax:
                    return true;
                case CatchClauseSyntax when includeCatch:
                    return true;
                case AnonymousFunctionExpressionSyntax:
                case LocalFunctionStatementSyntax:
                case MemberDeclarationSyntax:
                    return false;
            }
        }

        return false;
    }
}

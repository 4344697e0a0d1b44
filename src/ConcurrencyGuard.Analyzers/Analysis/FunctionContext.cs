using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// "Which function am I in, and is it async?" The nearest enclosing lambda, anonymous method or local
/// function wins over the containing method, as it does for <c>await</c>.
/// </summary>
public static class FunctionContext
{
    /// <summary>
    /// The nearest enclosing function of <paramref name="operation"/> (lambda, local function or the
    /// containing member), or null when none can be determined (e.g. a field initializer).
    /// </summary>
    public static IMethodSymbol? GetEnclosingFunction(IOperation operation, ISymbol? containingSymbol)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case IAnonymousFunctionOperation lambda:
                    return lambda.Symbol;
                case ILocalFunctionOperation localFunction:
                    return localFunction.Symbol;
            }
        }

        return containingSymbol as IMethodSymbol;
    }

    /// <summary>
    /// True when an <c>await</c> at this point would compile: the enclosing function is async (top-level
    /// statements count when they already await) and the point is not inside a lock, unsafe code or a
    /// catch-less query clause that forbids await.
    /// </summary>
    public static bool IsInAsyncContext(IOperation operation, ISymbol? containingSymbol)
    {
        if (!IsEnclosingFunctionAsync(operation, containingSymbol))
        {
            return false;
        }

        for (var node = operation.Syntax.Parent; node is not null; node = node.Parent)
        {
            switch (node)
            {
                case LockStatementSyntax:
                case QueryExpressionSyntax:
                    return false;
                case AnonymousFunctionExpressionSyntax:
                case LocalFunctionStatementSyntax:
                case MemberDeclarationSyntax:
                    return true;
            }
        }

        return true;
    }

    /// <summary>True when the nearest enclosing function is async (the compiler's own test for CS4014).</summary>
    public static bool IsEnclosingFunctionAsync(IOperation operation, ISymbol? containingSymbol)
    {
        var function = GetEnclosingFunction(operation, containingSymbol);
        return function is not null && (function.IsAsync || IsAsyncTopLevelMain(function));
    }

    /// <summary>Top-level statements become an async Main when they contain an await.</summary>
    private static bool IsAsyncTopLevelMain(IMethodSymbol function)
    {
        if (function.Name != WellKnownMemberNames.TopLevelStatementsEntryPointMethodName)
        {
            return false;
        }

        var returnType = function.ReturnType;
        return returnType.Name == "Task" && returnType.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks";
    }
}

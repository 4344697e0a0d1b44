using Microsoft.CodeAnalysis.CSharp;

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
    public static IMethodSymbol? GetEnclosingFunction(IOperation operation, ISymbol? containingSymbol) =>
        GetEnclosingFunctionOperation(operation) is { } function ? FunctionSymbol(function) : containingSymbol as IMethodSymbol;

    /// <summary>The symbol of a lambda, anonymous method or local function operation; null for any other operation.</summary>
    public static IMethodSymbol? FunctionSymbol(IOperation? operation) => operation switch
    {
        IAnonymousFunctionOperation lambda => lambda.Symbol,
        ILocalFunctionOperation localFunction => localFunction.Symbol,
        _ => null,
    };

    /// <summary>
    /// The nearest lambda, anonymous method or local function around <paramref name="operation"/> (only lambdas
    /// and anonymous methods with <paramref name="lambdasOnly"/>), looking no higher than <paramref name="stop"/>;
    /// null in the member's own body.
    /// </summary>
    public static IOperation? GetEnclosingFunctionOperation(IOperation operation, IOperation? stop = null, bool lambdasOnly = false)
    {
        for (var current = operation.Parent; current is not null && !ReferenceEquals(current, stop); current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation || (!lambdasOnly && current is ILocalFunctionOperation))
            {
                return current;
            }
        }

        return null;
    }

    /// <summary>
    /// The function that contains <paramref name="operation"/>: the innermost lambda or local function, or the
    /// member body (<paramref name="outermost"/> skips lambdas and local functions). Without a member body (a field
    /// initializer), the outermost block, lambda or local function seen, else null.
    /// </summary>
    public static IOperation? GetFunctionBody(IOperation operation, bool outermost = false)
    {
        IOperation? found = null;
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case IAnonymousFunctionOperation or ILocalFunctionOperation when !outermost:
                    return current;
                case IMethodBodyOperation or IConstructorBodyOperation:
                    return current;
                case IBlockOperation or IAnonymousFunctionOperation or ILocalFunctionOperation:
                    found = current;
                    break;
            }
        }

        return found;
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

    /// <summary>
    /// True when the nearest enclosing function is an async context: it is <c>async</c>, or it returns
    /// <c>Task</c>, <c>Task&lt;T&gt;</c>, <c>ValueTask</c> or <c>ValueTask&lt;T&gt;</c> without the keyword
    /// (<c>Task EnterAsync() { return Task.Delay(ms); }</c>, <c>ValueTask DisposeAsync() { ...; return default; }</c>).
    /// Its callers await it, expecting it to give the thread back while it waits: blocking in it, or starting
    /// work that ignores the caller's token, is the same hazard as in an <c>async</c> body. Not where
    /// <c>await</c> can be written: <see cref="IsInAsyncContext"/> answers that for fixes.
    /// </summary>
    public static bool IsEnclosingFunctionAsyncContext(IOperation operation, ISymbol? containingSymbol, WellKnownTypes types) =>
        IsAsyncContext(GetEnclosingFunction(operation, containingSymbol), types);

    /// <summary>True when <paramref name="function"/> is async or returns a task-like (see <see cref="IsEnclosingFunctionAsyncContext"/>).</summary>
    public static bool IsAsyncContext(IMethodSymbol? function, WellKnownTypes types) =>
        function is not null && (function.IsAsync || IsAsyncTopLevelMain(function) || types.IsTaskLike(function.ReturnType));

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

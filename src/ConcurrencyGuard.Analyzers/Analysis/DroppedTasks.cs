using System.Linq;
using System.Diagnostics.CodeAnalysis;

namespace ConcurrencyGuard.Analyzers;

/// <summary>Shared by CG1001 (dropped call) and CG1002 (discarded with <c>_ =</c>).</summary>
public static class DroppedTasks
{
    /// <summary>
    /// The call whose value is dropped: a plain invocation, or the last invocation of a
    /// conditional-access chain (<c>client?.SendAsync(...)</c>). Awaits, assignments and other
    /// expressions are not "calls whose task is dropped".
    /// </summary>
    public static bool TryGetDroppedCall(IOperation expression, [NotNullWhen(true)] out IInvocationOperation? invocation)
    {
        invocation = null;
        var current = expression;
        while (current is IConditionalAccessOperation conditional)
        {
            current = conditional.WhenNotNull;
        }

        if (current is IInvocationOperation call)
        {
            invocation = call;
            return true;
        }

        return false;
    }

    /// <summary>Calls whose dropped task is not a leak: observers, completed-task factories, atomic swaps.</summary>
    public static bool IsExempt(IMethodSymbol method, WellKnownTypes types, ImmutableArray<string> configuredObservers)
    {
        if (TaskObservers.IsObserver(method, configuredObservers) || TaskObservers.IsCompletedTaskFactory(method, types))
        {
            return true;
        }

        // Interlocked.Exchange(ref _task, next) / Volatile.Read hand back an existing task reference.
        var containing = method.ContainingType?.OriginalDefinition;
        return SymbolEqualityComparer.Default.Equals(containing, types.Get(WellKnownTypeNames.Interlocked))
            || SymbolEqualityComparer.Default.Equals(containing, types.Get(WellKnownTypeNames.Volatile));
    }

    /// <summary>
    /// True when the task of <paramref name="call"/> handles its own failure, so dropping it loses no
    /// exception: an observing <c>ContinueWith</c> (<see cref="TaskObservers.IsObservingContinuation"/>), a
    /// <c>Task.Run</c>/<c>StartNew</c> whose lambda (or source method) body is wrapped in a catch-all
    /// try/catch, or a call of an <c>async</c> method or local function of this compilation whose body is.
    /// A trailing <c>ConfigureAwait(...)</c> is looked through.
    /// </summary>
    public static bool ObservesOwnFailures(IInvocationOperation call, WellKnownTypes types)
    {
        if (call.TargetMethod.Name == "ConfigureAwait" && call.Instance is IInvocationOperation configured)
        {
            call = configured;
        }

        if (TaskObservers.IsObservingContinuation(call, types))
        {
            return true;
        }

        var method = call.TargetMethod;
        if (types.IsTaskRun(method) || types.IsTaskFactoryStartNew(method))
        {
            foreach (var argument in call.Arguments)
            {
                if (argument.Parameter?.Type.TypeKind != TypeKind.Delegate)
                {
                    continue;
                }

                var value = argument.Value;
                value = OperationWalk.Strip(value);

                if (DeferredCode.GetFunction(value) is IAnonymousFunctionOperation lambda)
                {
                    if (lambda.Syntax is AnonymousFunctionExpressionSyntax { Block: { } block } && lambda.SemanticModel is { } model)
                    {
                        return CatchAll.IsBodyWrapped(block, model, types);
                    }

                    // () => WorkAsync(...) / async () => await WorkAsync(...): the work itself may catch everything.
                    return SingleCall(lambda.Body) is { } inner && IsWrappedSourceMethod(inner.TargetMethod, call, types, requireAsync: true);
                }

                return value is IDelegateCreationOperation { Target: IMethodReferenceOperation reference }
                    && IsWrappedSourceMethod(reference.Method, call, types, requireAsync: false);
            }

            return false;
        }

        if (method.IsAsync && IsWrappedSourceMethod(method, call, types, requireAsync: true))
        {
            return true;
        }

        // The callee was told to fire and forget (StackExchange.Redis' CommandFlags.FireAndForget): its task never faults.
        foreach (var argument in call.Arguments)
        {
            if (argument.Value.DescendantsAndSelf().OfType<IFieldReferenceOperation>().Any(f => f.Field.Name == "FireAndForget" && f.Field.ContainingType?.TypeKind == TypeKind.Enum))
            {
                return true;
            }
        }

        return IsSourceObserverHelper(method);
    }

    /// <summary>The one call a lambda body consists of: <c>M()</c>, <c>await M()</c>, <c>return M();</c>.</summary>
    private static IInvocationOperation? SingleCall(IBlockOperation body)
    {
        var operations = body.Operations;
        if (operations.Length == 2 && operations[1] is IReturnOperation { ReturnedValue: null, IsImplicit: true })
        {
            operations = operations.RemoveAt(1);
        }

        if (operations.Length != 1)
        {
            return null;
        }

        var value = operations[0] switch
        {
            IReturnOperation ret => ret.ReturnedValue,
            IExpressionStatementOperation statement => statement.Operation,
            _ => null,
        };
        while (value is IAwaitOperation or IConversionOperation)
        {
            value = value is IAwaitOperation awaited ? awaited.Operation : ((IConversionOperation)value).Operand;
        }

        return value as IInvocationOperation;
    }

    /// <summary>
    /// A helper of this compilation that takes a task and attaches a failure handler to it
    /// (<c>static Task ObserveErrors(this Task t) { t.ContinueWith(..., OnlyOnFaulted); return t; }</c>): its body
    /// calls ContinueWith and mentions OnlyOnFaulted or Exception. Read from syntax: the body is in another method.
    /// </summary>
    private static bool IsSourceObserverHelper(IMethodSymbol method)
    {
        method = (method.ReducedFrom ?? method).OriginalDefinition;
        if (method.Parameters.Length == 0 || method.DeclaringSyntaxReferences.Length != 1 || !method.Parameters[0].Type.Name.StartsWith("Task", System.StringComparison.Ordinal))
        {
            return false;
        }

        var body = method.DeclaringSyntaxReferences[0].GetSyntax() switch
        {
            MethodDeclarationSyntax m => (SyntaxNode?)m.Body ?? m.ExpressionBody,
            _ => null,
        };
        if (body is null)
        {
            return false;
        }

        var continues = false;
        var handlesFailure = false;
        foreach (var name in body.DescendantNodes().OfType<SimpleNameSyntax>())
        {
            switch (name.Identifier.ValueText)
            {
                case "ContinueWith":
                    continues = true;
                    break;
                case "OnlyOnFaulted":
                case "Exception":
                    handlesFailure = true;
                    break;
            }
        }

        return continues && handlesFailure;
    }

    private static bool IsWrappedSourceMethod(IMethodSymbol method, IOperation site, WellKnownTypes types, bool requireAsync)
    {
        method = method.OriginalDefinition;
        if (requireAsync && !method.IsAsync || method.DeclaringSyntaxReferences.Length != 1)
        {
            return false;
        }

        var reference = method.DeclaringSyntaxReferences[0];
        var body = reference.GetSyntax() switch
        {
            MethodDeclarationSyntax m => m.Body,
            LocalFunctionStatementSyntax l => l.Body,
            _ => null,
        };
        if (body is null)
        {
            return false;
        }

        return reference.SyntaxTree == site.Syntax.SyntaxTree && site.SemanticModel is { } model
            ? CatchAll.IsBodyWrapped(body, model, types)
            : CatchAll.IsBodyWrappedSyntactically(body);
    }
}

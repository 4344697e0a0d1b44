using System.Linq;
using System.Diagnostics.CodeAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

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
    /// True when dropping the task of <paramref name="call"/> loses no exception (a trailing <c>ConfigureAwait(...)</c>
    /// is looked through):
    /// <list type="bullet">
    /// <item>an observing <c>ContinueWith</c> (<see cref="TaskObservers.IsObservingContinuation"/>), or a continuation that
    /// only runs when the antecedent did not complete (<c>OnlyOnFaulted</c>, <c>OnlyOnCanceled</c>, <c>NotOnRanToCompletion</c>)
    /// and whose handler cannot throw: it is the error handler;</item>
    /// <item><c>Task.Run</c>/<c>StartNew</c> whose delegate contains its failures (<see cref="FailureFreeCode.ContainsFailures"/>),
    /// only completes a completion source (<see cref="FailureFreeCode.IsCompletionOnlyWork"/>), or is one call of a method
    /// whose summary says so (<see cref="CalleeSummaries"/>);</item>
    /// <item>a call of a method of this compilation whose task cannot fault or which observes its own failures
    /// (<see cref="CalleeSummary.DropsHarmlessly"/>);</item>
    /// <item>a call given an enum member named <c>FireAndForget</c> (StackExchange.Redis' <c>CommandFlags.FireAndForget</c>):
    /// the library's contract is a task that is complete at once and never faults. This is the one exemption by
    /// name: the callee is a library whose body cannot be read, and the flag is its documented contract.</item>
    /// </list>
    /// </summary>
    public static bool ObservesOwnFailures(IInvocationOperation call, WellKnownTypes types)
    {
        if (call.TargetMethod.Name == "ConfigureAwait" && call.Instance is IInvocationOperation configured)
        {
            call = configured;
        }

        if (TaskObservers.IsObservingContinuation(call, types) || IsErrorHandlerContinuation(call, types))
        {
            return true;
        }

        var method = call.TargetMethod;
        var compilation = call.SemanticModel?.Compilation ?? types.Compilation;
        var summaries = CalleeSummaries.For(compilation);
        if (types.IsTaskRun(method) || types.IsTaskFactoryStartNew(method))
        {
            return Work(call) is { } work && IsHarmlessWork(work, summaries, types);
        }

        if (summaries.Get(method).DropsHarmlessly || AggregatesCompletedCallbacks(call, summaries, types))
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

        return false;
    }

    /// <summary>
    /// <c>ForEachAsync(o =&gt; Task.CompletedTask)</c>: an aggregator whose task only combines its callback's tasks
    /// (<see cref="CalleeSummaries.GetAggregatedCallback"/>), given a callback whose every task is complete or cannot fault.
    /// </summary>
    private static bool AggregatesCompletedCallbacks(IInvocationOperation call, CalleeSummaries summaries, WellKnownTypes types)
    {
        if (summaries.GetAggregatedCallback(call.TargetMethod) is not { } callback)
        {
            return false;
        }

        foreach (var argument in call.Arguments)
        {
            if (argument.Parameter?.Ordinal != callback.Ordinal)
            {
                continue;
            }

            var value = OperationWalk.Strip(argument.Value, Wrappers.Conversions);
            if (DeferredCode.GetFunction(value) is IAnonymousFunctionOperation lambda)
            {
                var returns = 0;
                foreach (var op in FailureFreeCode.OwnDescendants(lambda.Body))
                {
                    if (op is IReturnOperation { ReturnedValue: { } returned })
                    {
                        returns++;
                        if (!FailureFreeCode.IsCompletedOrCannotFault(returned, types))
                        {
                            return false;
                        }
                    }
                }

                return returns > 0 && !lambda.Symbol.IsAsync;
            }

            return (value as IDelegateCreationOperation)?.Target is IMethodReferenceOperation reference && summaries.Get(reference.Method).TaskCannotFault;
        }

        return false;
    }

    /// <summary>The delegate a <c>Task.Run</c>/<c>StartNew</c> runs: a lambda, or a method group's method reference.</summary>
    private static IOperation? Work(IInvocationOperation call)
    {
        foreach (var argument in call.Arguments)
        {
            if (argument.Parameter?.Type.TypeKind != TypeKind.Delegate)
            {
                continue;
            }

            var value = OperationWalk.Strip(argument.Value, Wrappers.Conversions);
            return DeferredCode.GetFunction(value) is IAnonymousFunctionOperation lambda
                ? lambda
                : (value as IDelegateCreationOperation)?.Target;
        }

        return null;
    }

    private static bool IsHarmlessWork(IOperation work, CalleeSummaries summaries, WellKnownTypes types)
    {
        if (work is IMethodReferenceOperation reference)
        {
            var summary = summaries.Get(reference.Method);
            return summary.DropsHarmlessly || summary.CannotThrow;
        }

        if (work is not IAnonymousFunctionOperation lambda)
        {
            return false;
        }

        if (FailureFreeCode.ContainsFailures(lambda.Body, types) || FailureFreeCode.IsCompletionOnlyWork(lambda.Body, types))
        {
            return true;
        }

        // () => WorkAsync(...) / async () => await WorkAsync(...): the work itself may catch everything.
        if (SingleCall(lambda.Body) is not { } inner)
        {
            return false;
        }

        // The lambda evaluates the receiver and arguments inside the task: they must not throw either.
        var innerSummary = summaries.Get(inner.TargetMethod);
        return (innerSummary.DropsHarmlessly || innerSummary.CannotThrow) && OperandsCannotThrow(inner, types);
    }

    private static bool OperandsCannotThrow(IInvocationOperation call, WellKnownTypes types)
    {
        if (call.Instance is { } instance && !FailureFreeCode.CannotThrow(instance, types))
        {
            return false;
        }

        foreach (var argument in call.Arguments)
        {
            if (!FailureFreeCode.CannotThrow(argument.Value, types))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// <c>t.ContinueWith(h, [token,] OnlyOnFaulted | OnlyOnCanceled | NotOnRanToCompletion [, scheduler])</c> whose handler
    /// cannot throw (it only completes a completion source, or its body contains its failures): the continuation is itself
    /// the error handler, and when the antecedent succeeds it ends canceled, which loses nothing.
    /// </summary>
    private static bool IsErrorHandlerContinuation(IInvocationOperation call, WellKnownTypes types)
    {
        if (call.TargetMethod.Name != "ContinueWith" || !types.IsTask(call.TargetMethod.ContainingType))
        {
            return false;
        }

        var onlyOnFailure = false;
        IOperation? handler = null;
        foreach (var argument in call.Arguments)
        {
            // TaskContinuationOptions.NotOnRanToCompletion = 0x10000 (part of OnlyOnFaulted and OnlyOnCanceled).
            if (types.Is(argument.Parameter?.Type, WellKnownTypeNames.TaskContinuationOptions)
                && argument.Value.ConstantValue is { HasValue: true, Value: int options }
                && (options & 0x10000) != 0)
            {
                onlyOnFailure = true;
            }
            else if (argument.Parameter?.Type.TypeKind == TypeKind.Delegate && handler is null)
            {
                var value = OperationWalk.Strip(argument.Value, Wrappers.Conversions);
                handler = DeferredCode.GetFunction(value) as IAnonymousFunctionOperation ?? (IOperation?)(value as IDelegateCreationOperation)?.Target;
            }
        }

        if (!onlyOnFailure || handler is null)
        {
            return false;
        }

        var summaries = CalleeSummaries.For(call.SemanticModel?.Compilation ?? types.Compilation);
        return handler switch
        {
            IAnonymousFunctionOperation lambda => FailureFreeCode.CannotThrow(lambda.Body, types) || FailureFreeCode.ContainsFailures(lambda.Body, types),
            IMethodReferenceOperation reference => summaries.Get(reference.Method) is { } s && (s.CannotThrow || s.ObservesOwnFailures),
            _ => false,
        };
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

        value = value is null ? null : OperationWalk.StripConfigureAwait(value);
        return value as IInvocationOperation;
    }
}

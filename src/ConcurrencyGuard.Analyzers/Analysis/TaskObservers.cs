using System;

namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// Methods that take responsibility for a task (log its failure, track it): the runtime guard's
/// <c>Forget()</c>, vs-threading's <c>Forget()</c>/<c>FileAndForget()</c>, AsyncAwaitBestPractices'
/// <c>SafeFireAndForget()</c>, and whatever the user lists in
/// <c>concurrency_guard.fire_and_forget_methods</c> (<c>Method</c> or <c>Namespace.Type.Method</c>).
/// </summary>
public static class TaskObservers
{
    private static readonly ImmutableHashSet<string> BuiltInNames = ImmutableHashSet.Create(
        StringComparer.Ordinal,
        "Forget",
        "FileAndForget",
        "FireAndForget",
        "SafeFireAndForget",
        "FireAndForgetSafeAsync");

    public static bool IsObserver(IMethodSymbol method, ImmutableArray<string> configured)
    {
        var name = method.Name;
        if (BuiltInNames.Contains(name))
        {
            return true;
        }

        if (configured.IsDefaultOrEmpty)
        {
            return false;
        }

        string? fullName = null;
        foreach (var entry in configured)
        {
            if (entry.IndexOf('.') < 0)
            {
                if (string.Equals(entry, name, StringComparison.Ordinal))
                {
                    return true;
                }

                continue;
            }

            fullName ??= (method.ReducedFrom ?? method).ContainingType.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat.WithGenericsOptions(SymbolDisplayGenericsOptions.None)) + "." + name;
            if (string.Equals(entry, fullName, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Values that are already complete: dropping them loses nothing (<c>Task.FromResult</c>,
    /// <c>Task.CompletedTask</c>-like factories).
    /// </summary>
    public static bool IsCompletedTaskFactory(IMethodSymbol method, WellKnownTypes types)
    {
        var containing = method.ContainingType?.OriginalDefinition;
        if (containing is null)
        {
            return false;
        }

        var isTaskType = SymbolEqualityComparer.Default.Equals(containing, types.Task)
            || SymbolEqualityComparer.Default.Equals(containing, types.ValueTask);
        return isTaskType && method.Name is "FromResult" or "FromException" or "FromCanceled";
    }

    /// <summary>
    /// <c>task.ContinueWith(...)</c> that observes the antecedent's failure: the continuation reads its
    /// <c>Exception</c> or <c>Result</c>, waits for or awaits it (<c>Wait()</c>, <c>GetAwaiter()</c>, <c>await</c>),
    /// hands the antecedent task itself to a call (<c>t =&gt; callback(t)</c>, <c>t =&gt; Outcome.From(t)</c>),
    /// or the call passes <c>TaskContinuationOptions.OnlyOnFaulted</c> (the continuation is a failure handler).
    /// </summary>
    public static bool IsObservingContinuation(IInvocationOperation invocation, WellKnownTypes types)
    {
        if (invocation.TargetMethod.Name != "ContinueWith")
        {
            return false;
        }

        var containing = invocation.TargetMethod.ContainingType?.OriginalDefinition;
        if (!SymbolEqualityComparer.Default.Equals(containing, types.Task) && !SymbolEqualityComparer.Default.Equals(containing, types.TaskOfT))
        {
            return false;
        }

        foreach (var argument in invocation.Arguments)
        {
            // TaskContinuationOptions.OnlyOnFaulted = 0x50000 (NotOnRanToCompletion | NotOnCanceled).
            if (argument.Parameter?.Type.Name == "TaskContinuationOptions"
                && argument.Value.ConstantValue is { HasValue: true, Value: int options }
                && (options & 0x50000) == 0x50000)
            {
                return true;
            }

            if (DeferredCode.GetFunction(argument.Value) is IAnonymousFunctionOperation { Symbol.Parameters.Length: > 0 } lambda
                && ReadsFailure(lambda, lambda.Symbol.Parameters[0]))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ReadsFailure(IAnonymousFunctionOperation lambda, IParameterSymbol antecedent)
    {
        foreach (var op in lambda.Body.Descendants())
        {
            if (op is not IParameterReferenceOperation reference || !SymbolEqualityComparer.Default.Equals(reference.Parameter, antecedent))
            {
                continue;
            }

            var parent = reference.Parent;
            while (parent is IConversionOperation or IParenthesizedOperation)
            {
                parent = parent.Parent;
            }

            switch (parent)
            {
                case IPropertyReferenceOperation { Property.Name: "Exception" or "Result" }:
                case IInvocationOperation { TargetMethod.Name: "Wait" or "GetAwaiter" }:
                case IAwaitOperation:
                // t => callback(t) / t => Wrap(t): the antecedent itself, outcome and all, is handed to other code, like a
                // task passed to a method (which CG1001 does not flag either).
                case IArgumentOperation:
                    return true;
            }
        }

        return false;
    }
}

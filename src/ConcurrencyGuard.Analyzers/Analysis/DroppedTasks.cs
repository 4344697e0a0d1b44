using System.Collections.Immutable;
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
    public static bool TryGetDroppedCall(IOperation expression, WellKnownTypes types, [NotNullWhen(true)] out IInvocationOperation? invocation)
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
}

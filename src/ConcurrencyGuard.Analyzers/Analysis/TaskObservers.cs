using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

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
}

using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// Symbols the rules need, resolved once per compilation and shared by every analyzer of the suite
/// (one <see cref="ConditionalWeakTable{TKey,TValue}"/> entry per compilation, so 30 rules do not
/// resolve <c>Task</c> 30 times). Get one in a compilation-start action with <see cref="GetOrCreate"/>;
/// a rule whose types are missing returns early.
/// </summary>
public sealed class WellKnownTypes
{
    private static readonly ConditionalWeakTable<Compilation, WellKnownTypes> Cache = new();

    private readonly Compilation _compilation;
    private readonly ConcurrentDictionary<string, INamedTypeSymbol?> _byName = new();

    private WellKnownTypes(Compilation compilation)
    {
        _compilation = compilation;
        Task = Get(WellKnownTypeNames.Task);
        TaskOfT = Get(WellKnownTypeNames.TaskOfT);
        ValueTask = Get(WellKnownTypeNames.ValueTask);
        ValueTaskOfT = Get(WellKnownTypeNames.ValueTaskOfT);
        CancellationToken = Get(WellKnownTypeNames.CancellationToken);
        EventArgs = Get(WellKnownTypeNames.EventArgs);
        Exception = Get(WellKnownTypeNames.Exception);
        INotifyCompletion = Get(WellKnownTypeNames.INotifyCompletion);
    }

    public static WellKnownTypes GetOrCreate(Compilation compilation) =>
        Cache.GetValue(compilation, static c => new WellKnownTypes(c));

    public Compilation Compilation => _compilation;

    public INamedTypeSymbol? Task { get; }
    public INamedTypeSymbol? TaskOfT { get; }
    public INamedTypeSymbol? ValueTask { get; }
    public INamedTypeSymbol? ValueTaskOfT { get; }
    public INamedTypeSymbol? CancellationToken { get; }
    public INamedTypeSymbol? EventArgs { get; }
    public INamedTypeSymbol? Exception { get; }
    public INamedTypeSymbol? INotifyCompletion { get; }

    /// <summary>A type by metadata name (e.g. <c>System.Net.Http.HttpClient</c>), or null when the compilation does not have it.</summary>
    public INamedTypeSymbol? Get(string metadataName) =>
        _byName.GetOrAdd(metadataName, name => _compilation.GetTypeByMetadataName(name));

    /// <summary>True for Task, Task&lt;T&gt;, ValueTask and ValueTask&lt;T&gt;.</summary>
    public bool IsTaskLike(ITypeSymbol? type)
    {
        if (type is not INamedTypeSymbol named)
        {
            return false;
        }

        var original = named.OriginalDefinition;
        return SymbolEqualityComparer.Default.Equals(original, Task)
            || SymbolEqualityComparer.Default.Equals(original, TaskOfT)
            || SymbolEqualityComparer.Default.Equals(original, ValueTask)
            || SymbolEqualityComparer.Default.Equals(original, ValueTaskOfT);
    }

    /// <summary>True when <paramref name="type"/> is <paramref name="baseType"/> or derives from it.</summary>
    public static bool InheritsFrom(ITypeSymbol? type, ITypeSymbol? baseType)
    {
        if (baseType is null)
        {
            return false;
        }

        for (var t = type; t is not null; t = t.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(t.OriginalDefinition, baseType))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when <paramref name="type"/> is, derives from, or implements <paramref name="baseOrInterface"/>.</summary>
    public static bool IsOrImplements(ITypeSymbol? type, ITypeSymbol? baseOrInterface)
    {
        if (type is null || baseOrInterface is null)
        {
            return false;
        }

        if (InheritsFrom(type, baseOrInterface))
        {
            return true;
        }

        foreach (var i in type.AllInterfaces)
        {
            if (SymbolEqualityComparer.Default.Equals(i.OriginalDefinition, baseOrInterface))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Metadata names used across rules.</summary>
public static class WellKnownTypeNames
{
    public const string Task = "System.Threading.Tasks.Task";
    public const string TaskOfT = "System.Threading.Tasks.Task`1";
    public const string ValueTask = "System.Threading.Tasks.ValueTask";
    public const string ValueTaskOfT = "System.Threading.Tasks.ValueTask`1";
    public const string TaskFactory = "System.Threading.Tasks.TaskFactory";
    public const string CancellationToken = "System.Threading.CancellationToken";
    public const string CancellationTokenSource = "System.Threading.CancellationTokenSource";
    public const string EventArgs = "System.EventArgs";
    public const string Exception = "System.Exception";
    public const string INotifyCompletion = "System.Runtime.CompilerServices.INotifyCompletion";
    public const string Interlocked = "System.Threading.Interlocked";
    public const string Volatile = "System.Threading.Volatile";
    public const string RuntimeTaskExtensions = "ConcurrencyGuard.TaskExtensions";
    public const string IAsyncEnumerableOfT = "System.Collections.Generic.IAsyncEnumerable`1";
    public const string ConfiguredCancelableAsyncEnumerableOfT = "System.Runtime.CompilerServices.ConfiguredCancelableAsyncEnumerable`1";
    public const string EnumeratorCancellationAttribute = "System.Runtime.CompilerServices.EnumeratorCancellationAttribute";
    public const string TaskAsyncEnumerableExtensions = "System.Threading.Tasks.TaskAsyncEnumerableExtensions";
    public const string HttpContext = "Microsoft.AspNetCore.Http.HttpContext";
    public const string ControllerBase = "Microsoft.AspNetCore.Mvc.ControllerBase";
    public const string BackgroundService = "Microsoft.Extensions.Hosting.BackgroundService";
    public const string ObsoleteAttribute = "System.ObsoleteAttribute";
}

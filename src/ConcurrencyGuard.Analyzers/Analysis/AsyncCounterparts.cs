using System.Collections.Concurrent;
using System.Linq;
using System.Runtime.CompilerServices;

namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// "Does this synchronous method have a usable async counterpart?", shared by CG6002 (blocking call in
/// an async method, and its fix) and CG6004 (sync I/O in a loop on the pool). A counterpart of <c>M</c> is
/// a method <c>MAsync</c> of the same type or one of its bases/interfaces, equally static, with the same
/// type-parameter count and the same parameter types in order, optionally followed by one
/// <c>CancellationToken</c>, whose awaited result is <c>M</c>'s return type (nothing for <c>void</c>),
/// and that is not <c>[Obsolete]</c>. A name match alone is not enough: <c>JsonSerializer.Deserialize(string)</c>
/// has no counterpart (its async form reads a <c>Stream</c>). When no <c>MAsync</c> matches, <c>MTaskAsync</c> is looked
/// up the same way: the name the task-based methods took on types whose <c>MAsync</c> was already the event-based
/// pattern (<c>WebClient.DownloadString</c> -> <c>DownloadStringTaskAsync</c>; <c>DownloadStringAsync</c> returns
/// <c>void</c>). <c>Dispose()</c> has its own lookup on the receiver's type (<see cref="FindDisposeAsync"/>).
/// Lookups are cached per compilation.
/// </summary>
public static class AsyncCounterparts
{
    private static readonly ConditionalWeakTable<Compilation, ConcurrentDictionary<IMethodSymbol, Entry>> Cache = new();

    /// <summary>The async counterpart of <paramref name="method"/>, or null. <paramref name="tokenIndex"/> is the index of its trailing token parameter, or -1.</summary>
    public static IMethodSymbol? Find(IMethodSymbol method, WellKnownTypes types, out int tokenIndex)
    {
        tokenIndex = -1;
        if (method.Name.EndsWith("Async", System.StringComparison.Ordinal) || method.MethodKind != MethodKind.Ordinary || method.ContainingType is null)
        {
            return null;
        }

        var cache = Cache.GetValue(types.Compilation, static _ => new ConcurrentDictionary<IMethodSymbol, Entry>(SymbolEqualityComparer.Default));
        var entry = cache.GetOrAdd(method, m => Compute(m, types));
        tokenIndex = entry.TokenIndex;
        return entry.Method;
    }

    /// <summary>
    /// The async counterpart of the call <paramref name="invocation"/>: for <c>Dispose()</c> (the receiver's
    /// <c>IDisposable.Dispose</c>), the receiver type's <c>DisposeAsync</c> (<see cref="FindDisposeAsync"/>); otherwise
    /// <see cref="Find(IMethodSymbol, WellKnownTypes, out int)"/> of the called method.
    /// </summary>
    public static IMethodSymbol? Find(IInvocationOperation invocation, WellKnownTypes types, out int tokenIndex)
    {
        tokenIndex = -1;
        var method = invocation.TargetMethod;
        if (IsDispose(invocation, types))
        {
            return FindDisposeAsync(invocation.Instance!.Type, types) is { } disposeAsync && !RunsTheSynchronousMethod(disposeAsync, method, types)
                && !IsFallbackAfterAsyncDisposableTest(invocation, types)
                ? disposeAsync
                : null;
        }

        return Find(method.ReducedFrom ?? method, types, out tokenIndex);
    }

    /// <summary>The call is <c>x.Dispose()</c> where the called method is the receiver type's <c>IDisposable.Dispose</c>.</summary>
    public static bool IsDispose(IInvocationOperation invocation, WellKnownTypes types)
    {
        var method = invocation.TargetMethod;
        if (method.Name != nameof(System.IDisposable.Dispose) || method.Parameters.Length != 0 || method.IsStatic
            || invocation.Instance?.Type is not { } receiver
            || types.Get(WellKnownTypeNames.IDisposable)?.GetMembers(nameof(System.IDisposable.Dispose)).FirstOrDefault() is not IMethodSymbol disposeMember)
        {
            return false;
        }

        if (SymbolEqualityComparer.Default.Equals(method.OriginalDefinition, disposeMember))
        {
            return true;
        }

        var implementation = receiver.FindImplementationForInterfaceMember(disposeMember) as IMethodSymbol;
        for (var m = implementation; m is not null; m = m.OverriddenMethod)
        {
            if (SymbolEqualityComparer.Default.Equals(m.OriginalDefinition, method.OriginalDefinition))
            {
                return true;
            }
        }

        // Dispose() overridden further down than the interface map shows (a derived override of a virtual Dispose).
        for (var m = method; m is not null; m = m.OverriddenMethod)
        {
            if (implementation is not null && SymbolEqualityComparer.Default.Equals(m.OriginalDefinition, implementation.OriginalDefinition))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The <c>DisposeAsync()</c> a call on a value of <paramref name="receiverType"/> can name: a public parameterless
    /// instance <c>DisposeAsync</c> returning <c>ValueTask</c>/<c>Task</c> declared on the type or a base, or, for an
    /// interface or type parameter, <c>IAsyncDisposable.DisposeAsync</c> of an interface it has. Null when the type does not
    /// implement <c>IAsyncDisposable</c>, or implements it only explicitly (the method cannot be called by name:
    /// <c>DisposeAsync</c> is not usable there).
    /// </summary>
    public static IMethodSymbol? FindDisposeAsync(ITypeSymbol? receiverType, WellKnownTypes types)
    {
        var asyncDisposable = types.Get(WellKnownTypeNames.IAsyncDisposable);
        if (receiverType is null || asyncDisposable is null || !IsAsyncDisposable(receiverType, asyncDisposable)
            || DisposeDoesNotWait(receiverType, types))
        {
            return null;
        }

        if (receiverType.TypeKind is TypeKind.Interface or TypeKind.TypeParameter)
        {
            return asyncDisposable.GetMembers("DisposeAsync").FirstOrDefault() as IMethodSymbol;
        }

        for (var type = receiverType; type is not null; type = type.BaseType)
        {
            foreach (var member in type.GetMembers("DisposeAsync"))
            {
                if (member is IMethodSymbol { IsStatic: false, Parameters.Length: 0, Arity: 0, DeclaredAccessibility: Accessibility.Public } candidate
                    && (SymbolEqualityComparer.Default.Equals(candidate.ReturnType, types.ValueTask) || SymbolEqualityComparer.Default.Equals(candidate.ReturnType, types.Task)))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// <c>if (x is IAsyncDisposable a) return a.DisposeAsync(); x.Dispose();</c> (or the <c>else</c> of that test): the code
    /// already takes <c>DisposeAsync</c> whenever the object has one, and falls back to <c>Dispose</c> for the others
    /// (a type compiled for several frameworks, where older ones lack it).
    /// </summary>
    private static bool IsFallbackAfterAsyncDisposableTest(IInvocationOperation invocation, WellKnownTypes types)
    {
        var receiver = ReferencedSymbol(invocation.Instance);
        var asyncDisposable = types.Get(WellKnownTypeNames.IAsyncDisposable);
        if (receiver is null || asyncDisposable is null)
        {
            return false;
        }

        bool Tests(IOperation condition) =>
            OperationWalk.Strip(condition, Wrappers.ConversionsAndParentheses) switch
            {
                IIsTypeOperation test => SymbolEqualityComparer.Default.Equals(test.TypeOperand, asyncDisposable)
                    && SymbolEqualityComparer.Default.Equals(ReferencedSymbol(test.ValueOperand), receiver),
                IIsPatternOperation pattern => SymbolEqualityComparer.Default.Equals(PatternType(pattern.Pattern), asyncDisposable)
                    && SymbolEqualityComparer.Default.Equals(ReferencedSymbol(pattern.Value), receiver),
                _ => false,
            };

        IOperation child = invocation;
        for (var parent = invocation.Parent; parent is not null and not IAnonymousFunctionOperation and not ILocalFunctionOperation; child = parent, parent = parent.Parent)
        {
            if (parent is IConditionalOperation conditional && ReferenceEquals(child, conditional.WhenFalse) && Tests(conditional.Condition))
            {
                return true;
            }

            if (parent is IBlockOperation block)
            {
                foreach (var statement in block.Operations)
                {
                    if (ReferenceEquals(statement, child))
                    {
                        break;
                    }

                    if (statement is IConditionalOperation { WhenFalse: null } test && Tests(test.Condition) && EndsInReturn(test.WhenTrue))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private static ITypeSymbol? PatternType(IPatternOperation pattern) => pattern switch
    {
        IDeclarationPatternOperation declaration => declaration.MatchedType,
        ITypePatternOperation type => type.MatchedType,
        _ => null,
    };

    private static bool EndsInReturn(IOperation branch)
    {
        while (branch is IBlockOperation { Operations.Length: > 0 } block)
        {
            branch = block.Operations[block.Operations.Length - 1];
        }

        return branch is IReturnOperation;
    }

    private static ISymbol? ReferencedSymbol(IOperation? value) => value is null ? null : OperationWalk.Strip(value, Wrappers.ConversionsAndParentheses) switch
    {
        ILocalReferenceOperation local => local.Local,
        IParameterReferenceOperation parameter => parameter.Parameter,
        IFieldReferenceOperation { Instance: null or IInstanceReferenceOperation } field => field.Field,
        IPropertyReferenceOperation { Instance: null or IInstanceReferenceOperation, Arguments.Length: 0 } property => property.Property,
        _ => null,
    };

    private static bool IsAsyncDisposable(ITypeSymbol type, INamedTypeSymbol asyncDisposable) =>
        type is ITypeParameterSymbol parameter
            ? parameter.ConstraintTypes.Any(c => IsAsyncDisposable(c, asyncDisposable))
            : WellKnownTypes.IsOrImplements(type, asyncDisposable);

    /// <summary>
    /// Disposals that do no I/O: a <c>System.Threading.Timer</c>'s <c>Dispose()</c> returns at once without waiting for
    /// running callbacks (its <c>DisposeAsync</c> is a different promise: it also waits for them); a
    /// <c>CancellationTokenRegistration</c>'s only unregisters, waiting at most for a callback already running, which
    /// token callbacks keep short.
    /// </summary>
    private static bool DisposeDoesNotWait(ITypeSymbol receiverType, WellKnownTypes types) =>
        WellKnownTypes.InheritsFrom(receiverType, types.Get(WellKnownTypeNames.Timer))
        || WellKnownTypes.InheritsFrom(receiverType, types.Get(WellKnownTypeNames.CancellationTokenRegistration));

    /// <summary>
    /// The counterpart runs the synchronous method itself: its body (of this compilation, not overridable) calls
    /// <paramref name="method"/> on the same object (<c>ValueTask&lt;T&gt; ReadAsync(...) =&gt; new(Read(reader));</c>,
    /// <c>async ValueTask DisposeAsync() { Dispose(); await _loop; }</c>). Awaiting it blocks the same way, so it is no
    /// counterpart.
    /// </summary>
    private static bool RunsTheSynchronousMethod(IMethodSymbol counterpart, IMethodSymbol method, WellKnownTypes types)
    {
        if (CalleeSummaries.For(types.Compilation).GetBody(counterpart.OriginalDefinition) is not { } body)
        {
            return false;
        }

        foreach (var op in body.Descendants())
        {
            if (op is IInvocationOperation call
                && (call.Instance is null or IInstanceReferenceOperation)
                && Overrides(call.TargetMethod, method))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Overrides(IMethodSymbol candidate, IMethodSymbol method)
    {
        for (var m = candidate; m is not null; m = m.OverriddenMethod)
        {
            if (SymbolEqualityComparer.Default.Equals(m.OriginalDefinition, method.OriginalDefinition))
            {
                return true;
            }
        }

        return false;
    }

    private static Entry Compute(IMethodSymbol method, WellKnownTypes types)
    {
        // `MAsync`, else the `MTaskAsync` of the types whose `MAsync` is the older event-based pattern
        // (WebClient.DownloadStringAsync returns void and raises an event; DownloadStringTaskAsync returns the task).
        var found = Compute(method, method.Name + "Async", types);
        if (found.Method is null)
        {
            found = Compute(method, method.Name + "TaskAsync", types);
        }

        return found.Method is not null && RunsTheSynchronousMethod(found.Method, method, types) ? new Entry(null, -1) : found;
    }

    private static Entry Compute(IMethodSymbol method, string name, WellKnownTypes types)
    {
        // The nearest type that has one decides; there, an overload with a trailing token wins.
        foreach (var type in SelfBasesAndInterfaces(method.ContainingType))
        {
            Entry? found = null;
            foreach (var member in type.GetMembers(name))
            {
                if (member is IMethodSymbol candidate && Matches(method, candidate, types, out var tokenIndex, out var constructed)
                    && (found is null || (found.Value.TokenIndex < 0 && tokenIndex >= 0)))
                {
                    found = new Entry(constructed, tokenIndex);
                }
            }

            if (found is not null)
            {
                return found.Value;
            }
        }

        return new Entry(null, -1);
    }

    private static System.Collections.Generic.IEnumerable<INamedTypeSymbol> SelfBasesAndInterfaces(INamedTypeSymbol type)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            yield return t;
        }

        foreach (var i in type.AllInterfaces)
        {
            yield return i;
        }
    }

    private static bool Matches(IMethodSymbol method, IMethodSymbol candidate, WellKnownTypes types, out int tokenIndex, out IMethodSymbol constructed)
    {
        tokenIndex = -1;
        constructed = candidate;
        if (candidate.IsStatic != method.IsStatic || candidate.Arity != method.Arity || candidate.DeclaredAccessibility == Accessibility.Private)
        {
            return false;
        }

        if (candidate.Arity > 0)
        {
            constructed = candidate.ConstructedFrom.Construct(System.Linq.Enumerable.ToArray(method.TypeArguments));
        }

        var parameters = constructed.Parameters;
        var expected = method.Parameters;
        if (parameters.Length == expected.Length + 1 && TokenInScope.IsToken(parameters[parameters.Length - 1].Type, types))
        {
            tokenIndex = parameters.Length - 1;
        }
        else if (parameters.Length != expected.Length)
        {
            return false;
        }

        for (var i = 0; i < expected.Length; i++)
        {
            if (!SymbolEqualityComparer.Default.Equals(parameters[i].Type, expected[i].Type) || parameters[i].RefKind != expected[i].RefKind)
            {
                return false;
            }
        }

        if (!AwaitsTo(constructed.ReturnType, method.ReturnType, method.ReturnsVoid, types))
        {
            return false;
        }

        foreach (var attribute in candidate.GetAttributes())
        {
            if (types.Is(attribute.AttributeClass, WellKnownTypeNames.ObsoleteAttribute))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when awaiting <paramref name="asyncReturn"/> gives <paramref name="syncReturn"/> (nothing when the sync method is void).</summary>
    private static bool AwaitsTo(ITypeSymbol asyncReturn, ITypeSymbol syncReturn, bool syncIsVoid, WellKnownTypes types)
    {
        if (asyncReturn is not INamedTypeSymbol named)
        {
            return false;
        }

        var original = named.OriginalDefinition;
        if (syncIsVoid)
        {
            return SymbolEqualityComparer.Default.Equals(original, types.Task) || SymbolEqualityComparer.Default.Equals(original, types.ValueTask);
        }

        return (SymbolEqualityComparer.Default.Equals(original, types.TaskOfT) || SymbolEqualityComparer.Default.Equals(original, types.ValueTaskOfT))
            && SymbolEqualityComparer.Default.Equals(named.TypeArguments[0], syncReturn);
    }

    private readonly struct Entry
    {
        public Entry(IMethodSymbol? method, int tokenIndex)
        {
            Method = method;
            TokenIndex = tokenIndex;
        }

        public IMethodSymbol? Method { get; }

        public int TokenIndex { get; }
    }
}

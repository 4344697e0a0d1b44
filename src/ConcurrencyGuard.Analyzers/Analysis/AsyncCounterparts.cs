using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// "Does this synchronous method have a usable async counterpart?", shared by CG6002 (blocking call in
/// an async method, and its fix) and CG6004 (sync I/O in a loop on the pool). A counterpart of <c>M</c> is
/// a method <c>MAsync</c> of the same type or one of its bases/interfaces, equally static, with the same
/// type-parameter count and the same parameter types in order, optionally followed by one
/// <c>CancellationToken</c>, whose awaited result is <c>M</c>'s return type (nothing for <c>void</c>),
/// and that is not <c>[Obsolete]</c>. A name match alone is not enough: <c>JsonSerializer.Deserialize(string)</c>
/// has no counterpart (its async form reads a <c>Stream</c>). Lookups are cached per compilation.
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

    private static Entry Compute(IMethodSymbol method, WellKnownTypes types)
    {
        // The nearest type that has one decides; there, an overload with a trailing token wins.
        var name = method.Name + "Async";
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

using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// "Is <c>DisposeAsync</c> on this stream or writer type just the base one, which calls <c>Dispose</c>?" for an
/// abstract type declared in this compilation: no class between it and <c>Stream</c>/<c>TextWriter</c> overrides
/// <c>DisposeAsync()</c>, and no class of this compilation that derives from it does. Then every implementation the
/// code base has disposes synchronously whichever method is called, and awaiting <c>DisposeAsync</c> gains nothing.
/// The overriding classes are collected once per compilation.
/// </summary>
public static class DisposeAsyncOverrides
{
    private static readonly ConditionalWeakTable<Compilation, List<INamedTypeSymbol>> Overriders = new();

    /// <summary>True for an abstract source class whose every known implementation keeps the base <c>DisposeAsync</c>.</summary>
    public static bool AbstractWithoutOverrides(INamedTypeSymbol type, INamedTypeSymbol? stream, INamedTypeSymbol? textWriter, Compilation compilation)
    {
        if (type is not { IsAbstract: true, TypeKind: TypeKind.Class }
            || !SymbolEqualityComparer.Default.Equals(type.ContainingAssembly, compilation.Assembly)
            || !(WellKnownTypes.InheritsFrom(type, stream) || WellKnownTypes.InheritsFrom(type, textWriter)))
        {
            return false;
        }

        for (var current = type; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current, stream) || SymbolEqualityComparer.Default.Equals(current, textWriter))
            {
                break;
            }

            if (OverridesDisposeAsync(current))
            {
                return false;
            }
        }

        foreach (var overrider in Overriders.GetValue(compilation, Collect))
        {
            if (WellKnownTypes.InheritsFrom(overrider, type.OriginalDefinition))
            {
                return false;
            }
        }

        return true;
    }

    private static bool OverridesDisposeAsync(INamedTypeSymbol type)
    {
        foreach (var member in type.GetMembers("DisposeAsync"))
        {
            if (member is IMethodSymbol { IsOverride: true, Parameters.Length: 0 })
            {
                return true;
            }
        }

        return false;
    }

    private static List<INamedTypeSymbol> Collect(Compilation compilation)
    {
        var result = new List<INamedTypeSymbol>();
        var pending = new Stack<INamespaceOrTypeSymbol>();
        pending.Push(compilation.Assembly.GlobalNamespace);
        while (pending.Count > 0)
        {
            var current = pending.Pop();
            if (current is INamespaceSymbol ns)
            {
                foreach (var member in ns.GetMembers())
                {
                    pending.Push(member);
                }

                continue;
            }

            var type = (INamedTypeSymbol)current;
            if (type.TypeKind == TypeKind.Class && OverridesDisposeAsync(type))
            {
                result.Add(type);
            }

            foreach (var nested in type.GetTypeMembers())
            {
                pending.Push(nested);
            }
        }

        return result;
    }
}

using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// Is a method's signature fixed by an interface? It is when the method implements an interface member, either for
/// its own type or for a type of the compilation that derives from it and lists the interface without implementing
/// the member itself (<c>class Harness&lt;T&gt; : BaseHarness&lt;T&gt;, IHarness&lt;T&gt;</c>, where the base class's
/// public method is the implementation). Changing such a signature breaks the derived type (CS0535). The inherited
/// implementations are collected once per compilation, in one pass over its source types.
/// </summary>
public static class InterfaceImplementations
{
    private static readonly ConditionalWeakTable<Compilation, HashSet<ISymbol>> InheritedCache = new();

    /// <summary>True when <paramref name="method"/> implements an interface member for its type or for a derived type.</summary>
    public static bool IsImplementation(IMethodSymbol method, Compilation compilation)
    {
        var type = method.ContainingType;
        if (type is null || method.MethodKind != MethodKind.Ordinary || method.IsStatic)
        {
            return false;
        }

        if (!method.ExplicitInterfaceImplementations.IsEmpty || ImplementsForType(method, type))
        {
            return true;
        }

        // Only an accessible instance method of a class that other types can derive from can implement for them.
        if (type.TypeKind != TypeKind.Class || type.IsSealed || type.IsStatic || method.DeclaredAccessibility != Accessibility.Public)
        {
            return false;
        }

        // Built once, then only read (concurrent reads of a HashSet are safe).
        return InheritedCache.GetValue(compilation, CollectInherited).Contains(method.OriginalDefinition);
    }

    private static bool ImplementsForType(IMethodSymbol method, INamedTypeSymbol type)
    {
        foreach (var @interface in type.AllInterfaces)
        {
            foreach (var member in @interface.GetMembers(method.Name))
            {
                if (SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(member)?.OriginalDefinition, method.OriginalDefinition))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The methods (original definitions) that implement an interface member for a type deriving from theirs.</summary>
    private static HashSet<ISymbol> CollectInherited(Compilation compilation)
    {
        var result = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        var stack = new Stack<INamespaceOrTypeSymbol>();
        stack.Push(compilation.Assembly.GlobalNamespace);
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            if (current is INamespaceSymbol @namespace)
            {
                foreach (var member in @namespace.GetMembers())
                {
                    stack.Push(member);
                }

                continue;
            }

            foreach (var nested in ((INamedTypeSymbol)current).GetTypeMembers())
            {
                stack.Push(nested);
            }

            if (current is not INamedTypeSymbol { TypeKind: TypeKind.Class } type
                || type.BaseType is not { SpecialType: not SpecialType.System_Object }
                || type.AllInterfaces.IsEmpty)
            {
                continue;
            }

            foreach (var @interface in type.AllInterfaces)
            {
                foreach (var member in @interface.GetMembers())
                {
                    if (member is IMethodSymbol { IsStatic: false, MethodKind: MethodKind.Ordinary }
                        && type.FindImplementationForInterfaceMember(member) is IMethodSymbol implementation
                        && !SymbolEqualityComparer.Default.Equals(implementation.ContainingType.OriginalDefinition, type.OriginalDefinition))
                    {
                        result.Add(implementation.OriginalDefinition);
                    }
                }
            }
        }

        return result;
    }
}

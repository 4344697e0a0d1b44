using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// Tokens carried by context objects, the lowest ranks of <see cref="TokenInScope"/> (issue #18): services often get
/// their caller's token inside a context a framework hands them (<c>context.CancellationToken</c> of a consume or call
/// context, <c>request.Options.CancelToken</c>, a base class's <c>Context</c> property). At a point with no token of a
/// higher rank, a carried token is, by rank:
/// <list type="number">
/// <item>a <c>CancellationToken</c> property or field of a parameter of the nearest enclosing function that has one,
/// directly (<c>context.CancellationToken</c>) or one property deeper (<c>request.Options.CancelToken</c>), the shorter
/// path first;</item>
/// <item>the token of a context object held by a property of <c>this</c> that a base class declares
/// (<c>Context.CancellationToken</c>).</item>
/// </list>
/// Not carriers (each a false pattern measured on the precision ledger's tune set):
/// <list type="bullet">
/// <item>a token member declared by the compilation itself: code that implements a context wires that context's token
/// its own way (a user action's token driving a server-side cancel, a call context's token that the library enforces by
/// aborting the request); carried tokens are for code that receives a referenced framework's context;</item>
/// <item>a disposable object (<c>IDisposable</c>, <c>IAsyncDisposable</c>): a resource whose token is its lifetime (a
/// connection's closed signal), not a caller's request;</item>
/// <item><c>this</c>'s own token members and the properties the type declares itself: a component's own state is its
/// lifetime or shutdown token, the main false pattern of the first precision pass; and a property whose value can be
/// this object itself;</item>
/// <item>a parameter the function stores (a context kept for later is a lifetime, not this call's cancellation);</item>
/// <item>an optional parameter, and any reference on the path not known to be non-null (nullable-enabled code, declared
/// not-null): <c>RequestOptions options = null</c> is routinely null, and the fix would write an access that throws;</item>
/// <item>types of the <c>System</c> namespaces, whose tokens are the token's own machinery or a report of it (a source's
/// or a registration's <c>Token</c>, <c>OperationCanceledException.CancellationToken</c>), and exceptions;</item>
/// <item>a type with two token members (<c>Stopping</c> and <c>Stopped</c>), and two carriers of the same rank: which one
/// is meant would be a guess, and the resolver then stays silent.</item>
/// </list>
/// </summary>
public static class TokenCarriers
{
    private const int MaxDepth = 2;

    /// <summary>The carried tokens of the best rank at <paramref name="operation"/> (several when ambiguous).</summary>
    public static TokenInScopeResult Find(IOperation operation, ISymbol? containingSymbol, WellKnownTypes types)
    {
        if (types.CancellationToken is null || operation.SemanticModel is not { } model)
        {
            return TokenInScopeResult.None;
        }

        var context = new Search(types, model, operation.Syntax.SpanStart, (containingSymbol as IMethodSymbol)?.ContainingType ?? containingSymbol?.ContainingType);
        if (context.Within is null)
        {
            return TokenInScopeResult.None;
        }

        var inner = TokenInScope.FromEnclosingFunctions(
            operation,
            context,
            static (function, crossedFunction, body, search) => FromParameters(function, crossedFunction, body, search),
            stops: null,
            out var blocked,
            out var crossedFunction);
        if (inner.HasToken || blocked)
        {
            return inner;
        }

        if (containingSymbol is IMethodSymbol member)
        {
            var found = FromParameters(member, crossedFunction, OperationWalk.Root(operation), context);
            if (found.HasToken)
            {
                return found;
            }

            if (!member.IsStatic && member.MethodKind != MethodKind.Constructor)
            {
                return FromThis(member.ContainingType, context);
            }
        }

        return TokenInScopeResult.None;
    }

    private static TokenInScopeResult FromParameters(IMethodSymbol function, bool crossedFunction, IOperation? body, Search context)
    {
        for (var depth = 1; depth <= MaxDepth; depth++)
        {
            ImmutableArray<TokenCandidate>.Builder? found = null;
            foreach (var parameter in function.Parameters)
            {
                if ((crossedFunction && parameter.RefKind != RefKind.None)
                    || parameter.RefKind == RefKind.Out
                    || parameter.HasExplicitDefaultValue
                    || !IsKnownNonNull(parameter.Type, parameter.NullableAnnotation)
                    || TokenInScope.IsToken(parameter.Type, context.Types)
                    || !IsCarrierType(parameter.Type, context)
                    || TokenExclusions.IsStoredToken(parameter, body)
                    || !context.BindsTo(parameter.Name, parameter))
                {
                    continue;
                }

                foreach (var path in Paths(parameter.Type, depth, context))
                {
                    (found ??= ImmutableArray.CreateBuilder<TokenCandidate>()).Add(
                        new TokenCandidate(TokenOrigin.ParameterMember, parameter, Text(TokenInScope.EscapedName(parameter.Name), path), path));
                }
            }

            if (found is not null)
            {
                return new TokenInScopeResult(found.ToImmutable());
            }
        }

        return TokenInScopeResult.None;
    }

    /// <summary><c>Context.CancellationToken</c>: a property of <c>this</c> (declared or inherited) whose type carries one token.</summary>
    private static TokenInScopeResult FromThis(INamedTypeSymbol type, Search context)
    {
        ImmutableArray<TokenCandidate>.Builder? found = null;
        var seen = new HashSet<string>();
        foreach (var member in Members(type))
        {
            // Only a context the base class hands down: what the type declares itself is its own state (its lifetime), and a
            // property whose value can be this object itself (ServerCallContext of a call context) reads this's own token.
            if (member is not IPropertySymbol property
                || !seen.Add(property.Name)
                || SymbolEqualityComparer.Default.Equals(property.ContainingType.OriginalDefinition, type.OriginalDefinition)
                || WellKnownTypes.IsOrImplements(type, property.Type.OriginalDefinition)
                || !IsReadableStep(property, type, context)
                || !IsCarrierType(property.Type, context))
            {
                continue;
            }

            foreach (var path in Paths(property.Type, 1, context))
            {
                var first = context.BindsTo(property.Name, property) ? TokenInScope.EscapedName(property.Name) : "this." + TokenInScope.EscapedName(property.Name);
                (found ??= ImmutableArray.CreateBuilder<TokenCandidate>()).Add(
                    new TokenCandidate(TokenOrigin.ThisMember, property, Text(first, path), path));
            }
        }

        return found is null ? TokenInScopeResult.None : new TokenInScopeResult(found.ToImmutable());
    }

    /// <summary>Member paths of exactly <paramref name="depth"/> steps from a value of <paramref name="type"/> to a token.</summary>
    private static List<ImmutableArray<ISymbol>> Paths(ITypeSymbol type, int depth, Search context)
    {
        var paths = new List<ImmutableArray<ISymbol>>();
        if (OwnsALifetime(type, context))
        {
            return paths;
        }

        var tokens = TokenMembers(type, context);
        if (depth == 1)
        {
            // A type with two token members (Stopping, Stopped): which one is meant would be a guess.
            if (tokens.Count == 1)
            {
                paths.Add(ImmutableArray.Create(tokens[0]));
            }
            else if (tokens.Count > 1)
            {
                paths.Add(ImmutableArray.Create(tokens[0]));
                paths.Add(ImmutableArray.Create(tokens[1]));
            }

            return paths;
        }

        if (tokens.Count > 0)
        {
            // The type carries its own token (found at depth 1, or ambiguous there): do not look past it.
            return paths;
        }

        var seen = new HashSet<string>();
        foreach (var member in Members(type))
        {
            if (member is not IPropertySymbol step
                || !seen.Add(step.Name)
                || !IsReadableStep(step, type, context)
                || SymbolEqualityComparer.Default.Equals(step.Type, type)
                || !IsCarrierType(step.Type, context))
            {
                continue;
            }

            foreach (var rest in Paths(step.Type, depth - 1, context))
            {
                paths.Add(ImmutableArray.Create<ISymbol>(step).AddRange(rest));
            }
        }

        return paths;
    }

    private static List<ISymbol> TokenMembers(ITypeSymbol type, Search context)
    {
        var tokens = new List<ISymbol>();
        var seen = new HashSet<string>();
        foreach (var member in Members(type))
        {
            var memberType = member switch
            {
                IPropertySymbol { IsIndexer: false, GetMethod: not null } property => property.Type,
                IFieldSymbol { IsImplicitlyDeclared: false } field => field.Type,
                _ => null,
            };
            if (member.IsStatic
                || !TokenInScope.IsToken(memberType, context.Types)
                || SymbolEqualityComparer.Default.Equals(member.ContainingAssembly, context.Model.Compilation.Assembly)
                || !context.IsAccessible(member, type)
                || (member is IPropertySymbol { GetMethod: { } getter } && !context.IsAccessible(getter, type))
                || !seen.Add(member.Name))
            {
                continue;
            }

            tokens.Add(member);
        }

        return tokens;
    }

    /// <summary>
    /// A disposable object (<c>IDisposable</c>, <c>IAsyncDisposable</c>) is a resource with a lifetime: its token is that
    /// lifetime (a connection's closed signal), not a caller's request.
    /// </summary>
    private static bool OwnsALifetime(ITypeSymbol type, Search context)
    {
        if (type is ITypeParameterSymbol parameter)
        {
            foreach (var constraint in parameter.ConstraintTypes)
            {
                if (OwnsALifetime(constraint, context))
                {
                    return true;
                }
            }

            return false;
        }

        if (type.SpecialType == SpecialType.System_IDisposable || WellKnownTypes.IsOrImplements(type, context.Types.Get(WellKnownTypeNames.IAsyncDisposable)))
        {
            return true;
        }

        foreach (var i in type.AllInterfaces)
        {
            if (i.SpecialType == SpecialType.System_IDisposable)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A property that can be read on the way to a token: an instance, non-indexer property whose value is not declared nullable.</summary>
    private static bool IsReadableStep(IPropertySymbol property, ITypeSymbol receiver, Search context) =>
        !property.IsStatic
        && !property.IsIndexer
        && property.GetMethod is { } getter
        && context.IsAccessible(property, receiver)
        && context.IsAccessible(getter, receiver)
        && IsKnownNonNull(property.Type, property.NullableAnnotation);

    /// <summary>
    /// A value the access path can read through without a null check: a non-nullable value type, or a reference declared
    /// not-null in nullable-enabled code. Oblivious references (nullable disabled) may be null (<c>RequestOptions options</c>
    /// is often passed as <c>null</c>): the fix would write an access that throws.
    /// </summary>
    private static bool IsKnownNonNull(ITypeSymbol type, NullableAnnotation annotation)
    {
        if (type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
        {
            return false;
        }

        if (type.IsValueType)
        {
            return true;
        }

        return annotation == NullableAnnotation.NotAnnotated;
    }

    /// <summary>
    /// A type whose token can be a caller's: not a type of the <c>System</c> namespaces (sources, registrations,
    /// exceptions, options of the framework), not an exception, not an <c>HttpContext</c> (its own rank).
    /// </summary>
    private static bool IsCarrierType(ITypeSymbol type, Search context)
    {
        if (type.SpecialType != SpecialType.None || type.TypeKind is TypeKind.Array or TypeKind.Pointer or TypeKind.Delegate or TypeKind.Enum or TypeKind.Dynamic)
        {
            return false;
        }

        if (type is ITypeParameterSymbol parameter)
        {
            foreach (var constraint in parameter.ConstraintTypes)
            {
                if (IsCarrierType(constraint, context))
                {
                    return true;
                }
            }

            return false;
        }

        if (IsSystemNamespace(type.ContainingNamespace)
            || WellKnownTypes.InheritsFrom(type, context.Types.Exception)
            || WellKnownTypes.InheritsFrom(type, context.Types.Get(WellKnownTypeNames.HttpContext)))
        {
            return false;
        }

        return true;
    }

    private static bool IsSystemNamespace(INamespaceSymbol? ns)
    {
        for (; ns is not null && !ns.IsGlobalNamespace; ns = ns.ContainingNamespace)
        {
            if (ns.ContainingNamespace is { IsGlobalNamespace: true } && ns.Name == "System")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Members of a type, its base types, and (for interfaces and type parameters) its interfaces and constraints.</summary>
    private static IEnumerable<ISymbol> Members(ITypeSymbol type)
    {
        if (type is ITypeParameterSymbol parameter)
        {
            foreach (var constraint in parameter.ConstraintTypes)
            {
                foreach (var member in Members(constraint))
                {
                    yield return member;
                }
            }

            yield break;
        }

        for (var current = type; current is not null; current = current.BaseType)
        {
            foreach (var member in current.GetMembers())
            {
                yield return member;
            }
        }

        if (type.TypeKind == TypeKind.Interface)
        {
            foreach (var inherited in type.AllInterfaces)
            {
                foreach (var member in inherited.GetMembers())
                {
                    yield return member;
                }
            }
        }
    }

    private static string Text(string root, ImmutableArray<ISymbol> path)
    {
        var text = root;
        foreach (var member in path)
        {
            text += "." + TokenInScope.EscapedName(member.Name);
        }

        return text;
    }

    private sealed class Search
    {
        public Search(WellKnownTypes types, SemanticModel model, int position, INamedTypeSymbol? within)
        {
            Types = types;
            Model = model;
            Position = position;
            Within = within;
        }

        public WellKnownTypes Types { get; }

        public SemanticModel Model { get; }

        public int Position { get; }

        public INamedTypeSymbol? Within { get; }

        public bool IsAccessible(ISymbol member, ITypeSymbol through) =>
            Within is not null && Model.Compilation.IsSymbolAccessibleWithin(member, Within, through is ITypeParameterSymbol ? null : through);

        /// <summary>True when <paramref name="name"/> written at the point binds to <paramref name="symbol"/> (not a local or parameter that hides it).</summary>
        public bool BindsTo(string name, ISymbol symbol)
        {
            var found = Model.LookupSymbols(Position, name: name);
            return found.Length == 1 && SymbolEqualityComparer.Default.Equals(found[0].OriginalDefinition, symbol.OriginalDefinition);
        }
    }
}

using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace ConcurrencyGuard.Analyzers;

/// <summary>How a call could receive a token it does not get.</summary>
public enum MissingTokenKind
{
    /// <summary>Another overload takes the same parameters plus one <c>CancellationToken</c>.</summary>
    Overload,

    /// <summary>An optional <c>CancellationToken</c> parameter is left at its default.</summary>
    OptionalParameter,

    /// <summary><c>await foreach</c> over an <c>IAsyncEnumerable&lt;T&gt;</c> without <c>WithCancellation</c>.</summary>
    AsyncEnumeration,
}

/// <summary>A call (or <c>await foreach</c>) that accepts a token it is not given, and where to write it.</summary>
public readonly struct MissingToken
{
    internal MissingToken(MissingTokenKind kind, IMethodSymbol? target, IParameterSymbol? parameter, int position)
    {
        Kind = kind;
        Target = target;
        Parameter = parameter;
        Position = position;
    }

    public MissingTokenKind Kind { get; }

    /// <summary>The method that would receive the token (the overload, or the called method); null for <c>await foreach</c>.</summary>
    public IMethodSymbol? Target { get; }

    /// <summary>The token parameter of <see cref="Target"/>.</summary>
    public IParameterSymbol? Parameter { get; }

    /// <summary>Index in the written argument list where a positional token argument goes, or -1 when it must be a named argument.</summary>
    public int Position { get; }
}

/// <summary>
/// "Does this call accept a token it is not given?", shared by CG2001 (report it), CG2005 (an API whose
/// awaited calls accept a token) and their fixes. Overload lookups are cached per compilation.
/// </summary>
public static class TokenForwarding
{
    /// <summary>Diagnostic property: the parameter name of the token to add (named-argument form).</summary>
    public const string ParameterNameProperty = "cg.param";

    /// <summary>Diagnostic property: the argument index for a positional token, or -1 for a named argument.</summary>
    public const string PositionProperty = "cg.position";

    /// <summary>Diagnostic property: the <see cref="MissingTokenKind"/>.</summary>
    public const string KindProperty = "cg.kind";

    private static readonly ConditionalWeakTable<Compilation, ConcurrentDictionary<IMethodSymbol, OverloadEntry>> OverloadCache = new();

    /// <summary>
    /// True when <paramref name="invocation"/> passes no <c>CancellationToken</c> but could: an optional
    /// token parameter is left at its default, or an overload takes one more token. An optional token of an
    /// async iterator (<c>[EnumeratorCancellation]</c>) counts only when the call is enumerated directly
    /// by <c>await foreach</c>: otherwise the token may arrive through <c>WithCancellation</c>.
    /// </summary>
    public static bool TryGetMissingToken(IInvocationOperation invocation, WellKnownTypes types, out MissingToken missing)
    {
        missing = default;
        var tokenType = types.CancellationToken;
        var method = invocation.TargetMethod;
        if (tokenType is null || method is null || invocation.Syntax is not InvocationExpressionSyntax syntax)
        {
            return false;
        }

        IArgumentOperation? defaulted = null;
        var omittedBefore = false;
        foreach (var argument in invocation.Arguments)
        {
            var parameter = argument.Parameter;
            if (parameter is null)
            {
                return false;
            }

            var isToken = SymbolEqualityComparer.Default.Equals(parameter.Type, tokenType);
            if (argument.ArgumentKind == ArgumentKind.DefaultValue)
            {
                if (isToken && defaulted is null)
                {
                    defaulted = argument;
                }
                else if (defaulted is null)
                {
                    omittedBefore = true;
                }
            }
            else if (isToken)
            {
                return false;
            }
        }

        var offset = IsReducedExtensionCall(invocation, syntax) ? 1 : 0;
        if (defaulted is not null)
        {
            var parameter = defaulted.Parameter!;
            if (HasEnumeratorCancellation(parameter, types) && !IsEnumeratedDirectly(invocation))
            {
                return false;
            }

            // f(x, later: true) names an argument past the token: the token was skipped on purpose.
            foreach (var argument in invocation.Arguments)
            {
                if (argument.ArgumentKind == ArgumentKind.Explicit && argument.Parameter!.Ordinal > parameter.Ordinal)
                {
                    return false;
                }
            }

            var position = PositionalIndex(syntax, parameter.Ordinal - offset, omittedBefore);
            missing = new MissingToken(MissingTokenKind.OptionalParameter, method, parameter, position);
            return true;
        }

        var overload = FindOverload(method, invocation.SemanticModel?.Compilation ?? types.Compilation, types);
        if (overload.Method is null)
        {
            return false;
        }

        var containing = invocation.SemanticModel?.GetEnclosingSymbol(syntax.SpanStart)?.ContainingType;
        if (containing is not null && !types.Compilation.IsSymbolAccessibleWithin(overload.Method.OriginalDefinition, containing))
        {
            return false;
        }

        var target = overload.Method;
        if (target.IsGenericMethod && method.IsGenericMethod && !SymbolEqualityComparer.Default.Equals(method, method.OriginalDefinition))
        {
            target = target.OriginalDefinition.Construct(System.Linq.Enumerable.ToArray(method.TypeArguments));
        }

        var tokenParameter = target.Parameters[overload.TokenIndex];
        missing = new MissingToken(MissingTokenKind.Overload, target, tokenParameter, PositionalIndex(syntax, overload.TokenIndex - offset, omittedBefore));
        return true;
    }

    /// <summary>
    /// True when an <c>await foreach</c> enumerates an <c>IAsyncEnumerable&lt;T&gt;</c> that gets no token:
    /// no <c>.WithCancellation(...)</c> in its chain, and not a call that takes (or could take) one itself
    /// (that call is reported by <see cref="TryGetMissingToken"/> instead).
    /// </summary>
    public static bool IsEnumeratedWithoutToken(IForEachLoopOperation loop, WellKnownTypes types)
    {
        if (!loop.IsAsynchronous)
        {
            return false;
        }

        var enumerable = types.Get(WellKnownTypeNames.IAsyncEnumerableOfT);
        if (enumerable is null || types.CancellationToken is null)
        {
            return false;
        }

        var expression = Unwrap(loop.Collection);
        while (expression is IInvocationOperation invocation)
        {
            var name = invocation.TargetMethod.Name;
            if (name == "WithCancellation")
            {
                return false;
            }

            if (name == "ConfigureAwait" && types.Is(invocation.TargetMethod.ContainingType, WellKnownTypeNames.TaskAsyncEnumerableExtensions))
            {
                expression = Unwrap(invocation.Instance ?? (invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : null));
                continue;
            }

            break;
        }

        if (expression is null || !WellKnownTypes.IsOrImplements(expression.Type, enumerable))
        {
            return false;
        }

        if (expression is IInvocationOperation call)
        {
            // The call takes a token already, or is reported itself (optional token / overload).
            foreach (var parameter in call.TargetMethod.Parameters)
            {
                if (SymbolEqualityComparer.Default.Equals(parameter.Type, types.CancellationToken))
                {
                    return false;
                }
            }

            if (FindOverload(call.TargetMethod, types.Compilation, types).Method is not null)
            {
                return false;
            }
        }

        if (expression is ILocalReferenceOperation local && InitializerPassesToken(local.Local, loop.SemanticModel, types))
        {
            return false;
        }

        return true;
    }

    private static IOperation? Unwrap(IOperation? operation) => OperationWalk.StripOrNull(operation, Wrappers.ImplicitConversions | Wrappers.Parentheses);

    /// <summary><c>var items = source.ReadAllAsync(ct);</c>: the local's initializer call already got a token.</summary>
    private static bool InitializerPassesToken(ILocalSymbol local, SemanticModel? model, WellKnownTypes types)
    {
        if (model is null)
        {
            return false;
        }

        foreach (var reference in local.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is VariableDeclaratorSyntax { Initializer.Value: InvocationExpressionSyntax value }
                && value.SyntaxTree == model.SyntaxTree
                && model.GetOperation(value) is IInvocationOperation invocation)
            {
                foreach (var argument in invocation.Arguments)
                {
                    if (argument.ArgumentKind != ArgumentKind.DefaultValue && SymbolEqualityComparer.Default.Equals(argument.Parameter?.Type, types.CancellationToken))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private static bool IsReducedExtensionCall(IInvocationOperation invocation, InvocationExpressionSyntax syntax)
    {
        if (!invocation.TargetMethod.IsExtensionMethod || invocation.Arguments.Length == 0)
        {
            return false;
        }

        var first = invocation.Arguments[0];
        return first.Parameter?.Ordinal == 0 && !syntax.ArgumentList.Span.Contains(first.Syntax.Span);
    }

    private static int PositionalIndex(InvocationExpressionSyntax syntax, int index, bool omittedBefore)
    {
        if (omittedBefore)
        {
            return -1;
        }

        var arguments = syntax.ArgumentList.Arguments;
        foreach (var argument in arguments)
        {
            if (argument.NameColon is not null)
            {
                return -1;
            }
        }

        return index == arguments.Count ? index : -1;
    }

    private static bool HasEnumeratorCancellation(IParameterSymbol parameter, WellKnownTypes types)
    {
        var attribute = types.Get(WellKnownTypeNames.EnumeratorCancellationAttribute);
        if (attribute is null)
        {
            return false;
        }

        foreach (var data in parameter.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(data.AttributeClass, attribute))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsEnumeratedDirectly(IInvocationOperation invocation)
    {
        var parent = OperationWalk.ParentSkipping(invocation, Wrappers.ConversionsAndParentheses);

        return parent is IForEachLoopOperation { IsAsynchronous: true };
    }

    private readonly struct OverloadEntry
    {
        public OverloadEntry(IMethodSymbol? method, int tokenIndex)
        {
            Method = method;
            TokenIndex = tokenIndex;
        }

        public IMethodSymbol? Method { get; }

        public int TokenIndex { get; }
    }

    /// <summary>
    /// An overload of <paramref name="method"/> (same name and type, or a base type; for extension methods
    /// the same static class) with the same parameters plus one <c>CancellationToken</c>, the same
    /// return type and static-ness, not obsolete. Cached per compilation.
    /// </summary>
    private static OverloadEntry FindOverload(IMethodSymbol method, Compilation compilation, WellKnownTypes types)
    {
        var definition = (method.ReducedFrom ?? method).OriginalDefinition;
        var cache = OverloadCache.GetValue(compilation, static _ => new ConcurrentDictionary<IMethodSymbol, OverloadEntry>(SymbolEqualityComparer.Default));
        return cache.GetOrAdd(definition, d => Search(d, types));
    }

    private static OverloadEntry Search(IMethodSymbol method, WellKnownTypes types)
    {
        var tokenType = types.CancellationToken!;
        var obsolete = types.Get(WellKnownTypeNames.ObsoleteAttribute);
        for (var type = method.ContainingType; type is not null; type = method.IsStatic ? null : type.BaseType)
        {
            foreach (var member in type.GetMembers(method.Name))
            {
                if (member is not IMethodSymbol candidate
                    || candidate.Parameters.Length != method.Parameters.Length + 1
                    || candidate.IsStatic != method.IsStatic
                    || candidate.TypeParameters.Length != method.TypeParameters.Length
                    || candidate.DeclaredAccessibility == Accessibility.Private && !SymbolEqualityComparer.Default.Equals(candidate.ContainingType, method.ContainingType)
                    || IsObsolete(candidate, obsolete))
                {
                    continue;
                }

                var index = MatchWithOneMoreToken(method, candidate, tokenType);
                if (index >= 0)
                {
                    return new OverloadEntry(candidate, index);
                }
            }
        }

        return default;
    }

    private static int MatchWithOneMoreToken(IMethodSymbol method, IMethodSymbol candidate, INamedTypeSymbol tokenType)
    {
        if (!SameType(method.ReturnType, candidate.ReturnType, method, candidate))
        {
            return -1;
        }

        var tokenIndex = -1;
        for (int i = 0, j = 0; j < candidate.Parameters.Length; j++)
        {
            var c = candidate.Parameters[j];
            if (tokenIndex < 0 && SymbolEqualityComparer.Default.Equals(c.Type, tokenType)
                && (i == method.Parameters.Length || !SymbolEqualityComparer.Default.Equals(method.Parameters[i].Type, tokenType)))
            {
                tokenIndex = j;
                continue;
            }

            if (i >= method.Parameters.Length)
            {
                return -1;
            }

            var m = method.Parameters[i++];
            if (m.RefKind != c.RefKind || m.IsParams != c.IsParams || !SameType(m.Type, c.Type, method, candidate))
            {
                return -1;
            }
        }

        return tokenIndex;
    }

    /// <summary>Type equality where the two methods' own type parameters correspond by ordinal.</summary>
    private static bool SameType(ITypeSymbol a, ITypeSymbol b, IMethodSymbol aOwner, IMethodSymbol bOwner)
    {
        if (SymbolEqualityComparer.Default.Equals(a, b))
        {
            return true;
        }

        switch (a)
        {
            case ITypeParameterSymbol ta when b is ITypeParameterSymbol tb:
                return ta.TypeParameterKind == TypeParameterKind.Method && tb.TypeParameterKind == TypeParameterKind.Method
                    && SymbolEqualityComparer.Default.Equals(ta.DeclaringMethod, aOwner) && SymbolEqualityComparer.Default.Equals(tb.DeclaringMethod, bOwner)
                    && ta.Ordinal == tb.Ordinal;
            case IArrayTypeSymbol aa when b is IArrayTypeSymbol ab:
                return aa.Rank == ab.Rank && SameType(aa.ElementType, ab.ElementType, aOwner, bOwner);
            case INamedTypeSymbol na when b is INamedTypeSymbol nb && na.IsGenericType && nb.IsGenericType:
                if (!SymbolEqualityComparer.Default.Equals(na.OriginalDefinition, nb.OriginalDefinition) || na.TypeArguments.Length != nb.TypeArguments.Length)
                {
                    return false;
                }

                for (var i = 0; i < na.TypeArguments.Length; i++)
                {
                    if (!SameType(na.TypeArguments[i], nb.TypeArguments[i], aOwner, bOwner))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return false;
        }
    }

    private static bool IsObsolete(IMethodSymbol method, INamedTypeSymbol? obsolete)
    {
        if (obsolete is null)
        {
            return false;
        }

        foreach (var attribute in method.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, obsolete))
            {
                return true;
            }
        }

        return false;
    }
}

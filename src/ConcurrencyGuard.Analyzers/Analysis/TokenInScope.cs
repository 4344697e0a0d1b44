using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis.CSharp;

namespace ConcurrencyGuard.Analyzers;

/// <summary>Where a token in scope comes from; also its rank (lower wins).</summary>
public enum TokenOrigin
{
    /// <summary>A <c>CancellationToken</c> parameter of the enclosing method, lambda or local function.</summary>
    Parameter = 0,

    /// <summary>The <c>stoppingToken</c> parameter of an override of <c>BackgroundService.ExecuteAsync</c>.</summary>
    StoppingToken = 1,

    /// <summary><c>context.RequestAborted</c> of an <c>HttpContext</c> parameter (minimal-API handler, middleware).</summary>
    HandlerRequestAborted = 2,

    /// <summary><c>HttpContext.RequestAborted</c> inside an ASP.NET Core controller (<c>ControllerBase</c>).</summary>
    ControllerRequestAborted = 3,

    /// <summary><c>cts.Token</c> of a <c>CancellationTokenSource</c> local declared before the point.</summary>
    LocalSource = 4,

    /// <summary>
    /// A <c>CancellationToken</c> property or field of a parameter, directly or one property deeper
    /// (<c>context.CancellationToken</c>, <c>request.Options.CancelToken</c>); only when asked for
    /// (<see cref="TokenInScope.Find(IOperation, ISymbol?, WellKnownTypes, bool)"/>), below every origin above.
    /// </summary>
    ParameterMember = 5,

    /// <summary>The token of a context object held by a property of <c>this</c> (<c>Context.CancellationToken</c>); only when asked for.</summary>
    ThisMember = 6,
}

/// <summary>One token the code at a point could pass on, and the C# expression that names it there.</summary>
public sealed class TokenCandidate
{
    internal TokenCandidate(TokenOrigin origin, ISymbol? symbol, string expressionText, ImmutableArray<ISymbol> path = default)
    {
        Origin = origin;
        Symbol = symbol;
        ExpressionText = expressionText;
        Path = path.IsDefault ? ImmutableArray<ISymbol>.Empty : path;
    }

    public TokenOrigin Origin { get; }

    /// <summary>The parameter (token or <c>HttpContext</c>), or the <c>CancellationTokenSource</c> local; null for a controller's <c>HttpContext</c>.</summary>
    public ISymbol? Symbol { get; }

    /// <summary>The expression to write at the point: <c>ct</c>, <c>context.RequestAborted</c>, <c>HttpContext.RequestAborted</c>, <c>cts.Token</c>.</summary>
    public string ExpressionText { get; }

    /// <summary>
    /// For a token carried by a context object: the members read after <see cref="Symbol"/>, the token member last
    /// (<c>Options</c>, <c>CancelToken</c> of <c>request.Options.CancelToken</c>); empty otherwise.
    /// </summary>
    public ImmutableArray<ISymbol> Path { get; }

    /// <summary>True for a token carried by a context object (<see cref="TokenOrigin.ParameterMember"/>, <see cref="TokenOrigin.ThisMember"/>).</summary>
    public bool IsCarried => Origin is TokenOrigin.ParameterMember or TokenOrigin.ThisMember;

    public override string ToString() => ExpressionText;
}

/// <summary>
/// The answer of <see cref="TokenInScope"/>: no token, exactly one (safe to write into code), or an
/// ambiguity between candidates of equal rank (report, but offer no fix: we never guess).
/// </summary>
public readonly struct TokenInScopeResult
{
    public static readonly TokenInScopeResult None = new(ImmutableArray<TokenCandidate>.Empty);

    internal TokenInScopeResult(ImmutableArray<TokenCandidate> candidates) => Candidates = candidates;

    /// <summary>The candidates of the best rank found (one, or several when ambiguous); empty when none.</summary>
    public ImmutableArray<TokenCandidate> Candidates { get; }

    /// <summary>True when at least one token is in scope (rules report on this).</summary>
    public bool HasToken => !Candidates.IsDefaultOrEmpty;

    /// <summary>True when two or more candidates share the best rank: report, but offer no fix.</summary>
    public bool IsAmbiguous => !Candidates.IsDefault && Candidates.Length > 1;

    /// <summary>The token to write into code, or null when there is none or it would be a guess.</summary>
    public TokenCandidate? Token => !Candidates.IsDefault && Candidates.Length == 1 ? Candidates[0] : null;

    /// <summary>What a diagnostic message can call it: <c>'ct'</c>, or <c>'a' or 'b'</c> when ambiguous.</summary>
    public string DisplayText
    {
        get
        {
            if (!HasToken)
            {
                return string.Empty;
            }

            var parts = new List<string>();
            foreach (var c in Candidates)
            {
                parts.Add("'" + c.ExpressionText + "'");
            }

            return string.Join(" or ", parts);
        }
    }

    /// <summary>
    /// Diagnostic properties carrying the token to a code fix (<see cref="TokenInScope.TokenProperty"/>);
    /// the property is absent when the result is ambiguous, which is how fixers know not to offer a fix.
    /// </summary>
    public ImmutableDictionary<string, string?> ToProperties(ImmutableDictionary<string, string?>? start = null)
    {
        var properties = start ?? ImmutableDictionary<string, string?>.Empty;
        return Token is { } token ? properties.SetItem(TokenInScope.TokenProperty, token.ExpressionText) : properties;
    }
}

/// <summary>
/// The shared "token in scope" resolver of the cancellation family (also used by the HTTP and blocking
/// families' fixes). At a point in code, a token in scope is, by rank:
/// <list type="number">
/// <item>a <c>CancellationToken</c> parameter of the nearest enclosing lambda, local function or method
/// that has one (an override of <c>BackgroundService.ExecuteAsync</c> gives its <c>stoppingToken</c>);</item>
/// <item>in a function without a token parameter but with an <c>HttpContext</c> parameter (minimal-API
/// handler, middleware), <c>context.RequestAborted</c>;</item>
/// <item>in an instance member of an ASP.NET Core controller (<c>ControllerBase</c>), <c>HttpContext.RequestAborted</c>;</item>
/// <item>the <c>Token</c> of a <c>CancellationTokenSource</c> local declared earlier in an enclosing block;</item>
/// <item>only for callers that ask (CG2001), a token carried by a context object: <c>context.CancellationToken</c> of a
/// parameter, <c>request.Options.CancelToken</c>, <c>Context.CancellationToken</c> of a base class's property
/// (<see cref="TokenCarriers"/>, with its exemptions).</item>
/// </list>
/// Functions are searched from the nearest outwards, and the first one that has a token or an
/// <c>HttpContext</c> parameter decides: an inner lambda's own token hides the method's. Two candidates of
/// the same rank at the same level (two token parameters, two sources) make the result ambiguous: rules
/// still report, fixes are not offered. <c>CancellationToken?</c> parameters are not candidates (passing
/// one does not compile). Nothing is in scope inside a callback given to <c>CancellationToken.Register</c>
/// (the outer token is already cancelled when it runs) or across a <c>static</c> lambda or local function
/// (it cannot capture), and <c>ref</c>/<c>out</c>/<c>in</c> parameters are not carried into nested functions.
/// </summary>
/// <remarks>
/// Analyzers call <see cref="Find(IOperation, ISymbol?, WellKnownTypes)"/> with the operation and
/// <c>context.ContainingSymbol</c>; they put <see cref="TokenInScopeResult.ToProperties"/> on the
/// diagnostic, and the fixer reads <see cref="TokenProperty"/> back (<see cref="TryGetTokenExpression"/>).
/// Fixers of rules whose analyzer does not carry the property call
/// <see cref="Find(SemanticModel, SyntaxNode, CancellationToken)"/> at the node they edit.
/// Cost: a walk up the parent chain; the local-source fallback reads the declarations of enclosing
/// blocks only when nothing of a higher rank was found. Call it after the rule's cheaper checks.
/// </remarks>
public static class TokenInScope
{
    /// <summary>Diagnostic property holding the token expression text (absent when ambiguous).</summary>
    public const string TokenProperty = "cg.token";

    /// <summary>The token in scope at <paramref name="operation"/>, whose member is <paramref name="containingSymbol"/>.</summary>
    public static TokenInScopeResult Find(IOperation operation, ISymbol? containingSymbol, WellKnownTypes types) =>
        Find(operation, containingSymbol, types, includeCarried: false);

    /// <summary>
    /// The token in scope at <paramref name="operation"/>; with <paramref name="includeCarried"/>, when no token of the
    /// ranks above is in scope, also a token carried by a context object (<see cref="TokenCarriers"/>):
    /// <c>context.CancellationToken</c> of a parameter, <c>request.Options.CancelToken</c>, <c>Context.CancellationToken</c>
    /// of a property of <c>this</c>. Two carried candidates of the same rank give <see cref="TokenInScopeResult.None"/>: a
    /// carried token is never reported as an ambiguity, the resolver stays silent.
    /// </summary>
    public static TokenInScopeResult Find(IOperation operation, ISymbol? containingSymbol, WellKnownTypes types, bool includeCarried)
    {
        var direct = FindDirect(operation, containingSymbol, types, out var blocked);
        if (direct.HasToken || blocked || !includeCarried || CleanupCode.IsInCleanupCode(operation))
        {
            return direct;
        }

        // Never guessed; never given to a call that stops or disposes the object that carries it.
        var carried = TokenCarriers.Find(operation, containingSymbol, types);
        return carried.IsAmbiguous || (operation is IInvocationOperation call && TokenExclusions.EndsTokenOwner(call, carried.Token))
            ? TokenInScopeResult.None
            : carried;
    }

    /// <summary>
    /// Asks the lambdas and local functions around <paramref name="operation"/>, innermost first, for a token
    /// (<paramref name="fromFunction"/>: the function, whether the operation sits in a nested function, its body) and
    /// returns the first found. <paramref name="blocked"/>: no outer token may be used: a static function sits between
    /// the operation and it (nothing is captured), or <paramref name="stops"/> said so after a function without one.
    /// <paramref name="crossedFunction"/>: the operation sits inside at least one such function (the containing
    /// member's token is then a captured one). Static lambdas keep the walk allocation-free.
    /// </summary>
    internal static TokenInScopeResult FromEnclosingFunctions<TState>(
        IOperation operation,
        TState state,
        System.Func<IMethodSymbol, bool, IOperation, TState, TokenInScopeResult> fromFunction,
        System.Func<IOperation, TState, bool>? stops,
        out bool blocked,
        out bool crossedFunction)
    {
        blocked = false;
        crossedFunction = false;
        var canCapture = true;
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            if (FunctionContext.FunctionSymbol(current) is not { } function)
            {
                continue;
            }

            if (crossedFunction && !canCapture)
            {
                blocked = true;
                return TokenInScopeResult.None;
            }

            var found = fromFunction(function, crossedFunction, current, state);
            if (found.HasToken)
            {
                return found;
            }

            if (stops is not null && stops(current, state))
            {
                blocked = true;
                return TokenInScopeResult.None;
            }

            canCapture = !function.IsStatic;
            crossedFunction = true;
        }

        blocked = crossedFunction && !canCapture;
        return TokenInScopeResult.None;
    }

    private static TokenInScopeResult FindDirect(IOperation operation, ISymbol? containingSymbol, WellKnownTypes types, out bool blocked)
    {
        blocked = false;
        var tokenType = types.CancellationToken;
        if (tokenType is null)
        {
            return TokenInScopeResult.None;
        }

        var httpContextType = types.Get(WellKnownTypeNames.HttpContext);
        var state = (tokenType, httpContextType, types);
        var inner = FromEnclosingFunctions(
            operation,
            state,
            static (function, crossedFunction, body, s) => FromParameters(function, s.tokenType, s.httpContextType, crossedFunction, body),
            static (function, s) => function is IAnonymousFunctionOperation && IsCancellationCallback(function, s.types),
            out blocked,
            out var crossedFunction);
        if (inner.HasToken || blocked)
        {
            return inner;
        }

        var member = containingSymbol as IMethodSymbol;
        if (member is not null)
        {
            var found = FromParameters(member, tokenType, httpContextType, crossedFunction, OperationWalk.Root(operation));
            if (found.HasToken)
            {
                return found;
            }

            if (!member.IsStatic
                && WellKnownTypes.InheritsFrom(member.ContainingType, types.Get(WellKnownTypeNames.ControllerBase)))
            {
                return Single(new TokenCandidate(TokenOrigin.ControllerRequestAborted, null, "HttpContext.RequestAborted"));
            }
        }

        return FromLocalSources(operation, types);
    }

    /// <summary>
    /// The token in scope at a syntax node, for code fixes: finds the node's operation and its member.
    /// Returns <see cref="TokenInScopeResult.None"/> when the node has no operation.
    /// </summary>
    public static TokenInScopeResult Find(SemanticModel model, SyntaxNode node, CancellationToken cancellationToken) =>
        Find(model, node, includeCarried: false, cancellationToken);

    /// <summary>As <see cref="Find(SemanticModel, SyntaxNode, CancellationToken)"/>, optionally with carried tokens (see <see cref="Find(IOperation, ISymbol?, WellKnownTypes, bool)"/>).</summary>
    public static TokenInScopeResult Find(SemanticModel model, SyntaxNode node, bool includeCarried, CancellationToken cancellationToken)
    {
        var types = WellKnownTypes.GetOrCreate(model.Compilation);
        for (var n = node; n is not null; n = n.Parent)
        {
            var operation = model.GetOperation(n, cancellationToken);
            if (operation is not null)
            {
                return Find(operation, GetContainingMember(model, n, cancellationToken), types, includeCarried);
            }

            if (n is StatementSyntax or MemberDeclarationSyntax)
            {
                break;
            }
        }

        return TokenInScopeResult.None;
    }

    /// <summary>The token expression a diagnostic carries for its fix, parsed; false when the finding was ambiguous.</summary>
    public static bool TryGetTokenExpression(Diagnostic diagnostic, out ExpressionSyntax expression)
    {
        if (diagnostic.Properties.TryGetValue(TokenProperty, out var text) && !string.IsNullOrEmpty(text))
        {
            expression = SyntaxFactory.ParseExpression(text!);
            return true;
        }

        expression = null!;
        return false;
    }

    /// <summary>True when <paramref name="type"/> is <c>CancellationToken</c> (not nullable).</summary>
    public static bool IsToken(ITypeSymbol? type, WellKnownTypes types) =>
        type is not null && types.CancellationToken is not null && SymbolEqualityComparer.Default.Equals(type, types.CancellationToken);

    private static TokenInScopeResult FromParameters(IMethodSymbol function, INamedTypeSymbol tokenType, INamedTypeSymbol? httpContextType, bool crossedFunction, IOperation? body)
    {
        ImmutableArray<TokenCandidate>.Builder? tokens = null;
        ImmutableArray<TokenCandidate>.Builder? contexts = null;
        var origin = IsBackgroundServiceExecute(function) ? TokenOrigin.StoppingToken : TokenOrigin.Parameter;
        foreach (var parameter in function.Parameters)
        {
            if (crossedFunction && parameter.RefKind != RefKind.None)
            {
                continue;
            }

            if (SymbolEqualityComparer.Default.Equals(parameter.Type, tokenType))
            {
                // SetCancelToken(CancellationToken token) { _parent = token; }: the token is the value the method stores.
                if (TokenExclusions.IsStoredToken(parameter, body))
                {
                    continue;
                }

                (tokens ??= ImmutableArray.CreateBuilder<TokenCandidate>()).Add(new TokenCandidate(origin, parameter, EscapedName(parameter.Name)));
            }
            else if (httpContextType is not null && WellKnownTypes.InheritsFrom(parameter.Type, httpContextType))
            {
                (contexts ??= ImmutableArray.CreateBuilder<TokenCandidate>()).Add(new TokenCandidate(TokenOrigin.HandlerRequestAborted, parameter, EscapedName(parameter.Name) + ".RequestAborted"));
            }
        }

        if (tokens is not null)
        {
            return new TokenInScopeResult(tokens.ToImmutable());
        }

        return contexts is not null ? new TokenInScopeResult(contexts.ToImmutable()) : TokenInScopeResult.None;
    }

    /// <summary>A lambda passed to <c>CancellationToken.Register</c>; shared with <see cref="TokenCarriers"/>.</summary>
    internal static bool IsCancellationCallbackLambda(IOperation lambda, WellKnownTypes types) => IsCancellationCallback(lambda, types);

    private static bool IsBackgroundServiceExecute(IMethodSymbol function)
    {
        if (function.Name != "ExecuteAsync" || !function.IsOverride)
        {
            return false;
        }

        for (var m = function.OverriddenMethod; m is not null; m = m.OverriddenMethod)
        {
            if (m.ContainingType?.ToDisplayString() == WellKnownTypeNames.BackgroundService)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A lambda passed to <c>CancellationToken.Register</c>/<c>UnsafeRegister</c>: it runs once the token is cancelled.</summary>
    private static bool IsCancellationCallback(IOperation lambda, WellKnownTypes types)
    {
        var current = OperationWalk.ParentSkipping(lambda, Wrappers.Conversions | Wrappers.DelegateCreations);

        return current is IArgumentOperation { Parent: IInvocationOperation invocation }
            && invocation.TargetMethod.Name is "Register" or "UnsafeRegister"
            && SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, types.CancellationToken);
    }

    /// <summary>
    /// <c>CancellationTokenSource</c> locals declared before the point in the blocks that enclose it,
    /// up to the containing member (crossing non-static lambdas, which capture them).
    /// </summary>
    private static TokenInScopeResult FromLocalSources(IOperation operation, WellKnownTypes types)
    {
        var sourceType = types.Get(WellKnownTypeNames.CancellationTokenSource);
        var model = operation.SemanticModel;
        if (sourceType is null || model is null)
        {
            return TokenInScopeResult.None;
        }

        ImmutableArray<TokenCandidate>.Builder? found = null;
        var result = FromLocalSourceDeclarations(operation, model, sourceType, ref found);
        if (!result.HasToken)
        {
            return result;
        }

        // cts.Cancel(); ... Wait(cts.Token): the token of a source this code already cancelled ends the wait at once.
        var live = ImmutableArray.CreateBuilder<TokenCandidate>();
        foreach (var candidate in result.Candidates)
        {
            if (candidate.Symbol is not ILocalSymbol local || !TokenExclusions.IsCancelledBefore(local, operation))
            {
                live.Add(candidate);
            }
        }

        return live.Count == 0 ? TokenInScopeResult.None : new TokenInScopeResult(live.ToImmutable());
    }

    private static TokenInScopeResult FromLocalSourceDeclarations(IOperation operation, SemanticModel model, INamedTypeSymbol sourceType, ref ImmutableArray<TokenCandidate>.Builder? found)
    {
        SyntaxNode? child = operation.Syntax;
        for (var node = child.Parent; node is not null; child = node, node = node.Parent)
        {
            switch (node)
            {
                case BlockSyntax block:
                    foreach (var statement in block.Statements)
                    {
                        if (statement.SpanStart >= child.SpanStart)
                        {
                            break;
                        }

                        if (statement is LocalDeclarationStatementSyntax declaration)
                        {
                            AddSources(declaration.Declaration, model, sourceType, ref found);
                        }
                    }

                    break;
                case UsingStatementSyntax { Declaration: { } declaration } usingStatement when usingStatement.Statement == child:
                    AddSources(declaration, model, sourceType, ref found);
                    break;
                case CompilationUnitSyntax unit:
                    foreach (var member in unit.Members)
                    {
                        if (member.SpanStart >= child.SpanStart)
                        {
                            break;
                        }

                        if (member is GlobalStatementSyntax { Statement: LocalDeclarationStatementSyntax declaration })
                        {
                            AddSources(declaration.Declaration, model, sourceType, ref found);
                        }
                    }

                    break;
                case AnonymousFunctionExpressionSyntax lambda when lambda.Modifiers.Any(SyntaxKind.StaticKeyword):
                case LocalFunctionStatementSyntax local when local.Modifiers.Any(SyntaxKind.StaticKeyword):
                    return Result(found);
                case MemberDeclarationSyntax:
                    return Result(found);
            }

            if (found is not null)
            {
                // The innermost block with a source decides, as for parameters.
                return Result(found);
            }
        }

        return Result(found);
    }

    private static void AddSources(VariableDeclarationSyntax declaration, SemanticModel model, INamedTypeSymbol sourceType, ref ImmutableArray<TokenCandidate>.Builder? found)
    {
        foreach (var variable in declaration.Variables)
        {
            if (variable.Initializer is null)
            {
                continue;
            }

            if (model.GetDeclaredSymbol(variable) is ILocalSymbol local && WellKnownTypes.InheritsFrom(local.Type, sourceType))
            {
                (found ??= ImmutableArray.CreateBuilder<TokenCandidate>()).Add(new TokenCandidate(TokenOrigin.LocalSource, local, EscapedName(local.Name) + ".Token"));
            }
        }
    }

    private static TokenInScopeResult Result(ImmutableArray<TokenCandidate>.Builder? found) =>
        found is null ? TokenInScopeResult.None : new TokenInScopeResult(found.ToImmutable());

    private static TokenInScopeResult Single(TokenCandidate candidate) => new(ImmutableArray.Create(candidate));

    private static ISymbol? GetContainingMember(SemanticModel model, SyntaxNode node, CancellationToken cancellationToken)
    {
        var symbol = model.GetEnclosingSymbol(node.SpanStart, cancellationToken);
        while (symbol is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction or MethodKind.LocalFunction })
        {
            symbol = symbol.ContainingSymbol;
        }

        return symbol;
    }

    internal static string EscapedName(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
}

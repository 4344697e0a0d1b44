using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace ConcurrencyGuard.Analyzers.Cancellation;

/// <summary>
/// CG2005: an externally visible method returning <c>Task</c>/<c>ValueTask</c>/<c>IAsyncEnumerable&lt;T&gt;</c>
/// with no way to receive a token (no token parameter, no parameter that carries one such as
/// <c>HttpContext</c>) that awaits calls which accept one. Not for signatures the author does not own
/// or that the framework calls: overrides, interface implementations, event handlers, <c>Main</c>,
/// <c>Dispose</c>/<c>DisposeAsync</c>, controller, Razor Page and SignalR hub methods, test methods.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UncancellableAsyncApiAnalyzer : ConcurrencyGuardAnalyzer
{
    /// <summary>Diagnostic property: the method is an async iterator (the new parameter needs <c>[EnumeratorCancellation]</c>).</summary>
    public const string IteratorProperty = "cg.iterator";

    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.UncancellableAsyncApi,
        title: "Public async API cannot be cancelled",
        messageFormat: "'{0}' awaits '{1}', which accepts a CancellationToken, but its callers have no way to pass one",
        DiagnosticSeverity.Info,
        description: "An async API without a CancellationToken parameter cuts every caller's token off from the work below it: the caller can cancel, the work cannot notice. Add 'CancellationToken cancellationToken = default' as the last parameter and pass it on.");

    private static readonly ImmutableHashSet<string> TestAttributes = ImmutableHashSet.Create(
        "FactAttribute", "TheoryAttribute", "TestAttribute", "TestMethodAttribute", "TestCaseAttribute", "DataTestMethodAttribute", "TestCaseSourceAttribute");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        if (types.CancellationToken is null || types.Task is null)
        {
            return;
        }

        start.RegisterOperationAction(c => Analyze(c, types), OperationKind.MethodBody);
    }

    private static void Analyze(OperationAnalysisContext context, WellKnownTypes types)
    {
        if (context.ContainingSymbol is not IMethodSymbol method || !IsCandidate(method, types))
        {
            return;
        }

        var awaitedCalls = AwaitedCallsAcceptingToken(context.Operation, types);
        if (awaitedCalls.Count == 0
            || HasTokenOverload(method, types)
            || OnlyPollsOrLocks(method, awaitedCalls, types))
        {
            return;
        }

        var awaited = awaitedCalls[0].Name;

        var properties = ImmutableDictionary<string, string?>.Empty;
        if (method.IsAsync && IsAsyncEnumerable(method.ReturnType, types))
        {
            properties = properties.Add(IteratorProperty, "true");
        }

        var location = method.Locations.Length > 0 ? method.Locations[0] : context.Operation.Syntax.GetLocation();
        context.Report(Rule, location, properties, method.Name, awaited);
    }

    private static bool IsCandidate(IMethodSymbol method, WellKnownTypes types)
    {
        if (method.MethodKind != MethodKind.Ordinary
            || method.IsOverride
            || method.IsImplicitlyDeclared
                        || method.Name is "Main" or "Dispose" or "DisposeAsync" or "<Main>$"
            || !IsExternallyVisible(method)
            || !(types.IsTaskLike(method.ReturnType) || IsAsyncEnumerable(method.ReturnType, types))
            || EventHandlers.HasEventHandlerShape(method, types)
            || ReturnsHttpResult(method.ReturnType, types))
        {
            return false;
        }

        foreach (var parameter in method.Parameters)
        {
            if (CarriesToken(parameter.Type, types))
            {
                return false;
            }
        }

        foreach (var attribute in method.GetAttributes())
        {
            if (attribute.AttributeClass is { } c && TestAttributes.Contains(c.Name))
            {
                return false;
            }
        }

        var type = method.ContainingType;
        if (type is null
            || WellKnownTypes.InheritsFrom(type, types.Get(WellKnownTypeNames.ControllerBase))
            || WellKnownTypes.InheritsFrom(type, types.Get(WellKnownTypeNames.PageModel))
            || WellKnownTypes.InheritsFrom(type, types.Get(WellKnownTypeNames.Hub))
            || InterfaceImplementations.IsImplementation(method, types.Compilation))
        {
            return false;
        }

        return true;
    }

    private static bool IsExternallyVisible(IMethodSymbol method)
    {
        if (method.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Protected or Accessibility.ProtectedOrInternal))
        {
            return false;
        }

        for (var type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            if (type.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Protected or Accessibility.ProtectedOrInternal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Minimal-API handlers passed as method groups return <c>IResult</c>: their token is <c>RequestAborted</c>.</summary>
    private static bool ReturnsHttpResult(ITypeSymbol returnType, WellKnownTypes types)
    {
        var result = types.Get(WellKnownTypeNames.IResult);
        return result is not null && returnType is INamedTypeSymbol { TypeArguments.Length: 1 } named
            && WellKnownTypes.IsOrImplements(named.TypeArguments[0], result);
    }

    private static bool IsAsyncEnumerable(ITypeSymbol type, WellKnownTypes types) =>
        SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, types.Get(WellKnownTypeNames.IAsyncEnumerableOfT));

    /// <summary>A token, a nullable token, or a type with a public <c>CancellationToken</c> property (<c>HttpContext.RequestAborted</c>, message contexts).</summary>
    private static bool CarriesToken(ITypeSymbol type, WellKnownTypes types)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            type = nullable.TypeArguments[0];
        }

        if (TokenInScope.IsToken(type, types))
        {
            return true;
        }

        if (type.SpecialType != SpecialType.None || type.TypeKind is not (TypeKind.Class or TypeKind.Interface or TypeKind.Struct))
        {
            return false;
        }

        for (var t = type; t is not null && t.SpecialType != SpecialType.System_Object; t = t.BaseType)
        {
            if (HasTokenProperty(t, types))
            {
                return true;
            }
        }

        // Interfaces inherit members from their base interfaces, not a base type (a message context's CancellationToken).
        foreach (var @interface in type.AllInterfaces)
        {
            if (HasTokenProperty(@interface, types))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasTokenProperty(ITypeSymbol type, WellKnownTypes types)
    {
        foreach (var member in type.GetMembers())
        {
            if (member is IPropertySymbol { IsStatic: false, DeclaredAccessibility: Accessibility.Public } property && TokenInScope.IsToken(property.Type, types))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The awaited calls (and enumerated sequences) of the body that could take a token, in source order: the name to
    /// report, and the call when it is one.
    /// </summary>
    private static System.Collections.Generic.List<(string Name, IInvocationOperation? Call)> AwaitedCallsAcceptingToken(IOperation body, WellKnownTypes types)
    {
        var found = new System.Collections.Generic.List<(string Name, IInvocationOperation? Call, int Position)>();
        var stack = new System.Collections.Generic.Stack<IOperation>();
        stack.Push(body);
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            switch (current)
            {
                case IAnonymousFunctionOperation or ILocalFunctionOperation:
                    continue;
                case IAwaitOperation await when Awaited(await.Operation) is { } call && AcceptsToken(call, types):
                    found.Add((call.TargetMethod.Name, call, current.Syntax.SpanStart));
                    break;
                case IForEachLoopOperation { IsAsynchronous: true } loop when TokenForwarding.IsEnumeratedWithoutToken(loop, types):
                    found.Add((loop.Collection.Syntax.ToString(), null, current.Syntax.SpanStart));
                    break;
                case IForEachLoopOperation { IsAsynchronous: true } loop when Awaited(loop.Collection) is { } source && AcceptsToken(source, types):
                    found.Add((source.TargetMethod.Name, source, current.Syntax.SpanStart));
                    break;
            }

            foreach (var child in current.ChildOperations)
            {
                stack.Push(child);
            }
        }

        found.Sort((a, b) => a.Position.CompareTo(b.Position));
        return found.ConvertAll(f => (f.Name, f.Call));
    }

    /// <summary>
    /// Callers already have a way in: the type declares a method of the same name whose parameters start with this
    /// method's (its <c>TimeSpan</c> parameters aside) and which takes a <c>CancellationToken</c>
    /// (<c>ToListAsync(source)</c> beside <c>ToListAsync(source, ct)</c>; <c>WaitAsync(x, TimeSpan)</c> beside <c>WaitAsync(x, ct)</c>).
    /// </summary>
    private static bool HasTokenOverload(IMethodSymbol method, WellKnownTypes types)
    {
        var mine = Signature(method, types, dropTokens: false);
        foreach (var member in method.ContainingType.GetMembers(method.Name))
        {
            if (member is not IMethodSymbol other || SymbolEqualityComparer.Default.Equals(other, method) || !IsExternallyVisible(other))
            {
                continue;
            }

            var takesToken = false;
            foreach (var parameter in other.Parameters)
            {
                takesToken |= TokenInScope.IsToken(parameter.Type, types);
            }

            var theirs = Signature(other, types, dropTokens: true);
            if (takesToken && theirs.Count >= mine.Count && theirs.GetRange(0, mine.Count).SequenceEqual(mine))
            {
                return true;
            }
        }

        return false;
    }

    private static System.Collections.Generic.List<string> Signature(IMethodSymbol method, WellKnownTypes types, bool dropTokens)
    {
        var timeSpan = types.Get(WellKnownTypeNames.TimeSpan);
        var list = new System.Collections.Generic.List<string>();
        foreach (var parameter in method.Parameters)
        {
            if (SymbolEqualityComparer.Default.Equals(parameter.Type, timeSpan) || (dropTokens && TokenInScope.IsToken(parameter.Type, types)))
            {
                continue;
            }

            // Method type parameters compare by position, so M<T>(T) matches M<T>(T, CancellationToken).
            list.Add(parameter.Type is ITypeParameterSymbol { TypeParameterKind: TypeParameterKind.Method } tp ? "!!" + tp.Ordinal : parameter.Type.ToDisplayString());
        }

        return list;
    }

    /// <summary>
    /// The caller's wait is bounded another way: the method takes a <c>TimeSpan</c> and polls (awaits <c>Task.Delay</c>
    /// inside a loop), so it gives up after the timeout its caller chose; or every awaited call that could take a token
    /// is a local lock's <c>SemaphoreSlim.WaitAsync</c> (a token would only cancel queueing for a gate whose holders do
    /// bounded work).
    /// </summary>
    private static bool OnlyPollsOrLocks(IMethodSymbol method, System.Collections.Generic.List<(string Name, IInvocationOperation? Call)> calls, WellKnownTypes types)
    {
        var timeSpan = types.Get(WellKnownTypeNames.TimeSpan);
        var boundedByTimeout = false;
        foreach (var parameter in method.Parameters)
        {
            // TimeSpan or TimeSpan? (a default that falls back to the type's own timeout).
            var type = parameter.Type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable ? nullable.TypeArguments[0] : parameter.Type;
            boundedByTimeout |= SymbolEqualityComparer.Default.Equals(type, timeSpan);
        }

        var onlyLocks = true;
        foreach (var (_, call) in calls)
        {
            var target = call?.TargetMethod;
            if (boundedByTimeout && target is { Name: "Delay", IsStatic: true } && SymbolEqualityComparer.Default.Equals(target.ContainingType, types.Task) && IsInLoop(call!))
            {
                return true;
            }

            onlyLocks &= target is { Name: "WaitAsync" } && types.Is(target.ContainingType, WellKnownTypeNames.SemaphoreSlim);
        }

        return onlyLocks;
    }

    private static bool IsInLoop(IOperation operation)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case ILoopOperation:
                    return true;
                case IAnonymousFunctionOperation or ILocalFunctionOperation or IMethodBodyOperation:
                    return false;
            }
        }

        return false;
    }

    private static IInvocationOperation? Awaited(IOperation operation)
    {
        while (true)
        {
            switch (operation)
            {
                case IConversionOperation conversion:
                    operation = conversion.Operand;
                    continue;
                case IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } configure when configure.Instance is not null:
                    operation = configure.Instance;
                    continue;
                case IInvocationOperation { TargetMethod.Name: "ConfigureAwait", Arguments.Length: 2 } extension:
                    operation = extension.Arguments[0].Value;
                    continue;
                case IInvocationOperation invocation:
                    return invocation;
                default:
                    return null;
            }
        }
    }

    private static bool AcceptsToken(IInvocationOperation call, WellKnownTypes types)
    {
        if (TokenForwarding.TryGetMissingToken(call, types, out _))
        {
            return true;
        }

        // A token parameter given None/default: the API has nowhere to take a real one from.
        foreach (var argument in call.Arguments)
        {
            if (TokenInScope.IsToken(argument.Parameter?.Type, types) && argument.ArgumentKind == ArgumentKind.Explicit
                && (argument.Value is IDefaultValueOperation or IConversionOperation { Operand: IDefaultValueOperation }
                    || argument.Value is IPropertyReferenceOperation { Property.Name: "None" }))
            {
                return true;
            }
        }

        return false;
    }
}

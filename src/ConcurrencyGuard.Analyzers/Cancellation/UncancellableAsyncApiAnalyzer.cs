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

        var awaited = FirstAwaitedCallAcceptingToken(context.Operation, types);
        if (awaited is null)
        {
            return;
        }

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
            || !method.ExplicitInterfaceImplementations.IsEmpty
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
            || ImplementsInterfaceMember(method))
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
            foreach (var member in t.GetMembers())
            {
                if (member is IPropertySymbol { IsStatic: false, DeclaredAccessibility: Accessibility.Public } property && TokenInScope.IsToken(property.Type, types))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool ImplementsInterfaceMember(IMethodSymbol method)
    {
        foreach (var @interface in method.ContainingType.AllInterfaces)
        {
            foreach (var member in @interface.GetMembers(method.Name))
            {
                if (SymbolEqualityComparer.Default.Equals(method.ContainingType.FindImplementationForInterfaceMember(member), method))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The name of the first awaited call (or enumerated sequence) in the body that could take a token.</summary>
    private static string? FirstAwaitedCallAcceptingToken(IOperation body, WellKnownTypes types)
    {
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
                    return call.TargetMethod.Name;
                case IForEachLoopOperation { IsAsynchronous: true } loop when TokenForwarding.IsEnumeratedWithoutToken(loop, types):
                    return loop.Collection.Syntax.ToString();
                case IForEachLoopOperation { IsAsynchronous: true } loop when Awaited(loop.Collection) is { } source && AcceptsToken(source, types):
                    return source.TargetMethod.Name;
            }

            foreach (var child in current.ChildOperations)
            {
                stack.Push(child);
            }
        }

        return null;
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

namespace ConcurrencyGuard.Analyzers.Http;

/// <summary>
/// CG3004: <c>new HttpClient(...)</c> in a method body whose instance dies in that method: used in place,
/// or held in a local that never leaves it (not returned, stored or passed on). Each
/// such client brings its own connection pool; disposing it leaves its sockets in TIME_WAIT. Silent in
/// constructors, field/property initializers, lambdas that return the client (DI factories, <c>Lazy</c>),
/// entry points (<c>Main</c>, top-level statements: one client per process) and test methods, and when the
/// client shares a handler that outlives it (<c>new HttpClient(_handler, disposeHandler: false)</c>, or any
/// handler that is not created in the method), and in a private method that runs once per instance (see <see cref="RunsOnce"/>).
/// Inside a loop the message says so.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class HttpClientPerOperationAnalyzer : ConcurrencyGuardAnalyzer
{
    /// <summary>Diagnostic property present when the fix may swap the client for a shared one (no per-instance configuration).</summary>
    public const string ShareableProperty = "cg.shareable";

    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.HttpClientPerOperation,
        title: "HttpClient created per operation",
        messageFormat: "A new HttpClient is created for every {0}: each one opens its own connection pool and leaves its sockets in TIME_WAIT when it goes; under load the ports run out",
        DiagnosticSeverity.Warning,
        description: "Each HttpClient owns a connection pool. Creating one per call (and disposing it) opens new TCP and TLS connections every time and leaves the closed sockets in TIME_WAIT for minutes: under load the machine runs out of ephemeral ports. Share one client (static readonly with a pooled SocketsHttpHandler) or use IHttpClientFactory.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        var httpClient = types.Get(WellKnownTypeNames.HttpClient);
        if (httpClient is null || TestCode.IsTestAssembly(start.Compilation))
        {
            return;
        }

        var entryPoint = new System.Lazy<IMethodSymbol?>(() => start.Compilation.GetEntryPoint(default));
        start.RegisterOperationAction(c => Analyze(c, types, httpClient, entryPoint), OperationKind.ObjectCreation);
    }

    private static void Analyze(OperationAnalysisContext context, WellKnownTypes types, INamedTypeSymbol httpClient, System.Lazy<IMethodSymbol?> entryPoint)
    {
        var creation = (IObjectCreationOperation)context.Operation;
        if (!SymbolEqualityComparer.Default.Equals(creation.Type, httpClient) || creation.Constructor is null
            || context.ContainingSymbol is not IMethodSymbol method
            || method.MethodKind is MethodKind.Constructor or MethodKind.StaticConstructor
            || method.Name == WellKnownMemberNames.TopLevelStatementsEntryPointMethodName
            || method is { IsStatic: true, Name: "Main" }
            || SymbolEqualityComparer.Default.Equals(method, entryPoint.Value)
            || TestCode.IsTestMethod(method)
            || SharesHandler(creation))
        {
            return;
        }

        var target = Escapes.TargetOfCreation(creation, out var symbol);
        var shareable = creation.Initializer is null && creation.Arguments.Length == 0;
        switch (target)
        {
            case CreatedObjectTarget.UsedInPlace:
                break;
            case CreatedObjectTarget.Local when symbol is ILocalSymbol local:
                if (!StaysLocal(creation, local, context.CancellationToken, ref shareable))
                {
                    return;
                }

                break;
            default:
                return;
        }

        var inLoop = IsInLoop(creation);

        // A method that runs once per instance (called from the constructor, or started once: `_run ??= Task.Run(RunAsync)`)
        // creates one client per instance, like a constructor does: no per-operation churn.
        if (!inLoop && FunctionContext.GetEnclosingFunctionOperation(creation) is null && creation.SemanticModel is { } model
            && RunsOnce.IsRunOncePerInstance(method, model, types, context.CancellationToken))
        {
            return;
        }

        var seconds = context.Options.GetIntOption(creation.Syntax.SyntaxTree, OptionKeys.HttpTimeoutSeconds, 30);
        var properties = ImmutableDictionary<string, string?>.Empty.Add(HttpClients.SecondsProperty, seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (shareable)
        {
            properties = properties.Add(ShareableProperty, "true");
        }

        context.Report(
            Rule,
            creation.Syntax.GetLocation(),
            properties,
            inLoop ? "loop iteration" : "call");
    }

    /// <summary>A handler argument that is not created here: the pool lives in it, not in the client.</summary>
    private static bool SharesHandler(IObjectCreationOperation creation)
    {
        foreach (var argument in creation.Arguments)
        {
            if (argument.Parameter?.Name == "disposeHandler" && argument.Value.ConstantValue is { HasValue: true, Value: false })
            {
                return true;
            }
        }

        if (creation.Arguments.Length == 0)
        {
            return false;
        }

        var handler = creation.Arguments[0].Value;
        handler = OperationWalk.Strip(handler);

        return handler is not IObjectCreationOperation && handler is not ILocalReferenceOperation;
    }

    /// <summary>
    /// Every use of the local is a member access on it (<c>client.GetAsync</c>, <c>client.Dispose()</c>,
    /// <c>client.BaseAddress = ...</c>) or the <c>using</c> that disposes it: it never leaves the method.
    /// </summary>
    private static bool StaysLocal(IObjectCreationOperation creation, ILocalSymbol local, System.Threading.CancellationToken cancellationToken, ref bool shareable)
    {
        var model = creation.SemanticModel;
        var scope = HttpClients.MemberSyntax(creation.Syntax);
        if (model is null || scope is null)
        {
            return false;
        }

        foreach (var node in scope.DescendantNodes())
        {
            if (node is not IdentifierNameSyntax name || name.Identifier.ValueText != local.Name
                || !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, cancellationToken).Symbol, local))
            {
                continue;
            }

            if (name.Parent is not MemberAccessExpressionSyntax access || access.Expression != name)
            {
                if (name.Parent is ConditionalAccessExpressionSyntax conditional && conditional.Expression == name)
                {
                    shareable &= conditional.WhenNotNull.ToString() == ".Dispose()";
                    continue;
                }

                return false;
            }

            var member = access.Name.Identifier.ValueText;
            if (member is "Dispose" or "DisposeAsync" or "CancelPendingRequests")
            {
                continue;
            }

            // Configuration of the instance (BaseAddress, headers, Timeout...) cannot move to a shared client.
            if (model.GetSymbolInfo(access, cancellationToken).Symbol is IPropertySymbol)
            {
                shareable = false;
            }
        }

        return true;
    }

    private static bool IsInLoop(IOperation operation)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case ILoopOperation:
                    return true;
                case IAnonymousFunctionOperation or ILocalFunctionOperation:
                    return false;
            }
        }

        return false;
    }
}

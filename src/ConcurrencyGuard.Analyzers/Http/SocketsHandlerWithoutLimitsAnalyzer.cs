namespace ConcurrencyGuard.Analyzers.Http;

/// <summary>
/// CG3003: <c>new SocketsHttpHandler</c> that never sets <c>ConnectTimeout</c> (the default is infinite: a
/// SYN to a dead host waits for the OS, minutes) or <c>PooledConnectionLifetime</c> (the default is
/// infinite: a long-lived client never sees DNS changes). A handler built inside
/// <c>ConfigurePrimaryHttpMessageHandler(...)</c>, or returned by any lambda (a handler factory handed to it
/// later), needs no lifetime: IHttpClientFactory rotates its handlers.
/// Where a setting counts is the same as for CG3001 (<see cref="HttpClients.IsPropertySet"/>).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SocketsHandlerWithoutLimitsAnalyzer : ConcurrencyGuardAnalyzer
{
    public const string MissingProperty = "cg.missing";

    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.SocketsHandlerWithoutLimits,
        title: "SocketsHttpHandler without ConnectTimeout / PooledConnectionLifetime",
        messageFormat: "SocketsHttpHandler never sets {0}: {1}",
        DiagnosticSeverity.Info,
        description: "SocketsHttpHandler connects with no timeout by default (a dead host holds the request until the OS gives up) and keeps pooled connections for ever (a long-lived client never follows DNS changes). Set ConnectTimeout and PooledConnectionLifetime.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        var handler = types.Get(WellKnownTypeNames.SocketsHttpHandler);
        if (handler is null || TestCode.IsTestAssembly(start.Compilation))
        {
            return;
        }

        start.RegisterOperationAction(c => Analyze(c, handler), OperationKind.ObjectCreation);
    }

    private static void Analyze(OperationAnalysisContext context, INamedTypeSymbol handler)
    {
        var creation = (IObjectCreationOperation)context.Operation;
        if (!SymbolEqualityComparer.Default.Equals(creation.Type, handler) || creation.Constructor is null)
        {
            return;
        }

        var target = Escapes.TargetOfCreation(creation, out _);
        if (target is CreatedObjectTarget.Returned or CreatedObjectTarget.Other)
        {
            return;
        }

        var missingConnect = !HttpClients.IsPropertySet(creation, "ConnectTimeout", context.ContainingSymbol, context.CancellationToken);

        // A handler returned by a lambda is a handler factory (ConfigurePrimaryHttpMessageHandler(sp => ...),
        // a Func<IServiceProvider, HttpMessageHandler> handed to it later): whoever calls it owns the lifetime.
        var missingLifetime = target != CreatedObjectTarget.ReturnedFromLambda
            && !IsFactoryPrimaryHandler(creation)
            && !HttpClients.IsPropertySet(creation, "PooledConnectionLifetime", context.ContainingSymbol, context.CancellationToken);
        if (!missingConnect && !missingLifetime)
        {
            return;
        }

        var (names, effect) = (missingConnect, missingLifetime) switch
        {
            (true, true) => ("ConnectTimeout or PooledConnectionLifetime", "connects wait on a dead host until the OS gives up, and pooled connections never see DNS changes"),
            (true, false) => ("ConnectTimeout", "connects wait on a dead host until the OS gives up"),
            _ => ("PooledConnectionLifetime", "pooled connections live for ever and never see DNS changes"),
        };
        var missing = (missingConnect ? "ConnectTimeout" : string.Empty) + (missingConnect && missingLifetime ? "," : string.Empty) + (missingLifetime ? "PooledConnectionLifetime" : string.Empty);
        var properties = ImmutableDictionary<string, string?>.Empty.Add(MissingProperty, missing);
        context.Report(Rule, creation.Syntax.GetLocation(), properties, names, effect);
    }

    /// <summary>Inside a lambda passed to <c>ConfigurePrimaryHttpMessageHandler</c>: IHttpClientFactory recycles the handler.</summary>
    private static bool IsFactoryPrimaryHandler(IOperation creation)
    {
        for (var current = creation.Parent; current is not null; current = current.Parent)
        {
            if (current is IInvocationOperation invocation)
            {
                return invocation.TargetMethod.Name is "ConfigurePrimaryHttpMessageHandler" or "UseSocketsHttpHandler";
            }
        }

        return false;
    }
}

using System.Globalization;

namespace ConcurrencyGuard.Analyzers.Http;

/// <summary>
/// CG3001: <c>new HttpClient(...)</c> whose <c>Timeout</c> is never set (see <see cref="HttpClients.IsPropertySet"/>
/// for where a setting counts: initializer, the same local later, the same field/property anywhere in the
/// type, a source method the client is passed to). Silent for clients returned from a named method (the
/// caller configures them), for types derived from HttpClient (their constructor may set it), and for
/// clients that come from <c>IHttpClientFactory</c> (no <c>new</c>: the factory's options own the timeout).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class HttpClientWithoutTimeoutAnalyzer : ConcurrencyGuardAnalyzer
{
    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.HttpClientWithoutTimeout,
        title: "HttpClient without an explicit timeout",
        messageFormat: "{0} never sets Timeout: each call may wait the 100-second default, far beyond any latency budget",
        DiagnosticSeverity.Warning,
        description: "HttpClient waits 100 seconds by default. Under load a slow dependency then holds a request, its thread and its connection for 100 s, queues pile up behind it and the service collapses. Set Timeout to what the caller can afford.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        var httpClient = types.Get(WellKnownTypeNames.HttpClient);
        if (httpClient is null || TestCode.IsTestAssembly(start.Compilation))
        {
            return;
        }

        start.RegisterOperationAction(c => Analyze(c, httpClient), OperationKind.ObjectCreation);
    }

    private static void Analyze(OperationAnalysisContext context, INamedTypeSymbol httpClient)
    {
        var creation = (IObjectCreationOperation)context.Operation;
        if (!SymbolEqualityComparer.Default.Equals(creation.Type, httpClient) || creation.Constructor is null || TestCode.IsTestMethod(context.ContainingSymbol))
        {
            return;
        }

        var target = Escapes.TargetOfCreation(creation, out var symbol);
        if (target is CreatedObjectTarget.Returned or CreatedObjectTarget.Other
            || HttpClients.IsPropertySet(creation, "Timeout", context.ContainingSymbol, context.CancellationToken))
        {
            return;
        }

        var seconds = context.Options.GetIntOption(creation.Syntax.SyntaxTree, OptionKeys.HttpTimeoutSeconds, 30);
        var properties = ImmutableDictionary<string, string?>.Empty.Add(HttpClients.SecondsProperty, seconds.ToString(CultureInfo.InvariantCulture));
        var what = symbol is ILocalSymbol or IFieldSymbol or IPropertySymbol ? $"The HttpClient in '{symbol.Name}'" : "This HttpClient";
        context.Report(Rule, creation.Syntax.GetLocation(), properties, what);
    }
}

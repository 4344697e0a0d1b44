using System.Globalization;

namespace ConcurrencyGuard.Analyzers.Http;

/// <summary>
/// CG3002: a deadline property of <c>HttpClient</c> (<c>Timeout</c>) or <c>SocketsHttpHandler</c>
/// (<c>ConnectTimeout</c>, <c>ResponseDrainTimeout</c>, <c>Expect100ContinueTimeout</c>, <c>KeepAlivePingTimeout</c>)
/// set to <c>Timeout.InfiniteTimeSpan</c>, <c>TimeSpan.MaxValue</c> or a constant above
/// <c>concurrency_guard.http_max_timeout_seconds</c>. An explicitly infinite <c>HttpClient.Timeout</c> is left
/// alone when the type also arms a per-request deadline (<see cref="PerRequestDeadlines"/>: <c>CancelAfter</c>,
/// <c>new CancellationTokenSource(delay)</c>, a race against <c>Task.Delay</c>, directly or in a helper it calls): that is
/// the documented pattern for per-call timeouts.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class InfiniteHttpTimeoutAnalyzer : ConcurrencyGuardAnalyzer
{
    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.InfiniteHttpTimeout,
        title: "Infinite or excessive HTTP timeout",
        messageFormat: "'{0}' is set to {1}: a peer that stops answering holds this call, its connection and its caller {2}",
        DiagnosticSeverity.Warning,
        description: "An infinite or very long HttpClient/SocketsHttpHandler timeout turns one stalled peer into requests that never finish: threads, sockets and memory pile up until the service falls over. Use a deadline the caller can afford.");

    private static readonly ImmutableHashSet<string> HandlerProperties = ImmutableHashSet.Create(
        "ConnectTimeout", "ResponseDrainTimeout", "Expect100ContinueTimeout", "KeepAlivePingTimeout");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        var httpClient = types.Get(WellKnownTypeNames.HttpClient);
        if (httpClient is null || TestCode.IsTestAssembly(start.Compilation))
        {
            return;
        }

        var handler = types.Get(WellKnownTypeNames.SocketsHttpHandler);
        start.RegisterOperationAction(c => Analyze(c, types, httpClient, handler), OperationKind.SimpleAssignment);
    }

    private static void Analyze(OperationAnalysisContext context, WellKnownTypes types, INamedTypeSymbol httpClient, INamedTypeSymbol? handler)
    {
        var assignment = (ISimpleAssignmentOperation)context.Operation;
        if (assignment.Target is not IPropertyReferenceOperation { Property: { } property })
        {
            return;
        }

        var owner = property.ContainingType;
        var isClientTimeout = property.Name == "Timeout" && WellKnownTypes.InheritsFrom(owner, httpClient);
        if (!isClientTimeout && !(HandlerProperties.Contains(property.Name) && WellKnownTypes.InheritsFrom(owner, handler)))
        {
            return;
        }

        if (!TimeSpans.TryGetConstant(assignment.Value, out var span, out var infinite))
        {
            return;
        }

        var tree = assignment.Syntax.SyntaxTree;
        var max = context.Options.GetIntOption(tree, OptionKeys.HttpMaxTimeoutSeconds, 300);
        if (!infinite && span != System.TimeSpan.MaxValue && span.TotalSeconds <= max)
        {
            return;
        }

        if (isClientTimeout && infinite && context.ContainingSymbol?.ContainingType is { } type && assignment.SemanticModel is { } model
            && PerRequestDeadlines.TypeArmsDeadline(type, model, types, context.CancellationToken))
        {
            return;
        }

        var seconds = context.Options.GetIntOption(tree, OptionKeys.HttpTimeoutSeconds, 30);
        var properties = ImmutableDictionary<string, string?>.Empty.Add(HttpClients.SecondsProperty, seconds.ToString(CultureInfo.InvariantCulture));
        var valueText = infinite ? "an infinite timeout" : span == System.TimeSpan.MaxValue ? "TimeSpan.MaxValue" : $"{span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s (above the {max} s limit)";
        var how = infinite || span == System.TimeSpan.MaxValue ? "for ever" : "for minutes";
        context.Report(Rule, assignment.Value.Syntax.GetLocation(), properties, owner.Name + "." + property.Name, valueText, how);
    }
}

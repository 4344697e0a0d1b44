using System.Globalization;

namespace ConcurrencyGuard.Analyzers.Http;

/// <summary>
/// CG3002: a deadline property of <c>HttpClient</c> (<c>Timeout</c>) or <c>SocketsHttpHandler</c>
/// (<c>ConnectTimeout</c>, <c>ResponseDrainTimeout</c>, <c>Expect100ContinueTimeout</c>, <c>KeepAlivePingTimeout</c>)
/// set to <c>Timeout.InfiniteTimeSpan</c>, <c>TimeSpan.MaxValue</c> or a constant above
/// <c>concurrency_guard.http_max_timeout_seconds</c>. An explicitly infinite <c>HttpClient.Timeout</c> is left
/// alone when the type also arms a per-request deadline (<c>CancelAfter</c>, <c>new CancellationTokenSource(delay)</c>,
/// or a timeout member of its own such as <c>RequestTimeout</c>): that is the documented pattern for per-call timeouts.
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
        start.RegisterOperationAction(c => Analyze(c, httpClient, handler), OperationKind.SimpleAssignment);
    }

    private static void Analyze(OperationAnalysisContext context, INamedTypeSymbol httpClient, INamedTypeSymbol? handler)
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

        if (isClientTimeout && infinite && ArmsPerRequestDeadline(context.ContainingSymbol, assignment.SemanticModel, context.CancellationToken))
        {
            return;
        }

        var seconds = context.Options.GetIntOption(tree, OptionKeys.HttpTimeoutSeconds, 30);
        var properties = ImmutableDictionary<string, string?>.Empty.Add(HttpClients.SecondsProperty, seconds.ToString(CultureInfo.InvariantCulture));
        var valueText = infinite ? "an infinite timeout" : span == System.TimeSpan.MaxValue ? "TimeSpan.MaxValue" : $"{span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s (above the {max} s limit)";
        var how = infinite || span == System.TimeSpan.MaxValue ? "for ever" : "for minutes";
        context.Report(Rule, assignment.Value.Syntax.GetLocation(), properties, owner.Name + "." + property.Name, valueText, how);
    }

    private static readonly ImmutableHashSet<string> NotDeadlines = ImmutableHashSet.Create(
        System.StringComparer.OrdinalIgnoreCase,
        "Timeout", "InfiniteTimeSpan", "ConnectTimeout", "ResponseDrainTimeout", "Expect100ContinueTimeout", "KeepAlivePingTimeout", "PooledConnectionIdleTimeout");

    /// <summary>
    /// The containing type handles deadlines itself: it calls <c>CancelAfter(...)</c>, creates a
    /// <c>CancellationTokenSource</c> with a delay, or works with a timeout of its own (an identifier such as
    /// <c>RequestTimeout</c>, <c>_timeout</c>, <c>TimeoutUtility</c>: NuGet's and Flurl's clients do this).
    /// </summary>
    private static bool ArmsPerRequestDeadline(ISymbol? containingSymbol, SemanticModel? model, System.Threading.CancellationToken cancellationToken)
    {
        var type = containingSymbol?.ContainingType;
        if (type is null)
        {
            return false;
        }

        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            foreach (var node in reference.GetSyntax(cancellationToken).DescendantNodes())
            {
                switch (node)
                {
                    case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "CancelAfter" } }:
                        return true;
                    case ObjectCreationExpressionSyntax { Type: var t, ArgumentList.Arguments.Count: > 0 } when t.ToString().EndsWith("CancellationTokenSource", System.StringComparison.Ordinal):
                        return true;
                    case IdentifierNameSyntax { Identifier.ValueText: var name } identifier
                        when name.IndexOf("timeout", System.StringComparison.OrdinalIgnoreCase) >= 0 && !NotDeadlines.Contains(name)
                            && IsDeadlineSymbol(identifier, model, cancellationToken):
                        return true;
                }
            }
        }

        return false;
    }

    /// <summary>A method or type (<c>TimeoutUtility</c>, <c>WithTimeout</c>) or a <c>TimeSpan</c>/number value; not e.g. an HttpClient field named <c>_noTimeout</c>.</summary>
    private static bool IsDeadlineSymbol(IdentifierNameSyntax identifier, SemanticModel? model, System.Threading.CancellationToken cancellationToken)
    {
        if (model is null || identifier.SyntaxTree != model.SyntaxTree)
        {
            return true;
        }

        var symbol = model.GetSymbolInfo(identifier, cancellationToken).Symbol;
        var type = symbol switch
        {
            IFieldSymbol f => f.Type,
            IPropertySymbol p => p.Type,
            ILocalSymbol l => l.Type,
            IParameterSymbol p => p.Type,
            null => null,
            _ => null,
        };
        if (symbol is IMethodSymbol or INamedTypeSymbol)
        {
            return true;
        }

        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            type = nullable.TypeArguments[0];
        }

        return type is not null && (type.ToDisplayString() == WellKnownTypeNames.TimeSpan || type.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64 or SpecialType.System_Double);
    }
}

using System.Globalization;

namespace ConcurrencyGuard.Analyzers.Http;

/// <summary>
/// CG3005: an asynchronous read of a streamed HTTP response body with no <c>CancellationToken</c>
/// (<see cref="StreamedBodies"/>: after <c>ResponseHeadersRead</c>, <c>GetStreamAsync</c> or <c>ReadAsStreamAsync</c>,
/// <c>HttpClient.Timeout</c> stops at the headers). CG2001 stays silent on the calls this rule reports.
/// The fix forwards the token in scope (<see cref="TokenInScope"/>, <see cref="TokenForwarding"/>).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class StreamedBodyWithoutDeadlineAnalyzer : ConcurrencyGuardAnalyzer
{
    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.StreamedBodyWithoutDeadline,
        title: "Streamed response body read without a deadline",
        messageFormat: "'{0}' reads a streamed HTTP response body without a CancellationToken: HttpClient.Timeout stopped applying when the headers arrived, so a peer that stalls mid-body hangs this read for ever",
        DiagnosticSeverity.Warning,
        description: "With ResponseHeadersRead, GetStreamAsync or ReadAsStreamAsync, HttpClient.Timeout only covers the wait for the headers. Reading the body afterwards has no deadline at all: a server that sends headers and then stalls keeps the read, its connection and its worker waiting for hours. Pass a token (the caller's, or one from a CancellationTokenSource with a delay).");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        if (StreamedBodies.Create(types) is not { } bodies)
        {
            return;
        }

        start.RegisterOperationAction(c => Analyze(c, types, bodies), OperationKind.Invocation);
    }

    private static void Analyze(OperationAnalysisContext context, WellKnownTypes types, StreamedBodies bodies)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (!bodies.IsReadWithoutDeadline(invocation))
        {
            return;
        }

        var properties = ImmutableDictionary<string, string?>.Empty;
        if (TokenForwarding.TryGetMissingToken(invocation, types, out var missing))
        {
            var scope = TokenInScope.Find(invocation, context.ContainingSymbol, types);
            properties = scope.ToProperties(properties
                .Add(TokenForwarding.KindProperty, missing.Kind.ToString())
                .Add(TokenForwarding.ParameterNameProperty, missing.Parameter?.Name)
                .Add(TokenForwarding.PositionProperty, missing.Position.ToString(CultureInfo.InvariantCulture)));
        }

        context.Report(Rule, invocation.Syntax.GetLocation(), properties, invocation.TargetMethod.Name);
    }
}


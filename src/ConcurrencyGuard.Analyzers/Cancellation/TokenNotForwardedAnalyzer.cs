namespace ConcurrencyGuard.Analyzers.Cancellation;

/// <summary>
/// CG2001: a token is in scope (see <see cref="TokenInScope"/>) but a call that accepts one does not get
/// it: an overload with one more <c>CancellationToken</c>, an optional token left at its default, or an
/// <c>await foreach</c> without <c>WithCancellation</c>. Silent in <c>catch</c>/<c>finally</c> blocks,
/// where the token may already be cancelled and the cleanup must run, and where <see cref="TokenExclusions"/> says the
/// token must not be passed (recursion into the enclosing method, zero timeouts, bookkeeping that must run, completion
/// bookkeeping after finished work).
/// A read of a streamed HTTP body that CG3005 reports (<see cref="StreamedBodies"/>) is left to CG3005, which says
/// why the deadline is gone.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TokenNotForwardedAnalyzer : ConcurrencyGuardAnalyzer
{
    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.TokenNotForwarded,
        title: "CancellationToken in scope is not forwarded",
        messageFormat: "{0}, but {1} is not passed: when the caller cancels, this work keeps running",
        DiagnosticSeverity.Info,
        description: "A CancellationToken that exists but does not reach the work cancels nothing: a cancelled request keeps its query, HTTP call or loop running and holds its connection and thread. Pass the token in scope (a parameter, HttpContext.RequestAborted, a local source's Token).");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        if (types.CancellationToken is null)
        {
            return;
        }

        var streamedBodies = StreamedBodies.Create(types);
        start.RegisterOperationAction(c => AnalyzeInvocation(c, types, streamedBodies), OperationKind.Invocation);
        start.RegisterOperationAction(c => AnalyzeForEach(c, types), OperationKind.Loop);
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, WellKnownTypes types, StreamedBodies? streamedBodies)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (!TokenForwarding.TryGetMissingToken(invocation, types, out var missing)
            || CleanupCode.IsInCleanupCode(invocation)
            || (missing.Kind == MissingTokenKind.Overload && TokenExclusions.IsEnclosingFunction(missing.Target, invocation, context.ContainingSymbol))
            || TokenExclusions.IsZeroTimeoutCall(invocation, types)
            || TokenExclusions.RunsBookkeepingThatMustRun(invocation, types)
            || TokenExclusions.SchedulesWorkThatOwnsItsCancellation(invocation, types)
            || TokenExclusions.ReadsBufferedContent(invocation, types)
            || TokenExclusions.IsRunToEndBookkeeping(invocation.TargetMethod, invocation, context.ContainingSymbol))
        {
            return;
        }

        var scope = TokenInScope.Find(invocation, context.ContainingSymbol, types, includeCarried: true);
        if (!scope.HasToken || RefersToScopeSource(invocation, scope) || TokenExclusions.EndsTokenOwner(invocation, scope.Token))
        {
            return;
        }

        // One diagnostic per call: CG3005 reports this read with the reason the deadline is gone.
        if (streamedBodies?.IsReportedAsStreamedBodyRead(invocation, context.CancellationToken) == true)
        {
            return;
        }

        var what = missing.Kind == MissingTokenKind.Overload
            ? $"'{invocation.TargetMethod.Name}' has an overload that takes a CancellationToken"
            : $"'{invocation.TargetMethod.Name}' leaves its CancellationToken '{missing.Parameter!.Name}' at default";
        var properties = scope.ToProperties(ImmutableDictionary<string, string?>.Empty
            .Add(TokenForwarding.KindProperty, missing.Kind.ToString())
            .Add(TokenForwarding.ParameterNameProperty, missing.Parameter?.Name)
            .Add(TokenForwarding.PositionProperty, missing.Position.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        context.Report(Rule, invocation.Syntax.GetLocation(), properties, what, scope.DisplayText);
    }

    private static void AnalyzeForEach(OperationAnalysisContext context, WellKnownTypes types)
    {
        if (context.Operation is not IForEachLoopOperation { IsAsynchronous: true } loop
            || loop.Syntax is not CommonForEachStatementSyntax syntax
            || !TokenForwarding.IsEnumeratedWithoutToken(loop, types)
            || CleanupCode.IsInCleanupCode(loop))
        {
            return;
        }

        var scope = TokenInScope.Find(loop, context.ContainingSymbol, types, includeCarried: true);
        if (!scope.HasToken)
        {
            return;
        }

        var properties = scope.ToProperties(ImmutableDictionary<string, string?>.Empty.Add(TokenForwarding.KindProperty, nameof(MissingTokenKind.AsyncEnumeration)));
        var what = $"'{Shorten(syntax.Expression.ToString())}' is enumerated without WithCancellation";
        context.Report(Rule, syntax.Expression.GetLocation(), properties, what, scope.DisplayText);
    }

    /// <summary><c>cts.Token</c> cannot be passed to a call on <c>cts</c> itself (e.g. <c>cts.CancelAsync()</c>).</summary>
    private static bool RefersToScopeSource(IInvocationOperation invocation, TokenInScopeResult scope)
    {
        if (scope.Token is not { Origin: TokenOrigin.LocalSource } token)
        {
            return false;
        }

        var instance = invocation.Instance;
        return instance is ILocalReferenceOperation local && SymbolEqualityComparer.Default.Equals(local.Local, token.Symbol);
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text.Substring(0, 37) + "...";
}

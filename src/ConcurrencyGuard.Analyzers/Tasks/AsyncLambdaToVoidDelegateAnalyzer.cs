namespace ConcurrencyGuard.Analyzers.Tasks;

/// <summary>
/// CG1004: an async lambda or anonymous method converted to a void-returning delegate (<c>Action</c>,
/// <c>ThreadStart</c>, <c>TimerCallback</c>, ...) is an <c>async void</c> function in disguise:
/// <c>list.ForEach(async x =&gt; ...)</c> returns before the work is done, and an exception in it crashes the
/// process. Callbacks that can only be void (event subscriptions with <c>+=</c>, <c>new Timer(...)</c>,
/// <c>CancellationToken.Register</c>) follow CG1003's event-handler rule: flagged only when their body
/// is not wrapped in a catch-all try/catch.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class AsyncLambdaToVoidDelegateAnalyzer : ConcurrencyGuardAnalyzer
{
    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.AsyncLambdaToVoidDelegate,
        title: "Async lambda converted to a void-returning delegate",
        messageFormat: "This async lambda becomes '{0}', which returns void: {1} cannot wait for it, and an exception in it crashes the process",
        DiagnosticSeverity.Warning,
        description: "An async lambda given to a void-returning delegate is async void: the caller resumes at the lambda's first await (List<T>.ForEach and Parallel.ForEach return while the work still runs) and an exception escapes to the thread pool, which ends the process. Use an API that takes a Func<Task> (Parallel.ForEachAsync, a foreach with await); where the callback must be void, catch every exception in it.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        start.RegisterOperationAction(c => Analyze(c, types), OperationKind.DelegateCreation);
    }

    private static void Analyze(OperationAnalysisContext context, WellKnownTypes types)
    {
        var creation = (IDelegateCreationOperation)context.Operation;
        if (creation.Target is not IAnonymousFunctionOperation { Symbol.IsAsync: true } lambda
            || creation.Type is not INamedTypeSymbol { DelegateInvokeMethod.ReturnsVoid: true } delegateType)
        {
            return;
        }

        var value = OperationWalk.Outermost(creation, Wrappers.Conversions | Wrappers.DelegateCreations);
        string consumer;
        var voidOnly = false;
        switch (value.Parent)
        {
            case IEventAssignmentOperation { Adds: true } subscription:
                voidOnly = true;
                consumer = subscription.EventReference is IEventReferenceOperation e ? "the event '" + e.Event.Name + "'" : "the event";
                break;
            case IArgumentOperation { Parent: IInvocationOperation invocation }:
                voidOnly = IsCallbackRegistration(invocation.TargetMethod, types);
                consumer = "'" + invocation.TargetMethod.Name + "'";
                break;
            case IArgumentOperation { Parent: IObjectCreationOperation { Type: { } created } }:
                voidOnly = created.Name == "Timer";
                consumer = "'" + created.Name + "'";
                break;
            default:
                consumer = "its caller";
                break;
        }

        if (voidOnly
            && lambda.Syntax is AnonymousFunctionExpressionSyntax { Block: { } block }
            && CatchAll.IsBodyWrapped(block, lambda.SemanticModel!, types))
        {
            return;
        }

        context.Report(Rule, DeferredCode.GetReportLocation(creation), delegateType.ToMinimalDisplayString(lambda.SemanticModel!, lambda.Syntax.SpanStart), consumer);
    }

    /// <summary>APIs that only ever take a void callback and never wait for it: CancellationToken.Register and friends.</summary>
    private static bool IsCallbackRegistration(IMethodSymbol method, WellKnownTypes types) =>
        method.Name is "Register" or "UnsafeRegister"
        && SymbolEqualityComparer.Default.Equals(method.ContainingType, types.CancellationToken);
}

namespace ConcurrencyGuard.Analyzers.Tasks;

/// <summary>
/// CG1001: a task-returning call used as a statement. Nobody awaits it, so its exceptions vanish and
/// nobody can count, wait for or stop the work. Silent where the compiler reports CS4014 (direct
/// calls inside async functions); the code fix handles both.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DroppedTaskAnalyzer : ConcurrencyGuardAnalyzer
{
    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.DroppedTask,
        title: "Task-returning call is dropped",
        messageFormat: "The task returned by '{0}' is never awaited or observed: its exceptions are lost and nobody can wait for or stop it",
        DiagnosticSeverity.Info,
        description: "A task that is started and dropped is the .NET form of a goroutine leak: failures go to UnobservedTaskException (if anywhere), and under load such tasks pile up uncounted. Await it, hand it to something that owns it, or track it with the runtime guard's Forget().");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        if (types.Task is null)
        {
            return;
        }

        start.RegisterOperationAction(c => AnalyzeStatement(c, types), OperationKind.ExpressionStatement);
    }

    private static void AnalyzeStatement(OperationAnalysisContext context, WellKnownTypes types)
    {
        var statement = (IExpressionStatementOperation)context.Operation;
        if (!DroppedTasks.TryGetDroppedCall(statement.Operation, out var invocation))
        {
            return;
        }

        if (!Awaitables.IsAwaitable(statement.Operation.Type, types))
        {
            return;
        }

        // CS4014 already covers a direct call inside an async function; do not report twice.
        if (statement.Operation is IInvocationOperation && FunctionContext.IsEnclosingFunctionAsync(statement, context.ContainingSymbol))
        {
            return;
        }

        var configured = context.Options.GetListOption(statement.Syntax.SyntaxTree, OptionKeys.FireAndForgetMethods);
        if (DroppedTasks.IsExempt(invocation.TargetMethod, types, configured) || DroppedTasks.ObservesOwnFailures(invocation, types))
        {
            return;
        }

        context.Report(Rule, statement.Operation.Syntax.GetLocation(), invocation.TargetMethod.Name);
    }
}

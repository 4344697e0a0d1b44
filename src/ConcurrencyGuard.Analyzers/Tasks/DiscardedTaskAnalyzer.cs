namespace ConcurrencyGuard.Analyzers.Tasks;

/// <summary>
/// CG1002: <c>_ = SomeAsync();</c>. The discard says "I know", but nobody observes the task: a failure
/// goes to UnobservedTaskException (if anywhere) and nobody can count or stop the work. Not when the
/// discarded task already observes its failure (a Forget-style helper, a ContinueWith that reads the
/// exception, work whose body catches everything) or is already complete.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DiscardedTaskAnalyzer : ConcurrencyGuardAnalyzer
{
    /// <summary>Diagnostic property: the name of the method whose task is discarded (for the fix's log message).</summary>
    public const string MethodNameProperty = "cg.method";

    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.DiscardedTask,
        title: "Task discarded with '_ =' and no failure handling",
        messageFormat: "The task of '{0}' is discarded: if it fails, nobody sees the exception; track it with Forget() or observe its failure",
        DiagnosticSeverity.Info,
        description: "'_ = SomeAsync();' silences CS4014 and CG1001 but changes nothing at run time: the work runs unowned, a failure ends in UnobservedTaskException or nowhere, and nobody can count, wait for or stop it. Track the task (the runtime guard's Forget()), or attach a continuation that logs its failure.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        if (types.Task is null)
        {
            return;
        }

        start.RegisterOperationAction(c => Analyze(c, types), OperationKind.SimpleAssignment);
    }

    private static void Analyze(OperationAnalysisContext context, WellKnownTypes types)
    {
        var assignment = (ISimpleAssignmentOperation)context.Operation;
        if (assignment.Target is not IDiscardOperation)
        {
            return;
        }

        var value = assignment.Value;
        value = OperationWalk.Strip(value, Wrappers.ImplicitConversions);

        if (!DroppedTasks.TryGetDroppedCall(value, out var invocation) || !Awaitables.IsAwaitable(value.Type, types))
        {
            return;
        }

        var configured = context.Options.GetListOption(assignment.Syntax.SyntaxTree, OptionKeys.FireAndForgetMethods);
        if (DroppedTasks.IsExempt(invocation.TargetMethod, types, configured)
            || DroppedTasks.ObservesOwnFailures(invocation, types))
        {
            return;
        }

        var named = invocation.TargetMethod.Name == "ConfigureAwait" && invocation.Instance is IInvocationOperation inner ? inner : invocation;
        var name = named.TargetMethod.Name;
        context.Report(Rule, assignment.Syntax.GetLocation(), ImmutableDictionary<string, string?>.Empty.Add(MethodNameProperty, name), name);
    }
}

namespace ConcurrencyGuard.Analyzers.Blocking;

/// <summary>
/// CG6001: <c>.Result</c>, <c>.Wait(...)</c>, <c>.GetAwaiter().GetResult()</c>, <c>Task.WaitAll</c> and
/// <c>Task.WaitAny</c> on a task that is not known to be complete (<see cref="KnownCompletedTasks"/>).
/// The blocked thread is a pool thread in a service; the pool injects about one new thread a second.
/// Not reported in <c>Main</c> (nothing else runs yet) or for zero timeouts (a poll, not a wait).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SyncOverAsyncWaitAnalyzer : ConcurrencyGuardAnalyzer
{
    /// <summary>Diagnostic property set when the code fix may write <c>await</c> at the site.</summary>
    public const string CanAwaitProperty = "cg.canAwait";

    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.SyncOverAsyncWait,
        title: "Sync-over-async wait",
        messageFormat: "'{0}' blocks the thread until '{1}' completes: {2}",
        // Suggestion in `recommended`: a wait on a task that is in fact complete or CPU-bound cannot yet be told
        // apart from a starving one often enough (docs/rules/CG6001.md, "Severity").
        DiagnosticSeverity.Info,
        description: "Blocking on a task that is not complete holds a thread-pool thread (and may deadlock under a synchronization context). Under load the pool runs out of threads, grows by about one a second, and requests queue behind the blocked ones. Await the task instead.");

    private const string AwaitReason = "await it instead";
    private const string SyncReason = "a blocked pool thread starves the service under load; make the caller async";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        if (types.Task is null)
        {
            return;
        }

        start.RegisterOperationAction(c => AnalyzeResult(c, types), OperationKind.PropertyReference);
        start.RegisterOperationAction(c => AnalyzeInvocation(c, types), OperationKind.Invocation);
    }

    private static void AnalyzeResult(OperationAnalysisContext context, WellKnownTypes types)
    {
        var reference = (IPropertyReferenceOperation)context.Operation;
        if (reference.Property.Name != "Result" || reference.Instance is not { } task || !IsGenericTask(reference.Property.ContainingType, types))
        {
            return;
        }

        if (reference.Syntax is not MemberAccessExpressionSyntax { Name: { } name })
        {
            return;
        }

        // `t.Result = x` cannot happen (read-only); `nameof(t.Result)` is not a read.
        if (reference.Parent is INameOfOperation)
        {
            return;
        }

        Report(context, types, reference, task, name.GetLocation(), ".Result");
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, WellKnownTypes types)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        switch (method.Name)
        {
            case "Wait" when invocation.Instance is { } instance && types.IsTask(method.ContainingType):
                if (HasZeroTimeout(invocation))
                {
                    return;
                }

                Report(context, types, invocation, instance, NameLocation(invocation), ".Wait()");
                return;

            case "GetResult" when invocation.Instance is IInvocationOperation { TargetMethod.Name: "GetAwaiter", Instance: { } awaitable }
                && method.Parameters.Length == 0:
                var task = OperationWalk.StripConfigureAwait(OperationWalk.Strip(awaitable));
                if (!types.IsTaskLike(task.Type))
                {
                    return;
                }

                Report(context, types, invocation, task, NameLocation(invocation), ".GetAwaiter().GetResult()");
                return;

            case "WaitAll" or "WaitAny" when method.IsStatic && SymbolEqualityComparer.Default.Equals(method.ContainingType, types.Task):
                if (HasZeroTimeout(invocation) || AllArgumentsKnownCompleted(invocation, types))
                {
                    return;
                }

                Report(context, types, invocation, null, NameLocation(invocation), "Task." + method.Name);
                return;
        }
    }

    private static void Report(OperationAnalysisContext context, WellKnownTypes types, IOperation site, IOperation? task, Location location, string what)
    {
        if (IsInMain(context.ContainingSymbol) || (task is not null && KnownCompletedTasks.IsKnownCompleted(task, types)))
        {
            return;
        }

        var canAwait = FunctionContext.IsInAsyncContext(site, context.ContainingSymbol);
        var properties = canAwait
            ? ImmutableDictionary<string, string?>.Empty.Add(CanAwaitProperty, "true")
            : ImmutableDictionary<string, string?>.Empty;
        var taskText = task is null ? "the tasks" : Describe(task);
        context.Report(Rule, location, properties, what, taskText, canAwait ? AwaitReason : SyncReason);
    }

    private static string Describe(IOperation task)
    {
        var text = task.Syntax.ToString();
        return text.Length <= 60 ? text : text.Substring(0, 57) + "...";
    }

    private static Location NameLocation(IInvocationOperation invocation) =>
        invocation.Syntax is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name: { } name } }
            ? name.GetLocation()
            : invocation.Syntax.GetLocation();

    private static bool IsGenericTask(INamedTypeSymbol? type, WellKnownTypes types) =>
        type is not null && (SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, types.TaskOfT) || SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, types.ValueTaskOfT));

    /// <summary><c>Wait(0)</c>, <c>Wait(TimeSpan.Zero)</c>, <c>WaitAny(tasks, 0)</c>: a poll that returns at once.</summary>
    private static bool HasZeroTimeout(IInvocationOperation invocation)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter is not { } parameter)
            {
                continue;
            }

            if (parameter.Type.SpecialType == SpecialType.System_Int32 && argument.Value.ConstantValue is { HasValue: true, Value: 0 })
            {
                return true;
            }

            if (parameter.Type.Name == "TimeSpan" && argument.Value is IFieldReferenceOperation { Field.Name: "Zero" })
            {
                return true;
            }
        }

        return false;
    }

    private static bool AllArgumentsKnownCompleted(IInvocationOperation invocation, WellKnownTypes types)
    {
        var any = false;
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter is not { IsParams: true } && argument.Parameter?.Type is not IArrayTypeSymbol)
            {
                continue;
            }

            var value = argument.Value;
            value = OperationWalk.Strip(value);

            if (value is not IArrayCreationOperation { Initializer: { } initializer })
            {
                return false;
            }

            foreach (var element in initializer.ElementValues)
            {
                any = true;
                if (!KnownCompletedTasks.IsKnownCompleted(element, types))
                {
                    return false;
                }
            }
        }

        return any;
    }

    /// <summary>The program's entry point: <c>static Main</c> or top-level statements, where nothing competes for the pool yet.</summary>
    private static bool IsInMain(ISymbol? containingSymbol) =>
        containingSymbol is IMethodSymbol { IsStatic: true, Name: "Main" or WellKnownMemberNames.TopLevelStatementsEntryPointMethodName };
}

namespace ConcurrencyGuard.Analyzers.Tasks;

/// <summary>
/// CG1006: <c>Task.Factory.StartNew(async () =&gt; ...)</c> and <c>task.ContinueWith(async t =&gt; ...)</c> return
/// <c>Task&lt;Task&gt;</c>. The outer task completes at the delegate's first <c>await</c>; whoever awaits or stores it waits for nothing and
/// never sees the inner task's exception. Not when the nested task is unwrapped: <c>.Unwrap()</c>,
/// <c>await await</c>, a local that is later unwrapped, or a member/return declared with the nested type.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class StartNewAsyncDelegateAnalyzer : ConcurrencyGuardAnalyzer
{
    /// <summary>Diagnostic property: the result is only awaited as a statement, discarded or used as a plain Task, so unwrapping it keeps the code compiling.</summary>
    public const string CanUnwrapProperty = "CanUnwrap";

    /// <summary>Diagnostic property: the call is <c>Task.Factory.StartNew</c> with arguments <c>Task.Run</c> can express (delegate, token, no state, default options and scheduler).</summary>
    public const string CanUseTaskRunProperty = "CanUseTaskRun";

    // TaskCreationOptions.None and DenyChildAttach (what Task.Run uses).
    private const int DenyChildAttach = 8;

    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.StartNewAsyncDelegate,
        title: "StartNew or ContinueWith with an async delegate",
        messageFormat: "{1} returns '{0}' here: the outer task completes at the delegate's first await, so whoever waits for it does not wait for the work and never sees its exception; call Unwrap() (or, for StartNew, use Task.Run)",
        DiagnosticSeverity.Warning,
        description: "Task.Factory.StartNew and Task.ContinueWith do not understand async delegates: they return a Task<Task> whose outer task completes as soon as the delegate returns its task, at its first await. Awaiting it, Task.WhenAll or Wait() on it return while the work still runs, and the work's exception is lost; converting it to Task (a Task field, a return value) hides the inner task for good. Task.Run unwraps; so does .Unwrap().");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        if (types.TaskOfT is null || types.TaskFactory is null)
        {
            return;
        }

        start.RegisterOperationAction(c => Analyze(c, types), OperationKind.Invocation);
    }

    private static void Analyze(OperationAnalysisContext context, WellKnownTypes types)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (!types.IsTaskFactoryStartNew(method) && !IsContinueWith(method, types))
        {
            return;
        }

        if (!IsNestedTask(invocation.Type, types))
        {
            return;
        }

        if (IsUnwrapped(invocation, invocation.Type!) || ReturnsOnlyCompletedTasks(invocation, types))
        {
            return;
        }

        var properties = ImmutableDictionary<string, string?>.Empty;
        if (CanUnwrap(invocation, types))
        {
            properties = properties.Add(CanUnwrapProperty, "true");
            if (CanUseTaskRun(invocation, types))
            {
                properties = properties.Add(CanUseTaskRunProperty, "true");
            }
        }

        context.Report(
            Rule,
            invocation.Syntax is Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax syntax ? syntax.Expression.GetLocation() : invocation.Syntax.GetLocation(),
            properties,
            invocation.Type!.ToMinimalDisplayString(invocation.SemanticModel!, invocation.Syntax.SpanStart),
            method.Name);
    }

    /// <summary><c>Task.ContinueWith</c> or <c>Task&lt;T&gt;.ContinueWith</c>: given a delegate that returns a task, it too returns the nested task.</summary>
    private static bool IsContinueWith(IMethodSymbol method, WellKnownTypes types) =>
        method.Name == nameof(System.Threading.Tasks.Task.ContinueWith) && types.IsTask(method.ContainingType);

    /// <summary><c>Task&lt;X&gt;</c> where X is a task-like (Task, Task&lt;T&gt;, ValueTask, ValueTask&lt;T&gt;).</summary>
    public static bool IsNestedTask(ITypeSymbol? type, WellKnownTypes types) =>
        type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named
        && SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, types.TaskOfT)
        && types.IsTaskLike(named.TypeArguments[0]);

    private static bool IsUnwrapped(IOperation value, ITypeSymbol nestedType)
    {
        var parent = value.Parent;
        switch (parent)
        {
            case IArgumentOperation { Parent: IInvocationOperation { TargetMethod.Name: "Unwrap" } }:
            case IInvocationOperation { TargetMethod.Name: "Unwrap" }:
            case IAwaitOperation { Parent: IAwaitOperation }:
                return true;
            case IReturnOperation:
                // A function declared to return the nested task hands it on knowingly.
                return true;
            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                return IsLocalUnwrapped(declarator.Symbol, value);
            case ISimpleAssignmentOperation assignment when assignment.Value == value:
                return assignment.Target switch
                {
                    ILocalReferenceOperation local => IsLocalUnwrapped(local.Local, value),
                    IFieldReferenceOperation or IPropertyReferenceOperation => SymbolEqualityComparer.Default.Equals(assignment.Target.Type, nestedType),
                    _ => false,
                };
            default:
                return false;
        }
    }

    /// <summary>
    /// The continuation (not async) only returns its own antecedent, complete when it runs (<see cref="KnownCompletedTasks"/>):
    /// <c>.ContinueWith(t =&gt; t, ...)</c> observes the antecedent without throwing. The inner task is done when the outer
    /// one is: nothing is hidden.
    /// </summary>
    private static bool ReturnsOnlyCompletedTasks(IInvocationOperation invocation, WellKnownTypes types)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (OperationWalk.Strip(argument.Value, Wrappers.Conversions | Wrappers.DelegateCreations) is not IAnonymousFunctionOperation { Symbol.IsAsync: false } lambda)
            {
                continue;
            }

            var any = false;
            foreach (var op in lambda.Body.Descendants())
            {
                if (op is IReturnOperation { ReturnedValue: { } returned } && FunctionContext.GetEnclosingFunctionOperation(op) == lambda)
                {
                    if (OperationWalk.Strip(returned, Wrappers.ConversionsAndParentheses) is not IParameterReferenceOperation { Parameter: { } parameter }
                        || !SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, lambda.Symbol)
                        || !KnownCompletedTasks.IsKnownCompleted(returned, types))
                    {
                        return false;
                    }

                    any = true;
                }
            }

            return any;
        }

        return false;
    }

    /// <summary>The local holding the nested task is unwrapped (or awaited twice) somewhere in its function.</summary>
    private static bool IsLocalUnwrapped(ILocalSymbol local, IOperation value)
    {
        var root = value;
        while (root.Parent is not null && root is not IAnonymousFunctionOperation && root is not ILocalFunctionOperation)
        {
            root = root.Parent;
        }

        foreach (var op in root.Descendants())
        {
            if (op is ILocalReferenceOperation reference
                && SymbolEqualityComparer.Default.Equals(reference.Local, local)
                && reference.Parent is IArgumentOperation { Parent: IInvocationOperation { TargetMethod.Name: "Unwrap" } }
                    or IInvocationOperation { TargetMethod.Name: "Unwrap" }
                    or IAwaitOperation { Parent: IAwaitOperation })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Unwrapping changes the type from <c>Task&lt;Task&lt;T&gt;&gt;</c> to <c>Task&lt;T&gt;</c>: safe when the
    /// value is used as a statement, discarded, awaited as a statement or converted to <c>Task</c>/<c>object</c>.
    /// The inner task must be a Task (there is no Unwrap for ValueTask).
    /// </summary>
    private static bool CanUnwrap(IInvocationOperation invocation, WellKnownTypes types)
    {
        var inner = ((INamedTypeSymbol)invocation.Type!).TypeArguments[0].OriginalDefinition;
        if (!SymbolEqualityComparer.Default.Equals(inner, types.Task) && !SymbolEqualityComparer.Default.Equals(inner, types.TaskOfT))
        {
            return false;
        }

        return invocation.Parent switch
        {
            IExpressionStatementOperation => true,
            IAwaitOperation { Parent: IExpressionStatementOperation } => true,
            ISimpleAssignmentOperation { Target: IDiscardOperation, Parent: IExpressionStatementOperation } => true,
            IInvocationOperation { TargetMethod.Name: "ConfigureAwait", Parent: IAwaitOperation { Parent: IExpressionStatementOperation } } configure => configure.Instance == invocation,
            IConversionOperation { IsImplicit: true } conversion => SymbolEqualityComparer.Default.Equals(conversion.Type, types.Task)
                || conversion.Type?.SpecialType == SpecialType.System_Object,
            _ => false,
        };
    }

    /// <summary><c>Task.Factory.StartNew(f[, token][, options, scheduler])</c> with no state, options None/DenyChildAttach and TaskScheduler.Default.</summary>
    private static bool CanUseTaskRun(IInvocationOperation invocation, WellKnownTypes types)
    {
        if (invocation.Instance is not IPropertyReferenceOperation { Property: { Name: "Factory", IsStatic: true } factory }
            || !SymbolEqualityComparer.Default.Equals(factory.ContainingType, types.Task))
        {
            return false;
        }

        foreach (var argument in invocation.Arguments)
        {
            var parameterType = argument.Parameter?.Type;
            if (parameterType is null)
            {
                return false;
            }

            if (parameterType.TypeKind == TypeKind.Delegate)
            {
                if (parameterType is not INamedTypeSymbol { DelegateInvokeMethod.Parameters.Length: 0 })
                {
                    return false;
                }

                continue;
            }

            if (SymbolEqualityComparer.Default.Equals(parameterType, types.CancellationToken))
            {
                continue;
            }

            switch (parameterType.Name)
            {
                case "TaskCreationOptions":
                    if (argument.Value.ConstantValue is not { HasValue: true, Value: int options } || (options & ~DenyChildAttach) != 0)
                    {
                        return false;
                    }

                    break;
                case "TaskScheduler":
                    if (argument.Value is not IPropertyReferenceOperation { Property: { Name: "Default", IsStatic: true } })
                    {
                        return false;
                    }

                    break;
                default:
                    return false;
            }
        }

        return true;
    }
}

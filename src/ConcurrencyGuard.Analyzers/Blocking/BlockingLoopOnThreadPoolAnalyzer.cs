namespace ConcurrencyGuard.Analyzers.Blocking;

/// <summary>
/// CG6004: <c>Task.Run</c> / <c>Task.Factory.StartNew</c> without <c>TaskCreationOptions.LongRunning</c> whose
/// delegate (a lambda, anonymous method or local function, found with <see cref="DeferredCode"/>) is not async
/// and runs a long loop (<c>while</c>, <c>do</c>, <c>for(;;)</c>, <c>foreach</c> over <c>GetConsumingEnumerable()</c>)
/// that blocks: <c>Thread.Sleep</c>, <c>BlockingCollection.Take</c>, waits on tasks and wait handles, synchronous
/// I/O that has an async counterpart (<see cref="AsyncCounterparts"/>). Such a delegate holds a pool thread for
/// as long as it runs. The delegate may also be a method group of a non-async method of this compilation
/// (<c>StartNew(ReceiveLoop, ct, TaskCreationOptions.DenyChildAttach, TaskScheduler.Default)</c>), or a lambda whose
/// whole body calls one (<c>() =&gt; ReceiveLoop(ct)</c>): the same question is asked of that method's body (one
/// level, <see cref="CalleeSummaries.GetBody"/>). Options that are not constant are left alone.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BlockingLoopOnThreadPoolAnalyzer : ConcurrencyGuardAnalyzer
{
    private const int LongRunning = 2;

    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.BlockingLoopOnThreadPool,
        title: "Long blocking loop on the thread pool",
        messageFormat: "The delegate given to '{0}' loops and blocks in '{1}' on a pool thread it never gives back: start it with TaskCreationOptions.LongRunning",
        DiagnosticSeverity.Warning,
        description: "A loop that sleeps or waits synchronously, started with Task.Run, occupies a thread-pool thread for the life of the process. A few of them and request work queues behind them while the pool grows by about one thread a second. Give the loop its own thread with TaskCreationOptions.LongRunning, or make it async.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        if (types.Task is null)
        {
            return;
        }

        var deferred = DeferredCode.GetOrCreate(types);
        var blocking = new BlockingCalls(types);
        var callees = CalleeSummaries.For(start.Compilation);
        start.RegisterOperationAction(c => Analyze(c, deferred, blocking, callees), OperationKind.Invocation);
    }

    private static void Analyze(OperationAnalysisContext context, DeferredCode deferred, BlockingCalls blocking, CalleeSummaries callees)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (invocation.TargetMethod.Name is not ("Run" or "StartNew"))
        {
            return;
        }

        IOperation? function = null;
        IOperation? delegateArgument = null;
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Value is IDelegateCreationOperation creation
                && (DeferredCode.GetFunction(creation) ?? (creation.Target is IMethodReferenceOperation { Method: var target } ? GetMethodBody(target, callees) : null)) is { } f)
            {
                function = f;
                delegateArgument = creation;
            }
            else if (argument.Parameter?.Type.Name == "TaskCreationOptions")
            {
                if (argument.Value.ConstantValue is not { HasValue: true, Value: int options } || (options & LongRunning) != 0)
                {
                    return;
                }
            }
        }

        if (function is null || delegateArgument is null
            || !deferred.TryGetBackgroundStart(delegateArgument, out var kind, out _)
            || kind is not (BackgroundStartKind.TaskRun or BackgroundStartKind.TaskFactoryStartNew))
        {
            return;
        }

        var symbol = function is IBlockOperation
            ? ((IDelegateCreationOperation)delegateArgument).Target is IMethodReferenceOperation { Method: var method } ? method : null
            : FunctionContext.FunctionSymbol(function);
        if (symbol is null || symbol.IsAsync)
        {
            return;
        }

        var blocker = FindBlockingLoop(function, blocking);
        if (blocker is null && function is IAnonymousFunctionOperation { Body: var lambdaBody } && SingleCall(lambdaBody) is { } call
            && GetMethodBody(call.TargetMethod, callees) is { } calleeBody)
        {
            blocker = FindBlockingLoop(calleeBody, blocking);
        }

        if (blocker is null)
        {
            return;
        }

        var location = invocation.Syntax is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name: { } name } } ? name.GetLocation() : invocation.Syntax.GetLocation();
        context.Report(Rule, location, kind == BackgroundStartKind.TaskRun ? "Task.Run" : "Task.Factory.StartNew", blocker);
    }

    /// <summary>The body of a non-async method of this compilation that every call runs (<see cref="CalleeSummaries.GetBody"/>).</summary>
    private static IBlockOperation? GetMethodBody(IMethodSymbol method, CalleeSummaries callees) =>
        method.IsAsync ? null : callees.GetBody(method);

    /// <summary>The one call a lambda body consists of: <c>() =&gt; Loop(ct)</c>, <c>() =&gt; { Loop(ct); }</c>.</summary>
    private static IInvocationOperation? SingleCall(IBlockOperation body)
    {
        var statements = 0;
        IOperation? only = null;
        foreach (var operation in body.Operations)
        {
            // The implicit `return;` the compiler adds at the end of a void lambda is no statement of its own.
            if (operation is IReturnOperation { ReturnedValue: null, IsImplicit: true })
            {
                continue;
            }

            statements++;
            only = operation;
        }

        var value = statements != 1 ? null : only switch
        {
            IExpressionStatementOperation statement => statement.Operation,
            IReturnOperation { ReturnedValue: { } returned } => returned,
            _ => null,
        };
        return value is null ? null : OperationWalk.Strip(value) as IInvocationOperation;
    }

    /// <summary>The name of the first blocking call inside a long loop of the function, or null.</summary>
    private static string? FindBlockingLoop(IOperation function, BlockingCalls blocking)
    {
        foreach (var op in Descendants(function))
        {
            if (op is not ILoopOperation loop || !IsLongLoop(loop, blocking, out var consuming))
            {
                continue;
            }

            if (consuming)
            {
                return "GetConsumingEnumerable";
            }

            foreach (var inner in Descendants(loop))
            {
                if (blocking.Describe(inner) is { } name)
                {
                    return name;
                }
            }
        }

        return null;
    }

    /// <summary>Descendants that run in the same function: not inside nested lambdas or local functions.</summary>
    private static System.Collections.Generic.IEnumerable<IOperation> Descendants(IOperation root)
    {
        var stack = new System.Collections.Generic.Stack<IOperation>();
        stack.Push(root is ILocalFunctionOperation { Body: { } body } ? body : root is IAnonymousFunctionOperation lambda ? lambda.Body : root);
        while (stack.Count > 0)
        {
            var op = stack.Pop();
            yield return op;
            foreach (var child in op.ChildOperations)
            {
                if (child is IAnonymousFunctionOperation or ILocalFunctionOperation)
                {
                    continue;
                }

                stack.Push(child);
            }
        }
    }

    private static bool IsLongLoop(ILoopOperation loop, BlockingCalls blocking, out bool consuming)
    {
        consuming = false;
        switch (loop)
        {
            case IWhileLoopOperation:
                return true;
            case IForLoopOperation forLoop:
                return forLoop.Condition is null;
            case IForEachLoopOperation forEach:
                var collection = forEach.Collection;
                collection = OperationWalk.Strip(collection);

                consuming = collection is IInvocationOperation { TargetMethod.Name: "GetConsumingEnumerable" } getConsuming
                    && blocking.IsBlockingCollection(getConsuming.TargetMethod.ContainingType);
                return consuming;
            default:
                return false;
        }
    }

    /// <summary>The calls that block the thread they run on.</summary>
    private sealed class BlockingCalls
    {
        private readonly WellKnownTypes _types;
        private readonly INamedTypeSymbol? _thread;
        private readonly INamedTypeSymbol? _blockingCollection;
        private readonly INamedTypeSymbol? _waitHandle;
        private readonly INamedTypeSymbol? _socket;
        private readonly INamedTypeSymbol? _memoryStream;
        private readonly INamedTypeSymbol? _stringReader;
        private readonly INamedTypeSymbol? _stringWriter;

        public BlockingCalls(WellKnownTypes types)
        {
            _types = types;
            _thread = types.Get(WellKnownTypeNames.Thread);
            _blockingCollection = types.Get(WellKnownTypeNames.BlockingCollectionOfT);
            _waitHandle = types.Get(WellKnownTypeNames.WaitHandle);
            _socket = types.Get(WellKnownTypeNames.Socket);
            _memoryStream = types.Get(WellKnownTypeNames.MemoryStream);
            _stringReader = types.Get(WellKnownTypeNames.StringReader);
            _stringWriter = types.Get(WellKnownTypeNames.StringWriter);
        }

        public bool IsBlockingCollection(INamedTypeSymbol? type) =>
            type is not null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, _blockingCollection);

        public string? Describe(IOperation operation)
        {
            switch (operation)
            {
                case IPropertyReferenceOperation { Property.Name: "Result", Instance: { } instance } when _types.IsTaskLike(instance.Type):
                    return "Result";
                case IInvocationOperation invocation:
                    var method = invocation.TargetMethod;
                    var type = method.ContainingType;
                    if (type is null)
                    {
                        return null;
                    }

                    if (method.Name is "Sleep" or "Join" && SymbolEqualityComparer.Default.Equals(type, _thread))
                    {
                        return method.Name == "Sleep" && BlockingCallInAsyncMethodAnalyzer.IsZero(invocation, 0) ? null : "Thread." + method.Name;
                    }

                    if (method.Name is "Take" or "TryTake" && IsBlockingCollection(type))
                    {
                        return method.Name == "TryTake" && (method.Parameters.Length < 2 || BlockingCallInAsyncMethodAnalyzer.IsZero(invocation, 1)) ? null : method.Name;
                    }

                    if (method.Name is "Wait" or "WaitOne" or "WaitAll" or "WaitAny" or "GetResult" or "SignalAndWait")
                    {
                        var waits = _types.IsTaskLike(type) || type.Name.EndsWith("Awaiter", System.StringComparison.Ordinal)
                            || WellKnownTypes.InheritsFrom(type, _waitHandle)
                            || type.ContainingNamespace?.ToDisplayString() == "System.Threading";
                        var zero = false;
                        foreach (var argument in invocation.Arguments)
                        {
                            zero |= argument.Parameter?.Type.SpecialType == SpecialType.System_Int32 && argument.Value.ConstantValue is { HasValue: true, Value: 0 };
                        }

                        return waits && !zero ? method.Name : null;
                    }

                    if (method.Name is "Receive" or "ReceiveFrom" or "Accept" && SymbolEqualityComparer.Default.Equals(type, _socket))
                    {
                        return method.Name;
                    }

                    var receiver = invocation.Instance?.Type;
                    if (receiver is not null
                        && (WellKnownTypes.InheritsFrom(receiver, _memoryStream) || WellKnownTypes.InheritsFrom(receiver, _stringReader) || WellKnownTypes.InheritsFrom(receiver, _stringWriter)))
                    {
                        return null;
                    }

                    if (method.Name is not ("Dispose" or "Add" or "AddRange" or "Cancel") && !_types.IsTaskLike(type)
                        && AsyncCounterparts.Find(method, _types, out _) is not null)
                    {
                        return method.Name;
                    }

                    return null;
                default:
                    return null;
            }
        }
    }
}

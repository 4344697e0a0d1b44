using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace ConcurrencyGuard.Analyzers;

/// <summary>How a delegate escapes the statement that made it (see <see cref="DeferredCode"/>).</summary>
public enum DeferralKind
{
    /// <summary>Consumed before the statement ends (invoked, enumerated, awaited), or handed to an unknown synchronous call.</summary>
    None = 0,

    /// <summary>Started in the background: Task.Run, Task.Factory.StartNew, ThreadPool.QueueUserWorkItem, new Thread, new Timer, new Task.</summary>
    BackgroundStart,

    /// <summary><c>task.ContinueWith(...)</c>: runs when another task completes.</summary>
    Continuation,

    /// <summary>Passed to another task-returning call (or <c>Parallel.ForEachAsync</c>) whose task is not awaited in the statement.</summary>
    UnawaitedTaskCall,

    /// <summary>Added to a collection or queue (<c>Add</c>, <c>Enqueue</c>, <c>Push</c>, <c>TryWrite</c>, collection initializer).</summary>
    AddedToCollection,

    /// <summary>Stored in a field, property, indexer or array element.</summary>
    StoredInMember,

    /// <summary>Stored in a local that outlives the statement's loop iteration, or that escapes itself.</summary>
    StoredInLocal,

    /// <summary>Subscribed to an event with <c>+=</c>.</summary>
    EventSubscription,

    /// <summary>Returned (or yielded) from the enclosing function.</summary>
    Returned,

    /// <summary>A lambda of a lazily evaluated LINQ query that is stored (local, member, return) and enumerated later.</summary>
    DeferredQuery,
}

/// <summary>The APIs that run a delegate on another thread (see <see cref="DeferredCode.TryGetBackgroundStart"/>).</summary>
public enum BackgroundStartKind
{
    None = 0,
    TaskRun,
    TaskFactoryStartNew,
    ThreadPoolQueueUserWorkItem,
    NewThread,
    NewTimer,
    NewTask,
}

/// <summary>What <see cref="DeferredCode.Classify"/> found out about one delegate.</summary>
public readonly struct Deferral
{
    public Deferral(DeferralKind kind, IOperation? site, IOperation? task, ILocalSymbol? holdingLocal, BackgroundStartKind background)
    {
        Kind = kind;
        Site = site;
        Task = task;
        HoldingLocal = holdingLocal;
        Background = background;
    }

    public static Deferral NotDeferred => default;

    public DeferralKind Kind { get; }

    /// <summary>True when the delegate can run after the statement that made it has ended.</summary>
    public bool IsDeferred => Kind != DeferralKind.None;

    /// <summary>
    /// The operation that lets it escape: the call or object creation (Task.Run, new Thread, list.Add),
    /// the assignment, event subscription or return.
    /// </summary>
    public IOperation? Site { get; }

    /// <summary>
    /// The call whose task completes when the deferred code has run (Task.Run, StartNew, ContinueWith,
    /// another unawaited async call), or null when nothing can be awaited. Pass the deferral to
    /// <see cref="DeferredCode.IsTaskAwaitedBefore"/> to learn whether that task is awaited later.
    /// </summary>
    public IOperation? Task { get; }

    /// <summary>
    /// The local that holds the delegate, query, collection or object the delegate escapes into, when
    /// that holder is a local (<c>var q = list.Where(...)</c>, <c>actions.Add(...)</c> on a local list,
    /// <c>local.Callback = ...</c>). Rules that care about one loop iteration check it with
    /// <see cref="DeferredCode.LocalEscapes"/>.
    /// </summary>
    public ILocalSymbol? HoldingLocal { get; }

    /// <summary>Which background API runs it, for <see cref="DeferralKind.BackgroundStart"/>.</summary>
    public BackgroundStartKind Background { get; }

    /// <summary>Words for messages: "Task.Run", "a collection", "an event handler"...</summary>
    public string Describe() => Kind switch
    {
        DeferralKind.BackgroundStart => Background switch
        {
            BackgroundStartKind.TaskRun => "Task.Run",
            BackgroundStartKind.TaskFactoryStartNew => "Task.Factory.StartNew",
            BackgroundStartKind.ThreadPoolQueueUserWorkItem => "ThreadPool.QueueUserWorkItem",
            BackgroundStartKind.NewThread => "a new Thread",
            BackgroundStartKind.NewTimer => "a Timer",
            _ => "a new Task",
        },
        DeferralKind.Continuation => "ContinueWith",
        DeferralKind.UnawaitedTaskCall => Site is IInvocationOperation inv ? "'" + inv.TargetMethod.Name + "' (not awaited)" : "an unawaited call",
        DeferralKind.AddedToCollection => "a collection",
        DeferralKind.StoredInMember => "a field or property",
        DeferralKind.StoredInLocal => "a variable used later",
        DeferralKind.EventSubscription => "an event subscription",
        DeferralKind.Returned => "the returned delegate",
        DeferralKind.DeferredQuery => "a LINQ query enumerated later",
        _ => "nothing",
    };
}

/// <summary>A captured variable of a lambda, anonymous method or local function, and where it is read or written inside it.</summary>
public sealed class CapturedVariable
{
    public CapturedVariable(ISymbol symbol, ImmutableArray<IOperation> references)
    {
        Symbol = symbol;
        References = references;
    }

    /// <summary>An <see cref="ILocalSymbol"/> or <see cref="IParameterSymbol"/> declared outside the function.</summary>
    public ISymbol Symbol { get; }

    /// <summary>The <see cref="ILocalReferenceOperation"/>/<see cref="IParameterReferenceOperation"/>s inside the function, in source order.</summary>
    public ImmutableArray<IOperation> References { get; }

    public ITypeSymbol? Type => Symbol switch
    {
        ILocalSymbol l => l.Type,
        IParameterSymbol p => p.Type,
        _ => null,
    };
}

/// <summary>
/// The "deferred code" classifier of family 5 (also used by CG1005 and CG6004): does a lambda,
/// anonymous method or local function converted to a delegate escape the statement that made it?
/// <list type="bullet">
/// <item>Deferred: given to Task.Run / Task.Factory.StartNew / ContinueWith / ThreadPool.QueueUserWorkItem /
/// new Thread / new Timer / new Task, or to another task-returning call that is not awaited in the statement;
/// added to a collection; stored in a field, property or a local that outlives the loop iteration (or escapes
/// itself); subscribed to an event; returned; a LINQ query holding it that is stored and enumerated later.</item>
/// <item>Not deferred: invoked or consumed before the statement ends (<c>list.Where(x => x &gt; i).ToList()</c>,
/// <c>foreach</c> over the query, <c>f()</c>), passed to a call that is awaited (or waited) in the same statement
/// (<c>await Task.Run(...)</c>, <c>await policy.ExecuteAsync(...)</c>), passed to an unknown synchronous call
/// (precision first), and the synchronous <c>Parallel.For/ForEach/Invoke</c>: they run the delegate on pool
/// threads but return only when every call has finished, so nothing escapes the statement.</item>
/// </list>
/// Everything is intra-procedural and walks IOperation parents/descendants only: no semantic-model lookups
/// per node. Get the per-compilation instance with <see cref="GetOrCreate"/> in a compilation-start action.
/// </summary>
public sealed class DeferredCode
{
    private const int MaxLocalHops = 2;
    private static readonly ConditionalWeakTable<Compilation, DeferredCode> Cache = new();

    private readonly INamedTypeSymbol? _threadPool;
    private readonly INamedTypeSymbol? _thread;
    private readonly INamedTypeSymbol? _timer;
    private readonly INamedTypeSymbol? _parallel;
    private readonly INamedTypeSymbol? _enumerable;
    private readonly INamedTypeSymbol? _queryable;
    private readonly INamedTypeSymbol? _ienumerableOfT;
    private readonly INamedTypeSymbol? _ienumerable;
    private readonly INamedTypeSymbol? _channelWriter;

    private DeferredCode(WellKnownTypes types)
    {
        Types = types;
        _threadPool = types.Get(WellKnownTypeNames.ThreadPool);
        _thread = types.Get(WellKnownTypeNames.Thread);
        _timer = types.Get(WellKnownTypeNames.Timer);
        _parallel = types.Get(WellKnownTypeNames.Parallel);
        _enumerable = types.Get(WellKnownTypeNames.Enumerable);
        _queryable = types.Get(WellKnownTypeNames.Queryable);
        _ienumerableOfT = types.Compilation.GetSpecialType(SpecialType.System_Collections_Generic_IEnumerable_T);
        _ienumerable = types.Compilation.GetSpecialType(SpecialType.System_Collections_IEnumerable);
        _channelWriter = types.Get(WellKnownTypeNames.ChannelWriterOfT);
    }

    public static DeferredCode GetOrCreate(WellKnownTypes types) =>
        Cache.GetValue(types.Compilation, _ => new DeferredCode(types));

    public WellKnownTypes Types { get; }

    /// <summary>
    /// The function a delegate operation stands for: the <see cref="IAnonymousFunctionOperation"/> itself, or
    /// for a method group naming a local function (<c>Task.Run(Work)</c>) that local function's declaration.
    /// Null for other method groups and anything else.
    /// </summary>
    public static IOperation? GetFunction(IOperation delegateOrFunction)
    {
        switch (delegateOrFunction)
        {
            case IAnonymousFunctionOperation lambda:
                return lambda;
            case IDelegateCreationOperation { Target: IAnonymousFunctionOperation lambda }:
                return lambda;
            case IDelegateCreationOperation { Target: IMethodReferenceOperation { Method: { MethodKind: MethodKind.LocalFunction, IsStatic: false } method } }:
                return FindLocalFunction(delegateOrFunction, method);
            default:
                return null;
        }
    }

    /// <summary>
    /// The syntax to report a deferred function on: a lambda's parameters and arrow, <c>delegate</c>, or
    /// the method group of a converted local function. Short, so the squiggle does not cover the body.
    /// </summary>
    public static Location GetReportLocation(IOperation delegateOperation)
    {
        var syntax = (delegateOperation is IDelegateCreationOperation { Target: { } target } ? target : delegateOperation).Syntax;
        switch (syntax)
        {
            case SimpleLambdaExpressionSyntax simple:
                return Location.Create(syntax.SyntaxTree, Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(simple.SpanStart, simple.ArrowToken.Span.End));
            case ParenthesizedLambdaExpressionSyntax parenthesized:
                return Location.Create(syntax.SyntaxTree, Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(parenthesized.SpanStart, parenthesized.ArrowToken.Span.End));
            case AnonymousMethodExpressionSyntax anonymous:
                return anonymous.DelegateKeyword.GetLocation();
            default:
                return syntax.GetLocation();
        }
    }

    /// <summary>
    /// Classifies a delegate: pass the <see cref="IAnonymousFunctionOperation"/> or the
    /// <see cref="IDelegateCreationOperation"/> (a converted lambda or local-function method group).
    /// </summary>
    public Deferral Classify(IOperation delegateOperation)
    {
        var value = delegateOperation is IAnonymousFunctionOperation { Parent: IDelegateCreationOperation creation } ? creation : delegateOperation;
        return ClassifyValue(value, ValueShape.Delegate, 0);
    }

    /// <summary>
    /// "Is this delegate run in the background, and by which call?" True for Task.Run,
    /// Task.Factory.StartNew, ThreadPool.QueueUserWorkItem (and UnsafeQueueUserWorkItem), new Thread,
    /// new System.Threading.Timer and new Task, whether or not the started work is awaited afterwards
    /// (await Task.Run(...) still runs on the pool). <paramref name="call"/> is the invocation or object
    /// creation, so callers can read its other arguments (TaskCreationOptions.LongRunning, the token...).
    /// </summary>
    public bool TryGetBackgroundStart(IOperation delegateOperation, out BackgroundStartKind kind, out IOperation? call)
    {
        kind = BackgroundStartKind.None;
        call = null;
        var value = delegateOperation is IAnonymousFunctionOperation { Parent: IDelegateCreationOperation creation } ? creation : delegateOperation;
        var current = value;
        current = OperationWalk.Outermost(current, Wrappers.Conversions | Wrappers.DelegateCreations);

        if (current.Parent is not IArgumentOperation { Parent: { } owner })
        {
            return false;
        }

        kind = owner switch
        {
            IInvocationOperation invocation => GetBackgroundKind(invocation.TargetMethod),
            IObjectCreationOperation creationOp => GetBackgroundKind(creationOp.Type),
            _ => BackgroundStartKind.None,
        };
        call = kind == BackgroundStartKind.None ? null : owner;
        return kind != BackgroundStartKind.None;
    }

    /// <summary>
    /// The locals and parameters a function captures from outside it, each with its references inside
    /// it (nested lambdas included), in source order. <paramref name="function"/> is what
    /// <see cref="GetFunction"/> returns. <c>this</c> is not listed.
    /// </summary>
    public static ImmutableArray<CapturedVariable> GetCapturedVariables(IOperation function)
    {
        var span = function.Syntax.Span;
        Dictionary<ISymbol, ImmutableArray<IOperation>.Builder>? found = null;
        List<ISymbol>? order = null;
        foreach (var op in Body(function).DescendantsAndSelf())
        {
            ISymbol? symbol = op switch
            {
                ILocalReferenceOperation local => local.Local,
                IParameterReferenceOperation parameter => parameter.Parameter,
                _ => null,
            };
            if (symbol is null || IsDeclaredWithin(symbol, span))
            {
                continue;
            }

            found ??= new Dictionary<ISymbol, ImmutableArray<IOperation>.Builder>(SymbolEqualityComparer.Default);
            order ??= new List<ISymbol>();
            if (!found.TryGetValue(symbol, out var refs))
            {
                refs = ImmutableArray.CreateBuilder<IOperation>();
                found.Add(symbol, refs);
                order.Add(symbol);
            }

            refs.Add(op);
        }

        if (found is null || order is null)
        {
            return ImmutableArray<CapturedVariable>.Empty;
        }

        var result = ImmutableArray.CreateBuilder<CapturedVariable>(order.Count);
        foreach (var symbol in order)
        {
            var refs = found[symbol];
            refs.Sort(static (a, b) => a.Syntax.SpanStart.CompareTo(b.Syntax.SpanStart));
            result.Add(new CapturedVariable(symbol, refs.ToImmutable()));
        }

        return result.MoveToImmutable();
    }

    /// <summary>
    /// True when the task of <paramref name="deferral"/> (<see cref="Deferral.Task"/>) is awaited, waited or
    /// handed to an awaited <c>Task.WhenAll</c> between its creation and <paramref name="position"/>, inside
    /// <paramref name="scope"/>: directly in its statement, through the local it is stored in, or through a
    /// local collection it is added to (<c>tasks.Add(Task.Run(...)); ... await Task.WhenAll(tasks);</c>).
    /// </summary>
    public bool IsTaskAwaitedBefore(Deferral deferral, IOperation scope, int position)
    {
        if (deferral.Task is not { } task)
        {
            return false;
        }

        if (IsCompletedWithinStatement(task))
        {
            return true;
        }

        var holder = GetTaskHolder(task);
        if (holder is null)
        {
            return false;
        }

        var start = task.Syntax.Span.End;
        foreach (var op in scope.DescendantsAndSelf())
        {
            if (op is ILocalReferenceOperation reference
                && SymbolEqualityComparer.Default.Equals(reference.Local, holder)
                && reference.Syntax.SpanStart >= start
                && reference.Syntax.SpanStart < position
                && IsCompletedWithinStatement(reference))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when the task of <paramref name="deferral"/> is returned from the enclosing function (the caller owns it).</summary>
    public static bool IsTaskReturned(Deferral deferral)
    {
        for (var current = deferral.Task; current is not null; current = current.Parent)
        {
            switch (current.Parent)
            {
                case IConversionOperation:
                case IInvocationOperation { TargetMethod.Name: "ConfigureAwait" }:
                    continue;
                case IReturnOperation { Kind: OperationKind.Return }:
                    return true;
                default:
                    return false;
            }
        }

        return false;
    }

    /// <summary>
    /// True when <paramref name="local"/> is referenced, inside <paramref name="scope"/>, in a way that lets its
    /// value escape the scope (stored in a member or outer local, added to a collection, returned, given to
    /// background work): one hop of alias tracking, enough for <c>var list = ...; list.Add(...); _field = list;</c>.
    /// </summary>
    public bool LocalEscapes(ILocalSymbol local, IOperation scope) => LocalEscapes(local, scope, ValueShape.Object, 1);

    /// <summary>
    /// True when a value computed here is awaited, waited (<c>Wait()</c>, <c>.Result</c>,
    /// <c>GetAwaiter().GetResult()</c>, <c>Task.WaitAll</c>) or consumed by an awaited call before its statement
    /// ends; follows the result of a lambda passed to a LINQ operator (<c>await Task.WhenAll(xs.Select(x =&gt; Task.Run(...)))</c>).
    /// </summary>
    public bool IsCompletedWithinStatement(IOperation operation)
    {
        var current = operation;
        while (current.Parent is { } parent)
        {
            switch (parent)
            {
                case IAwaitOperation:
                    return true;
                case IInvocationOperation invocation when ReferenceEquals(invocation.Instance, current)
                    && invocation.TargetMethod.Name is "Wait" or "GetResult" or "RunSynchronously":
                    return true;
                case IInvocationOperation { TargetMethod: { Name: "WaitAll" or "WaitAny" } waitAll } when Types.IsTask(waitAll.ContainingType):
                    return true;
                case IPropertyReferenceOperation { Property.Name: "Result" } result when ReferenceEquals(result.Instance, current):
                    return true;
                case IReturnOperation { Parent: IBlockOperation { Parent: IAnonymousFunctionOperation lambda } }:
                    // The value is what a lambda returns (xs.Select(x => Task.Run(...))): follow the lambda.
                    current = lambda;
                    continue;
                case IConditionalOperation { Type: null }:
                case IExpressionStatementOperation:
                case IVariableDeclarationGroupOperation:
                case IReturnOperation:
                case IBlockOperation:
                case ILoopOperation:
                case IUsingOperation:
                case ILockOperation:
                case ISwitchOperation:
                case ITryOperation:
                case IAnonymousFunctionOperation:
                case ILocalFunctionOperation:
                case IMethodBodyOperation:
                    return false;
            }

            current = parent;
        }

        return false;
    }

    private enum ValueShape
    {
        /// <summary>The delegate itself: invoking it or passing it to an unknown call consumes it.</summary>
        Delegate,

        /// <summary>A lazily evaluated query that holds the delegate: enumerating it consumes it.</summary>
        Query,

        /// <summary>An object or collection that holds the delegate: only storing it lets the delegate escape.</summary>
        Object,
    }

    private Deferral ClassifyValue(IOperation value, ValueShape shape, int hops)
    {
        var current = value;
        while (current.Parent is { } parent)
        {
            switch (parent)
            {
                case IConversionOperation:
                case IDelegateCreationOperation:
                case IParenthesizedOperation:
                case IArrayInitializerOperation:
                case IArrayCreationOperation:
                case IConditionalOperation { Condition: var condition } when !ReferenceEquals(condition, current):
                case ICoalesceOperation:
                    current = parent;
                    continue;

                case IArgumentOperation { Parent: IInvocationOperation invocation } argument:
                    return ClassifyArgument(invocation, argument, shape, hops);

                case IArgumentOperation { Parent: IObjectCreationOperation creation }:
                    var background = GetBackgroundKind(creation.Type);
                    if (background != BackgroundStartKind.None)
                    {
                        return IsCompletedWithinStatement(creation)
                            ? Deferral.NotDeferred
                            : new Deferral(DeferralKind.BackgroundStart, creation, Types.IsTask(creation.Type) ? creation : null, null, background);
                    }

                    // new Command(() => ...): the new object holds the delegate; follow the object.
                    // A query given to a constructor (new List<T>(query)) is enumerated there.
                    return shape == ValueShape.Query ? Deferral.NotDeferred : ClassifyValue(creation, ValueShape.Object, hops);

                case IInvocationOperation invocation when ReferenceEquals(invocation.Instance, current):
                    // f(), f.Invoke(), task.ContinueWith(...), list.Add(...) on the holder: consumed here.
                    // A LINQ operator with an instance receiver is not in Enumerable/Queryable, so nothing to follow.
                    return Deferral.NotDeferred;

                case ISimpleAssignmentOperation assignment when ReferenceEquals(assignment.Value, current):
                    return ClassifyStore(assignment.Target, assignment, shape, hops);

                case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                    return ClassifyLocalStore(declarator.Symbol, declarator, shape, hops);

                case IEventAssignmentOperation { Adds: true } eventAssignment:
                    return new Deferral(
                        DeferralKind.EventSubscription,
                        eventAssignment,
                        null,
                        (eventAssignment.EventReference as IEventReferenceOperation)?.Instance is ILocalReferenceOperation eventOwner ? eventOwner.Local : null,
                        BackgroundStartKind.None);

                case IReturnOperation returnOperation:
                    return new Deferral(shape == ValueShape.Query ? DeferralKind.DeferredQuery : DeferralKind.Returned, returnOperation, null, null, BackgroundStartKind.None);

                case IMemberInitializerOperation:
                case IObjectOrCollectionInitializerOperation:
                    current = parent;
                    continue;

                default:
                    // Including `foreach (var x in value)`: enumerating the value runs it now.
                    return Deferral.NotDeferred;
            }
        }

        return Deferral.NotDeferred;
    }

    private Deferral ClassifyArgument(IInvocationOperation invocation, IArgumentOperation argument, ValueShape shape, int hops)
    {
        var method = invocation.TargetMethod;

        // Collection initializer elements are implicit Add calls on the object being created.
        if (invocation.IsImplicit && method.Name == "Add" && invocation.Parent is IObjectOrCollectionInitializerOperation)
        {
            var created = invocation.Parent;
            while (created is not null and not IObjectCreationOperation)
            {
                created = created.Parent;
            }

            return created is null ? Deferral.NotDeferred : PromoteToCollection(ClassifyValue(created, ValueShape.Object, hops));
        }

        if (shape == ValueShape.Delegate)
        {
            var background = GetBackgroundKind(method);
            if (background != BackgroundStartKind.None)
            {
                return IsCompletedWithinStatement(invocation)
                    ? Deferral.NotDeferred
                    : new Deferral(DeferralKind.BackgroundStart, invocation, Types.IsTaskLike(invocation.Type) ? invocation : null, null, background);
            }

            if (method.Name == "ContinueWith" && Types.IsTask(method.ContainingType))
            {
                return IsCompletedWithinStatement(invocation)
                    ? Deferral.NotDeferred
                    : new Deferral(DeferralKind.Continuation, invocation, invocation, null, BackgroundStartKind.None);
            }

            if (SymbolEqualityComparer.Default.Equals(method.ContainingType, _parallel) && !Types.IsTaskLike(method.ReturnType))
            {
                // Parallel.For/ForEach/Invoke return when every delegate has run.
                return Deferral.NotDeferred;
            }
        }

        if (IsLinqOperator(method))
        {
            // A lazy operator (Where, Select...) holds the lambda or the source query: follow its result.
            // A materializing one (ToList, Count, First...) consumes it here.
            return IsLazyQuery(method) ? ClassifyValue(invocation, ValueShape.Query, hops) : Deferral.NotDeferred;
        }

        if (IsCollectionAdd(invocation))
        {
            if (shape == ValueShape.Delegate && IsElementFactory(argument))
            {
                // dictionary.GetOrAdd(key, k => Create(k)): the factory computes the element within the call; only its result is stored.
                return Deferral.NotDeferred;
            }

            return new Deferral(
                DeferralKind.AddedToCollection,
                invocation,
                null,
                invocation.Instance is ILocalReferenceOperation list ? list.Local : null,
                BackgroundStartKind.None);
        }

        if (shape != ValueShape.Object && Awaitables.IsAwaitable(invocation.Type, Types) && !IsCompletedWithinStatement(invocation))
        {
            // helper.RunAsync(() => ...) whose task is stored or dropped: the delegate may run after the statement.
            return new Deferral(DeferralKind.UnawaitedTaskCall, invocation, invocation, GetTaskHolder(invocation), BackgroundStartKind.None);
        }

        // Unknown synchronous call: assume it consumes the delegate (precision first).
        return Deferral.NotDeferred;
    }

    private static Deferral PromoteToCollection(Deferral deferral) =>
        deferral.IsDeferred
            ? new Deferral(DeferralKind.AddedToCollection, deferral.Site, null, deferral.HoldingLocal, BackgroundStartKind.None)
            : deferral;

    private Deferral ClassifyStore(IOperation target, IOperation store, ValueShape shape, int hops)
    {
        switch (target)
        {
            case ILocalReferenceOperation local:
                return ClassifyLocalStore(local.Local, store, shape, hops);
            case IFieldReferenceOperation:
            case IPropertyReferenceOperation:
            case IArrayElementReferenceOperation:
                var holder = target switch
                {
                    IMemberReferenceOperation { Instance: ILocalReferenceOperation l } => l.Local,
                    IArrayElementReferenceOperation { ArrayReference: ILocalReferenceOperation l } => l.Local,
                    _ => null,
                };
                if (target is IMemberReferenceOperation { Instance: IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ImplicitReceiver } })
                {
                    // new Foo { Callback = () => ... }: the new object holds it; follow the object.
                    var created = store.Parent;
                    while (created is not null and not IObjectCreationOperation and not IAnonymousObjectCreationOperation)
                    {
                        created = created.Parent;
                    }

                    return created is null ? Deferral.NotDeferred : ClassifyValue(created, ValueShape.Object, hops);
                }

                return new Deferral(shape == ValueShape.Query ? DeferralKind.DeferredQuery : DeferralKind.StoredInMember, store, null, holder, BackgroundStartKind.None);
            default:
                return Deferral.NotDeferred;
        }
    }

    private Deferral ClassifyLocalStore(ILocalSymbol local, IOperation store, ValueShape shape, int hops)
    {
        if (shape == ValueShape.Query)
        {
            // The spec: a stored query is enumerated later.
            return new Deferral(DeferralKind.DeferredQuery, store, null, local, BackgroundStartKind.None);
        }

        // A local declared outside the loop that runs this statement keeps the delegate for later iterations.
        var loop = EnclosingLoop(store);
        if (loop is not null && !IsDeclaredWithin(local, LoopBodySpan(loop)))
        {
            return new Deferral(DeferralKind.StoredInLocal, store, null, local, BackgroundStartKind.None);
        }

        if (hops >= MaxLocalHops)
        {
            return Deferral.NotDeferred;
        }

        var scope = LocalScope(store);
        return scope is not null && LocalEscapes(local, scope, shape, hops + 1)
            ? new Deferral(DeferralKind.StoredInLocal, store, null, local, BackgroundStartKind.None)
            : Deferral.NotDeferred;
    }

    private bool LocalEscapes(ILocalSymbol local, IOperation scope, ValueShape shape, int hops)
    {
        foreach (var op in scope.DescendantsAndSelf())
        {
            if (op is not ILocalReferenceOperation reference
                || reference.IsDeclaration
                || !SymbolEqualityComparer.Default.Equals(reference.Local, local))
            {
                continue;
            }

            // Written (the store itself or a reassignment): not an escape of the old value.
            if (reference.Parent is ISimpleAssignmentOperation assignment && ReferenceEquals(assignment.Target, reference))
            {
                continue;
            }

            if (ClassifyValue(reference, shape, hops).IsDeferred)
            {
                return true;
            }

            // Captured by a lambda that is itself deferred.
            if (FunctionContext.GetEnclosingFunctionOperation(reference, scope, lambdasOnly: true) is { } function
                && function.Parent is { } creation
                && ClassifyValue(creation, ValueShape.Delegate, hops).IsDeferred)
            {
                return true;
            }
        }

        return false;
    }

    private BackgroundStartKind GetBackgroundKind(IMethodSymbol method)
    {
        var type = method.ContainingType;
        if (type is null)
        {
            return BackgroundStartKind.None;
        }

        if (Types.IsTaskRun(method))
        {
            return BackgroundStartKind.TaskRun;
        }

        if (Types.IsTaskFactoryStartNew(method))
        {
            return BackgroundStartKind.TaskFactoryStartNew;
        }

        if (method.Name is "QueueUserWorkItem" or "UnsafeQueueUserWorkItem" && SymbolEqualityComparer.Default.Equals(type, _threadPool))
        {
            return BackgroundStartKind.ThreadPoolQueueUserWorkItem;
        }

        return BackgroundStartKind.None;
    }

    private BackgroundStartKind GetBackgroundKind(ITypeSymbol? type)
    {
        if (type is null)
        {
            return BackgroundStartKind.None;
        }

        if (SymbolEqualityComparer.Default.Equals(type, _thread))
        {
            return BackgroundStartKind.NewThread;
        }

        if (SymbolEqualityComparer.Default.Equals(type, _timer))
        {
            return BackgroundStartKind.NewTimer;
        }

        return Types.IsTask(type) ? BackgroundStartKind.NewTask : BackgroundStartKind.None;
    }

    private bool IsLinqOperator(IMethodSymbol method) =>
        method.ContainingType is { } type
        && (SymbolEqualityComparer.Default.Equals(type, _enumerable) || SymbolEqualityComparer.Default.Equals(type, _queryable));

    /// <summary>Where, Select, OrderBy...: returns an interface sequence (not ToList/ToArray/ToLookup/ToHashSet).</summary>
    private bool IsLazyQuery(IMethodSymbol method) =>
        method.ReturnType is INamedTypeSymbol { TypeKind: TypeKind.Interface } returnType
        && method.Name != "ToLookup"
        && (SymbolEqualityComparer.Default.Equals(returnType.OriginalDefinition, _ienumerableOfT)
            || WellKnownTypes.IsOrImplements(returnType, _ienumerableOfT));

    /// <summary>
    /// The delegate is a factory for the collection's element, not the element: the declared parameter is a
    /// delegate over the collection's own type parameters (<c>GetOrAdd(TKey, Func&lt;TKey, TValue&gt;)</c>,
    /// <c>AddOrUpdate</c>'s factories). The collection invokes it inside the call and stores its result.
    /// A parameter declared as the element type itself (<c>List&lt;T&gt;.Add(T)</c> with <c>T</c> a delegate) stores it.
    /// </summary>
    private static bool IsElementFactory(IArgumentOperation argument)
    {
        if (argument.Parameter?.OriginalDefinition is not { Type: INamedTypeSymbol { TypeKind: TypeKind.Delegate, IsGenericType: true } declared } parameter
            || parameter.ContainingSymbol is not IMethodSymbol { ContainingType: { IsGenericType: true } owner })
        {
            return false;
        }

        foreach (var typeArgument in declared.TypeArguments)
        {
            if (typeArgument is ITypeParameterSymbol { TypeParameterKind: TypeParameterKind.Type } typeParameter
                && SymbolEqualityComparer.Default.Equals(typeParameter.DeclaringType, owner.OriginalDefinition))
            {
                return true;
            }
        }

        return false;
    }

    private bool IsCollectionAdd(IInvocationOperation invocation)
    {
        if (invocation.Instance is not { Type: { } receiverType }
            || invocation.TargetMethod.Name is not ("Add" or "AddLast" or "AddFirst" or "Insert" or "Enqueue" or "Push" or "TryAdd" or "AddOrUpdate" or "GetOrAdd" or "TryWrite" or "WriteAsync"))
        {
            return false;
        }

        return WellKnownTypes.IsOrImplements(receiverType, _ienumerable)
            || (_channelWriter is not null && WellKnownTypes.InheritsFrom(receiverType, _channelWriter));
    }

    private static ILocalSymbol? GetTaskHolder(IOperation task)
    {
        var current = task;
        while (current.Parent is { } parent)
        {
            switch (parent)
            {
                case IConversionOperation:
                case IInvocationOperation { TargetMethod.Name: "ConfigureAwait" }:
                    current = parent;
                    continue;
                case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                    return declarator.Symbol;
                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation local } assignment when ReferenceEquals(assignment.Value, current):
                    return local.Local;
                case ISimpleAssignmentOperation { Target: IArrayElementReferenceOperation { ArrayReference: ILocalReferenceOperation array } } element when ReferenceEquals(element.Value, current):
                    return array.Local; // tasks[i] = Task.Run(...); ... Task.WhenAll(tasks).Wait();
                case IArgumentOperation { Parent: IInvocationOperation { Instance: ILocalReferenceOperation list, TargetMethod.Name: "Add" } }:
                    return list.Local;
                default:
                    return null;
            }
        }

        return null;
    }

    private static ILoopOperation? EnclosingLoop(IOperation operation)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case ILoopOperation loop:
                    return loop;
                case IAnonymousFunctionOperation:
                case ILocalFunctionOperation:
                    return null;
            }
        }

        return null;
    }

    private static Microsoft.CodeAnalysis.Text.TextSpan LoopBodySpan(ILoopOperation loop) => loop.Body.Syntax.Span;

    /// <summary>The block that declares the locals of a statement: the nearest enclosing block, or the function body.</summary>
    private static IOperation? LocalScope(IOperation operation)
    {
        IOperation? last = null;
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            last = current;
            if (current is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                return current;
            }
        }

        return last;
    }

    private static bool IsDeclaredWithin(ISymbol symbol, Microsoft.CodeAnalysis.Text.TextSpan span)
    {
        var references = symbol.DeclaringSyntaxReferences;
        return references.Length > 0 && span.Contains(references[0].Span);
    }

    private static IOperation Body(IOperation function) => function switch
    {
        IAnonymousFunctionOperation lambda => lambda.Body,
        ILocalFunctionOperation local => (IOperation?)local.Body ?? local,
        _ => function,
    };

    /// <summary>The local functions of each operation tree, indexed once per tree rather than walked per lookup.</summary>
    private static readonly ConditionalWeakTable<IOperation, Dictionary<IMethodSymbol, ILocalFunctionOperation>> LocalFunctions = new();

    private static ILocalFunctionOperation? FindLocalFunction(IOperation from, IMethodSymbol method)
    {
        // The root of the operation tree holds every local function of the member.
        var byMethod = LocalFunctions.GetValue(OperationWalk.Root(from), static root =>
        {
            var found = new Dictionary<IMethodSymbol, ILocalFunctionOperation>(SymbolEqualityComparer.Default);
            foreach (var op in root.DescendantsAndSelf())
            {
                if (op is ILocalFunctionOperation local && !found.ContainsKey(local.Symbol))
                {
                    found.Add(local.Symbol, local);
                }
            }

            return found;
        });
        return byMethod.TryGetValue(method, out var function) ? function : null;
    }
}

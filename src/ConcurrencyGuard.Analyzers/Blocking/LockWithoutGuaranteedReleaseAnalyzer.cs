namespace ConcurrencyGuard.Analyzers.Blocking;

/// <summary>
/// CG6003: <c>await sem.WaitAsync(...)</c>, <c>sem.Wait(...)</c> or <c>Monitor.Enter(obj)</c> whose release is
/// not guaranteed: the same function releases the object, but not in the <c>finally</c> of a <c>try</c> that
/// follows the acquisition (an exception leaks the permit: every later caller waits for ever), or the wait
/// is inside that <c>try</c> (a cancelled wait makes the <c>finally</c> release a permit never taken).
/// Left alone: the timeout overloads that return <c>bool</c> (<c>if (await sem.WaitAsync(t))</c>),
/// <c>Monitor.Enter(obj, ref taken)</c>, functions that never release the object (acquire and release are
/// split across methods on purpose), and functions that hand the object on (return it, pass it to a
/// constructor or method, e.g. an <c>AsyncLock</c> releaser).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LockWithoutGuaranteedReleaseAnalyzer : ConcurrencyGuardAnalyzer
{
    /// <summary>Diagnostic property: <see cref="InsideTry"/>, <see cref="NoFinally"/> or <see cref="EarlyExit"/>.</summary>
    public const string ShapeProperty = "cg.shape";
    public const string InsideTry = "insideTry";
    public const string NoFinally = "noFinally";
    public const string EarlyExit = "earlyExit";
    public const string EarlyExitAfterTimedWait = "earlyExitAfterTimedWait";

    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.LockWithoutGuaranteedRelease,
        title: "Semaphore or lock acquired without a guaranteed release",
        messageFormat: "'{0}' acquires '{1}' {2}",
        DiagnosticSeverity.Info,
        description: "A semaphore or monitor released outside a finally stays taken when the code in between throws or is cancelled: every later caller waits for ever and the service stalls one request at a time. Acquire it, then release it in the finally of a try that starts right after the acquisition.");

    private const string NoFinallyReason = "but does not release it in a finally: an exception leaks it and every later caller waits for ever";
    private const string EarlyExitReason = "but an early exit before the try whose finally releases it skips the release: the permit leaks for ever and every later caller waits";
    private const string InsideTryReason = "inside the try whose finally releases it: a cancelled or failed wait releases a permit that was never taken";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        var locks = Locks.Create(types);
        if (locks.IsEmpty)
        {
            return;
        }

        start.RegisterOperationAction(c => Analyze(c, locks), OperationKind.Invocation);
    }

    private static void Analyze(OperationAnalysisContext context, Locks locks)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (!locks.IsAcquire(invocation, out var lockObject) || lockObject is null)
        {
            if (locks.IsTimedAcquire(invocation, out var timedLock) && timedLock is not null)
            {
                AnalyzeTimedAcquire(context, invocation, timedLock, locks);
            }

            return;
        }

        // The acquisition must be a statement of its own: `await sem.WaitAsync(ct);`, `sem.Wait();`, `Monitor.Enter(o);`.
        IOperation current = invocation;
        while (current.Parent is IAwaitOperation or IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } or IConversionOperation)
        {
            current = current.Parent;
        }

        if (current.Parent is not IExpressionStatementOperation { Parent: IBlockOperation block } statement)
        {
            return;
        }

        // Re-acquiring in a finally (`Release(); try { ... } finally { await sem.WaitAsync(); }`): the caller owns the lock.
        if (CleanupCode.IsInFinally(statement))
        {
            return;
        }

        var body = FunctionContext.GetFunctionBody(statement);
        if (body is null || !IsReleasedOnSamePath(body, invocation, lockObject, locks) || IsHandedOn(body, lockObject, statement.Syntax.Span.End))
        {
            return;
        }

        string shape;
        var additional = System.Array.Empty<Location>();
        if (block.Parent is ITryOperation { Finally: { } enclosingFinally } enclosingTry
            && ReferenceEquals(enclosingTry.Body, block)
            && locks.IsReleasedIn(enclosingFinally, lockObject))
        {
            // A finally that releases only under a condition (`if (acquired) sem.Release();`) tracks the acquisition itself.
            if (!ReleasesUnconditionally(enclosingFinally, lockObject, locks))
            {
                return;
            }

            shape = InsideTry;
        }
        else if (IsFollowedByReleasingTry(block, statement, lockObject, locks))
        {
            // `await gate.WaitAsync(); if (cached) return value; try { ... } finally { gate.Release(); }`: the exit skips the finally.
            if (FindUnreleasedExit(block, statement, lockObject, locks) is not { } exit)
            {
                return;
            }

            shape = EarlyExit;
            additional = new[] { exit.Syntax.GetLocation() };
        }
        else if (IsHandOverHand(block, statement, lockObject, locks)
            || (block.Parent is ITryOperation { Finally: null } catchOnly && ReferenceEquals(catchOnly.Body, block)
                && catchOnly.Parent is IBlockOperation outer && IsFollowedByReleasingTry(outer, catchOnly, lockObject, locks))
            || IsReleasedRightAfter(block, statement, lockObject, locks))
        {
            return;
        }
        else
        {
            shape = NoFinally;
        }

        var properties = ImmutableDictionary<string, string?>.Empty.Add(ShapeProperty, shape);
        var name = invocation.Syntax is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name: { } n } } ? n.Identifier.ValueText : invocation.TargetMethod.Name;
        var reason = shape switch
        {
            InsideTry => InsideTryReason,
            EarlyExit => EarlyExitReason,
            _ => NoFinallyReason,
        };
        context.Report(Rule, invocation.Syntax.GetLocation(), additional, properties, name, lockObject.Syntax.ToString(), reason);
    }

    /// <summary>A later statement of the block is, or holds (inside <c>lock</c>, <c>using</c>, <c>if</c>), a try whose finally releases the object.</summary>
    private static bool IsFollowedByReleasingTry(IBlockOperation block, IOperation statement, IOperation lockObject, Locks locks)
    {
        var after = false;
        foreach (var op in block.Operations)
        {
            if (ReferenceEquals(op, statement))
            {
                after = true;
                continue;
            }

            if (!after)
            {
                continue;
            }

            if (HoldsReleasingTry(op, lockObject, locks))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// An exit (<c>return</c>, <c>throw</c>, <c>break</c>, <c>continue</c>: <see cref="EarlyExits"/>) in a statement between
    /// the acquisition and the statement holding the releasing try, with no release of the object before it in that
    /// statement on its path (<c>if (hit) { gate.Release(); return value; }</c> pairs the permit itself).
    /// </summary>
    private static IOperation? FindUnreleasedExit(IBlockOperation block, IOperation statement, IOperation lockObject, Locks locks) =>
        FindUnreleasedExit(block, block.Operations.IndexOf(statement) + 1, lockObject, locks);

    private static IOperation? FindUnreleasedExit(IBlockOperation block, int from, IOperation lockObject, Locks locks)
    {
        for (var i = from; i < block.Operations.Length; i++)
        {
            var op = block.Operations[i];
            if (HoldsReleasingTry(op, lockObject, locks))
            {
                return null;
            }

            foreach (var exit in EarlyExits.Leaving(op))
            {
                if (!IsReleasedBefore(exit, op, lockObject, locks))
                {
                    return exit;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The timed overloads that return <c>bool</c>: the permit is taken only on the path where the wait returned
    /// <c>true</c>. <c>if (!await sem.WaitAsync(timeout)) return;</c> (a guard that always leaves) takes it for the
    /// statements after the guard; <c>if (await sem.WaitAsync(timeout)) { ... }</c> for the statements of that block.
    /// An exit on the <c>false</c> path leaks nothing; an exit on the <c>true</c> path between the wait and the try whose
    /// finally releases does (<see cref="FindUnreleasedExit(IBlockOperation, int, IOperation, Locks)"/>).
    /// </summary>
    private static void AnalyzeTimedAcquire(OperationAnalysisContext context, IInvocationOperation invocation, IOperation lockObject, Locks locks)
    {
        IOperation current = invocation;
        while (current.Parent is IAwaitOperation or IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } or IConversionOperation or IParenthesizedOperation)
        {
            current = current.Parent;
        }

        IBlockOperation region;
        int from;
        IOperation anchor;
        if (current.Parent is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not
            && not.Parent is IConditionalOperation { WhenFalse: null } guard && ReferenceEquals(guard.Condition, not)
            && guard.Parent is IBlockOperation outer && EarlyExits.AlwaysLeaves(guard.WhenTrue))
        {
            region = outer;
            from = outer.Operations.IndexOf(guard) + 1;
            anchor = guard;
        }
        else if (current.Parent is IConditionalOperation { WhenTrue: IBlockOperation taken } entered && ReferenceEquals(entered.Condition, current))
        {
            region = taken;
            from = 0;
            anchor = current;
        }
        else
        {
            return;
        }

        var body = FunctionContext.GetFunctionBody(anchor);
        if (body is null || CleanupCode.IsInFinally(anchor)
            || !IsReleasedOnSamePath(body, invocation, lockObject, locks) || IsHandedOn(body, lockObject, anchor.Syntax.Span.End))
        {
            return;
        }

        var followed = false;
        for (var i = from; i < region.Operations.Length && !followed; i++)
        {
            followed = HoldsReleasingTry(region.Operations[i], lockObject, locks);
        }

        if (!followed || FindUnreleasedExit(region, from, lockObject, locks) is not { } exit)
        {
            return;
        }

        var properties = ImmutableDictionary<string, string?>.Empty.Add(ShapeProperty, EarlyExitAfterTimedWait);
        var name = invocation.Syntax is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name: { } n } } ? n.Identifier.ValueText : invocation.TargetMethod.Name;
        context.Report(Rule, invocation.Syntax.GetLocation(), new[] { exit.Syntax.GetLocation() }, properties, name, lockObject.Syntax.ToString(), EarlyExitReason);
    }

    private static bool HoldsReleasingTry(IOperation statement, IOperation lockObject, Locks locks)
    {
        foreach (var inner in statement.DescendantsAndSelf())
        {
            if (inner is ITryOperation { Finally: { } @finally } && locks.IsReleasedIn(@finally, lockObject))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A release of the object inside <paramref name="statement"/> runs before <paramref name="exit"/>, not in a branch exclusive of it.</summary>
    private static bool IsReleasedBefore(IOperation exit, IOperation statement, IOperation lockObject, Locks locks)
    {
        foreach (var op in statement.DescendantsAndSelf())
        {
            if (op is IInvocationOperation invocation && op.Syntax.Span.End <= exit.Syntax.SpanStart
                && locks.IsRelease(invocation, lockObject) && !AreExclusiveBranches(invocation, exit, statement))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Hand-over-hand locking: the acquisition is the last statement of a <c>lock</c> body or of a <c>try</c> body (or of a
    /// block nested in them), and the statement that follows that construct is a try whose finally releases it. Leaving
    /// the construct only releases the outer lock; nothing that can throw sits between.
    /// </summary>
    private static bool IsHandOverHand(IBlockOperation block, IOperation statement, IOperation lockObject, Locks locks)
    {
        IOperation current = statement;
        var container = block;
        while (container.Operations.Length > 0 && ReferenceEquals(container.Operations[container.Operations.Length - 1], current))
        {
            var construct = container.Parent switch
            {
                ILockOperation @lock when ReferenceEquals(@lock.Body, container) => @lock,
                ITryOperation @try when ReferenceEquals(@try.Body, container) => (IOperation)@try,
                IBlockOperation => container,
                _ => null,
            };

            if (construct?.Parent is not IBlockOperation outer)
            {
                return false;
            }

            var index = outer.Operations.IndexOf(construct);
            if (index >= 0 && index + 1 < outer.Operations.Length
                && outer.Operations[index + 1] is ITryOperation { Finally: { } @finally }
                && locks.IsReleasedIn(@finally, lockObject))
            {
                return true;
            }

            current = construct;
            container = outer;
        }

        return false;
    }

    /// <summary>
    /// The function itself releases the object on a path that can follow the acquisition: not inside a nested
    /// lambda or local function (that is a hand-off to the code it runs), and not in the other branch of an
    /// <c>if</c> or <c>?:</c> whose one branch acquires (resizing a semaphore: <c>if (more) sem.Release(n); else await
    /// sem.WaitAsync();</c> removes permits, it does not pair them).
    /// </summary>
    private static bool IsReleasedOnSamePath(IOperation body, IOperation acquisition, IOperation lockObject, Locks locks)
    {
        foreach (var op in body.DescendantsAndSelf())
        {
            if (op is IInvocationOperation invocation && locks.IsRelease(invocation, lockObject)
                && !IsInNestedFunction(invocation, body) && !AreExclusiveBranches(invocation, acquisition, body))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsInNestedFunction(IOperation operation, IOperation body) =>
        FunctionContext.GetEnclosingFunctionOperation(operation, body) is not null;

    /// <summary>The two operations sit in different branches of one conditional, with no loop around it inside the body.</summary>
    private static bool AreExclusiveBranches(IOperation a, IOperation b, IOperation body)
    {
        for (var current = a.Parent; current is not null && !ReferenceEquals(current, body); current = current.Parent)
        {
            if (current is not IConditionalOperation { WhenFalse: { } whenFalse } conditional || !Contains(current, b))
            {
                continue;
            }

            var aInTrue = Contains(conditional.WhenTrue, a);
            var bInTrue = Contains(conditional.WhenTrue, b);
            var split = aInTrue != bInTrue && (aInTrue ? Contains(whenFalse, b) : Contains(whenFalse, a));
            if (!split)
            {
                return false;
            }

            for (var outer = current.Parent; outer is not null && !ReferenceEquals(outer, body); outer = outer.Parent)
            {
                if (outer is ILoopOperation)
                {
                    return false;
                }
            }

            return true;
        }

        return false;
    }

    private static bool Contains(IOperation scope, IOperation operation) => scope.Syntax.Span.Contains(operation.Syntax.Span);

    /// <summary><c>await sem.WaitAsync(); sem.Release();</c>: a semaphore used as a gate, with nothing in between that could throw.</summary>
    private static bool IsReleasedRightAfter(IBlockOperation block, IOperation statement, IOperation lockObject, Locks locks)
    {
        var index = block.Operations.IndexOf(statement);
        return index >= 0 && index + 1 < block.Operations.Length
            && block.Operations[index + 1] is IExpressionStatementOperation { Operation: IInvocationOperation next }
            && locks.IsRelease(next, lockObject);
    }

    private static bool ReleasesUnconditionally(IBlockOperation @finally, IOperation lockObject, Locks locks)
    {
        foreach (var op in @finally.Operations)
        {
            if (op is IExpressionStatementOperation { Operation: IInvocationOperation invocation } && locks.IsRelease(invocation, lockObject))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The object is returned, stored or passed on after the acquisition: something else owns the release.</summary>
    private static bool IsHandedOn(IOperation body, IOperation lockObject, int after)
    {
        var isMemberOfThis = Locks.GetSymbol(lockObject) is IFieldSymbol { IsStatic: false } or IPropertySymbol { IsStatic: false };
        var kind = OperationWalk.Strip(lockObject).Kind;
        return Escapes.IsHandedOn(
            body,
            after,
            op => op.Kind == kind && Locks.SameObject(op, lockObject),
            includeThis: isMemberOfThis,
            ignoreCall: call => call.TargetMethod.Name is "Exit" or "Release");
    }

    /// <summary>SemaphoreSlim and Monitor: which calls acquire and release, and on which object.</summary>
    internal sealed class Locks
    {
        private readonly INamedTypeSymbol? _semaphore;
        private readonly INamedTypeSymbol? _monitor;
        private readonly INamedTypeSymbol? _token;

        private Locks(INamedTypeSymbol? semaphore, INamedTypeSymbol? monitor, INamedTypeSymbol? token)
        {
            _semaphore = semaphore;
            _monitor = monitor;
            _token = token;
        }

        /// <summary>The lock types of the compilation; build once per compilation, not per call.</summary>
        public static Locks Create(WellKnownTypes types) =>
            new(types.Get(WellKnownTypeNames.SemaphoreSlim), types.Get(WellKnownTypeNames.Monitor), types.CancellationToken);

        /// <summary><c>sem.Wait(timeout...)</c>/<c>sem.WaitAsync(timeout...)</c>: the overloads that return whether the permit was taken.</summary>
        public bool IsTimedAcquire(IInvocationOperation invocation, out IOperation? lockObject)
        {
            lockObject = null;
            var method = invocation.TargetMethod;
            if (method.Name is not ("Wait" or "WaitAsync") || !SymbolEqualityComparer.Default.Equals(method.ContainingType, _semaphore) || invocation.Instance is not { } instance)
            {
                return false;
            }

            foreach (var parameter in method.Parameters)
            {
                if (!SymbolEqualityComparer.Default.Equals(parameter.Type, _token))
                {
                    lockObject = instance;
                    return true;
                }
            }

            return false;
        }

        /// <summary>Neither SemaphoreSlim nor Monitor exists in the compilation: nothing to check.</summary>
        public bool IsEmpty => _semaphore is null && _monitor is null;

        /// <summary><c>sem.Wait()</c>/<c>Wait(ct)</c>/<c>WaitAsync()</c>/<c>WaitAsync(ct)</c> (not the bool-returning timeout overloads) and <c>Monitor.Enter(obj)</c>.</summary>
        public bool IsAcquire(IInvocationOperation invocation, out IOperation? lockObject)
        {
            lockObject = null;
            var method = invocation.TargetMethod;
            if (method.Name is "Wait" or "WaitAsync"
                && SymbolEqualityComparer.Default.Equals(method.ContainingType, _semaphore)
                && invocation.Instance is { } instance)
            {
                foreach (var parameter in method.Parameters)
                {
                    if (!SymbolEqualityComparer.Default.Equals(parameter.Type, _token))
                    {
                        return false;
                    }
                }

                lockObject = instance;
                return true;
            }

            if (method.Name == "Enter" && method.Parameters.Length == 1 && method.IsStatic
                && SymbolEqualityComparer.Default.Equals(method.ContainingType, _monitor)
                && invocation.Arguments.Length == 1)
            {
                lockObject = OperationWalk.Strip(invocation.Arguments[0].Value);
                return true;
            }

            return false;
        }

        public bool IsReleasedIn(IOperation scope, IOperation lockObject)
        {
            foreach (var op in scope.DescendantsAndSelf())
            {
                if (op is IInvocationOperation invocation && IsRelease(invocation, lockObject))
                {
                    return true;
                }
            }

            return false;
        }

        public bool IsRelease(IInvocationOperation invocation, IOperation lockObject)
        {
            var method = invocation.TargetMethod;
            if (method.Name == "Release" && SymbolEqualityComparer.Default.Equals(method.ContainingType, _semaphore) && invocation.Instance is { } instance)
            {
                return SameObject(instance, lockObject);
            }

            return method.Name == "Exit" && method.IsStatic && SymbolEqualityComparer.Default.Equals(method.ContainingType, _monitor)
                && invocation.Arguments.Length == 1 && SameObject(invocation.Arguments[0].Value, lockObject);
        }

        /// <summary>
        /// The two expressions read the same object: the same local, parameter or <c>this</c>; the same field or
        /// property of the same object (recursively: <c>_conn.Gate</c>); the same element (same array, constant or
        /// same-variable index). Decided on symbols, never on text.
        /// </summary>
        public static bool SameObject(IOperation a, IOperation b)
        {
            a = OperationWalk.Strip(a);
            b = OperationWalk.Strip(b);
            switch (a)
            {
                case IInstanceReferenceOperation:
                    return b is IInstanceReferenceOperation;
                case ILocalReferenceOperation or IParameterReferenceOperation:
                    return SymbolEqualityComparer.Default.Equals(GetSymbol(a), GetSymbol(b));
                case IMemberReferenceOperation ma when b is IMemberReferenceOperation mb && GetSymbol(a) is { } member:
                    return SymbolEqualityComparer.Default.Equals(member, GetSymbol(b))
                        && (ma.Instance is null ? mb.Instance is null : mb.Instance is not null && SameObject(ma.Instance, mb.Instance));
                case IArrayElementReferenceOperation ea when b is IArrayElementReferenceOperation eb && ea.Indices.Length == eb.Indices.Length:
                    if (!SameObject(ea.ArrayReference, eb.ArrayReference))
                    {
                        return false;
                    }

                    for (var i = 0; i < ea.Indices.Length; i++)
                    {
                        var ia = OperationWalk.Strip(ea.Indices[i]);
                        var ib = OperationWalk.Strip(eb.Indices[i]);
                        var same = ia.ConstantValue.HasValue
                            ? ib.ConstantValue.HasValue && Equals(ia.ConstantValue.Value, ib.ConstantValue.Value)
                            : ia is ILocalReferenceOperation or IParameterReferenceOperation && SameObject(ia, ib);
                        if (!same)
                        {
                            return false;
                        }
                    }

                    return true;
                default:
                    return false;
            }
        }

        public static ISymbol? GetSymbol(IOperation operation) => OperationWalk.Strip(operation) switch
        {
            ILocalReferenceOperation local => local.Local,
            IParameterReferenceOperation parameter => parameter.Parameter,
            IFieldReferenceOperation field => field.Field,
            IPropertyReferenceOperation { Property.IsIndexer: false } property => property.Property,
            _ => null,
        };
    }
}

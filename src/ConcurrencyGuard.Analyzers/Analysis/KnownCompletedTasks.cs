namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// The "known completed task" analysis of family 6: is the task an expression reads certainly complete
/// at that point, so that <c>.Result</c>, <c>.Wait()</c> or <c>GetAwaiter().GetResult()</c> on it cannot block?
/// Intra-procedural and conservative (when in doubt: not known). A task is known complete when:
/// <list type="bullet">
/// <item>it is <c>Task.FromResult</c>/<c>FromException</c>/<c>FromCanceled</c>, <c>Task.CompletedTask</c>,
/// <c>ValueTask.FromResult</c>/<c>CompletedTask</c>, <c>new ValueTask&lt;T&gt;(value)</c> or <c>default</c>, or a call that
/// finishes synchronously for its constant arguments (<see cref="SynchronousCompletion"/>);</item>
/// <item>it is the antecedent parameter inside its own continuation (<c>t.ContinueWith(a =&gt; a.Result)</c>, the
/// array of <c>ContinueWhenAll</c>), or a task passed to the <c>Task.WhenAll(...)</c> the continuation is attached to;</item>
/// <item>it is read inside a condition that checks it (<c>t.IsCompleted ? t.Result : ...</c>, <c>if (t.IsCompletedSuccessfully)</c>,
/// <c>&amp;&amp;</c>, <c>IsFaulted</c>, <c>IsCanceled</c>, <c>Status == TaskStatus.RanToCompletion</c>), or after an
/// <c>if (!t.IsCompleted)</c> whose body leaves (return, throw, break, continue) or awaits it;</item>
/// <item>a local, parameter or field of <c>this</c> holding it was awaited, waited, or passed to an awaited
/// <c>Task.WhenAll</c>/waited <c>Task.WaitAll</c> by an earlier statement of an enclosing block (unconditionally:
/// not inside a branch, loop, lambda or try of that statement), and the variable is not assigned afterwards;</item>
/// <item>it is an element (<c>tasks[i]</c>, a <c>foreach</c> variable, the parameter of a LINQ lambda over the
/// collection) of a collection local or parameter that an earlier statement handed to an awaited <c>WhenAll</c>;</item>
/// <item>it is the result of an awaited <c>Task.WhenAny</c> (<c>var done = await Task.WhenAny(a, b)</c>), or the
/// task compared equal to it in an enclosing condition (<c>if (await Task.WhenAny(t, delay) == t) ... t.Result</c>).</item>
/// </list>
/// Cost: a walk up the parent chain, plus for variables a scan of the statements before the use in each
/// enclosing block (only reached after the rule's cheap checks).
/// </summary>
public static class KnownCompletedTasks
{
    /// <summary>True when the task <paramref name="task"/> evaluates to is known to be complete at that point.</summary>
    public static bool IsKnownCompleted(IOperation task, WellKnownTypes types)
    {
        var value = Unwrap(task);
        if (IsCompletedByConstruction(value, types))
        {
            return true;
        }

        if (IsContinuationAntecedent(value, types))
        {
            return true;
        }

        var symbol = GetSymbol(value);
        if (symbol is not null
            && (IsGuarded(value, symbol, types) || IsWhenAnyResult(symbol, value, types) || IsCompletedByEarlierStatement(value, symbol, isCollection: false, types)))
        {
            return true;
        }

        var collection = GetCollectionOfElement(value);
        return collection is not null
            && (IsContinueWhenAllArray(value, collection, types) || IsCompletedByEarlierStatement(value, collection, isCollection: true, types));
    }

    /// <summary>
    /// An element of the task array a <c>ContinueWhenAll</c> continuation receives, read through <c>foreach</c>, an
    /// indexer or a LINQ lambda (<c>Task.Factory.ContinueWhenAll(tasks, done =&gt; done.Select(t =&gt; t.Result))</c>): all complete.
    /// </summary>
    private static bool IsContinueWhenAllArray(IOperation value, ISymbol collection, WellKnownTypes types) =>
        collection is IParameterSymbol { Ordinal: 0, ContainingSymbol: IMethodSymbol { MethodKind: MethodKind.AnonymousFunction } lambdaSymbol }
        && FindEnclosingLambda(value, lambdaSymbol) is { } lambda
        && GetContinuationCall(lambda, types) is { TargetMethod.Name: "ContinueWhenAll" };

    private static IOperation Unwrap(IOperation operation) => OperationWalk.Strip(operation, Wrappers.ConversionsAndParentheses);

    private static bool IsCompletedByConstruction(IOperation value, WellKnownTypes types)
    {
        switch (value)
        {
            case IInvocationOperation { TargetMethod: { IsStatic: true, Name: "FromResult" or "FromException" or "FromCanceled" } method }
                when types.IsTaskLike(method.ContainingType):
                return true;
            case IPropertyReferenceOperation { Property: { IsStatic: true, Name: "CompletedTask" } property } when types.IsTaskLike(property.ContainingType):
                return true;
            case IDefaultValueOperation when types.IsValueTask(value.Type):
                return true;
            case IObjectCreationOperation { Constructor: { } ctor, Arguments.Length: 1 } creation
                when types.IsValueTask(ctor.ContainingType)
                    && !types.IsTaskLike(creation.Arguments[0].Value.Type)
                    && creation.Arguments[0].Value.Type?.TypeKind != TypeKind.Interface:
                // new ValueTask<T>(value): a result, not a Task or IValueTaskSource.
                return true;
            case ILocalReferenceOperation { Local: { } local }:
                return IsLocalInitializedCompleted(local, value, types);
            case IInvocationOperation call:
                // A same-compilation callee that finishes synchronously for these constant arguments.
                return SynchronousCompletion.CompletesSynchronously(call, types);
            default:
                return false;
        }
    }

    /// <summary>A local whose only value is a completed task: initialized from one, never assigned again.</summary>
    private static bool IsLocalInitializedCompleted(ILocalSymbol local, IOperation use, WellKnownTypes types)
    {
        var body = FunctionContext.GetFunctionBody(use);
        if (body is null)
        {
            return false;
        }

        var initializer = OperationWalk.SingleInitializer(local, body);
        return initializer is not null && IsCompletedByConstruction(Unwrap(initializer), types) && Unwrap(initializer) is not ILocalReferenceOperation;
    }

    /// <summary><c>t.ContinueWith(a =&gt; a.Result)</c>: the antecedent is complete when its continuation runs.</summary>
    private static bool IsContinuationAntecedent(IOperation value, WellKnownTypes types)
    {
        IParameterSymbol? parameter = value switch
        {
            IParameterReferenceOperation p => p.Parameter,
            IArrayElementReferenceOperation { ArrayReference: IParameterReferenceOperation array } => array.Parameter,
            _ => null,
        };

        if (parameter?.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction } lambdaSymbol && parameter.Ordinal == 0)
        {
            var lambda = FindEnclosingLambda(value, lambdaSymbol);
            if (lambda is not null && GetContinuationCall(lambda, types) is { } call)
            {
                return call.TargetMethod.Name switch
                {
                    "ContinueWith" => true,
                    "ContinueWhenAll" => true,
                    "ContinueWhenAny" => value is IParameterReferenceOperation,
                    _ => false,
                };
            }

            return false;
        }

        // A task passed to Task.WhenAll(a, b) whose continuation reads it: WhenAll(a, b).ContinueWith(_ => a.Result).
        var symbol = GetSymbol(value);
        if (symbol is null)
        {
            return false;
        }

        for (var current = value.Parent; current is not null; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation enclosing
                && GetContinuationCall(enclosing, types) is { TargetMethod.Name: "ContinueWith", Instance: { } antecedent }
                && Unwrap(antecedent) is IInvocationOperation { TargetMethod: { Name: "WhenAll", IsStatic: true } whenAll } whenAllCall
                && types.IsTaskLike(whenAll.ContainingType)
                && PassesSymbol(whenAllCall, symbol))
            {
                return !IsAssignedAfter(symbol, value, whenAllCall.Syntax.SpanStart);
            }
        }

        return false;
    }

    private static IAnonymousFunctionOperation? FindEnclosingLambda(IOperation value, IMethodSymbol lambdaSymbol)
    {
        for (var current = value.Parent; current is not null; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation lambda && SymbolEqualityComparer.Default.Equals(lambda.Symbol, lambdaSymbol))
            {
                return lambda;
            }
        }

        return null;
    }

    private static IInvocationOperation? GetContinuationCall(IAnonymousFunctionOperation lambda, WellKnownTypes types)
    {
        var current = OperationWalk.Outermost(lambda, Wrappers.Conversions | Wrappers.DelegateCreations);

        // The lambda must be the delegate argument of a continuation method of Task, Task<T> or a TaskFactory
        // (decided on symbols: an object creation or a user method with a similar parameter is not a continuation).
        if (current.Parent is IArgumentOperation { Parent: IInvocationOperation call, Parameter.Type.TypeKind: TypeKind.Delegate }
            && call.TargetMethod.Name is "ContinueWith" or "ContinueWhenAll" or "ContinueWhenAny"
            && (types.IsTask(call.TargetMethod.ContainingType) || types.IsTaskFactory(call.TargetMethod.ContainingType)))
        {
            return call;
        }

        return null;
    }

    /// <summary>The variable a task expression reads: a local, a parameter, or a field of <c>this</c>.</summary>
    private static ISymbol? GetSymbol(IOperation value) => value switch
    {
        ILocalReferenceOperation local => local.Local,
        IParameterReferenceOperation parameter => parameter.Parameter,
        IFieldReferenceOperation { Instance: null or IInstanceReferenceOperation } field => field.Field,
        _ => null,
    };

    /// <summary>The collection local or parameter a task element comes from: <c>tasks[i]</c>, a foreach variable, a LINQ lambda parameter.</summary>
    private static ISymbol? GetCollectionOfElement(IOperation value)
    {
        switch (value)
        {
            case IArrayElementReferenceOperation element:
                return GetSymbol(Unwrap(element.ArrayReference)) is { } s && s is not IFieldSymbol ? s : null;
            case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: { } instance }:
                return GetSymbol(Unwrap(instance)) is { } s2 && s2 is not IFieldSymbol ? s2 : null;
            case ILocalReferenceOperation { Local: { } local }:
                // foreach (var t in tasks)
                for (var current = value.Parent; current is not null; current = current.Parent)
                {
                    if (current is IForEachLoopOperation loop && System.Linq.Enumerable.Contains(loop.Locals, local, SymbolEqualityComparer.Default))
                    {
                        return GetSymbol(Unwrap(loop.Collection)) is { } c && c is not IFieldSymbol ? c : null;
                    }
                }

                return null;
            case IParameterReferenceOperation { Parameter: { ContainingSymbol: IMethodSymbol { MethodKind: MethodKind.AnonymousFunction } lambdaSymbol, Ordinal: 0 } }:
                // tasks.Select(t => t.Result)
                var lambda = FindEnclosingLambda(value, lambdaSymbol);
                if (lambda is null)
                {
                    return null;
                }

                var delegateValue = OperationWalk.Outermost(lambda, Wrappers.Conversions | Wrappers.DelegateCreations);
                if (delegateValue.Parent is IArgumentOperation { Parent: IInvocationOperation { TargetMethod: { IsExtensionMethod: true, ContainingType.Name: "Enumerable" } } linq }
                    && linq.Arguments.Length > 0)
                {
                    return GetSymbol(Unwrap(linq.Arguments[0].Value)) is { } c2 && c2 is not IFieldSymbol ? c2 : null;
                }

                return null;
            default:
                return null;
        }
    }

    /// <summary>Inside <c>t.IsCompleted ? t.Result : x</c>, <c>if (t.IsCompletedSuccessfully) { ... }</c>, <c>t.IsCompleted &amp;&amp; t.Result</c>, or after <c>if (!t.IsCompleted) return;</c>.</summary>
    private static bool IsGuarded(IOperation use, ISymbol symbol, WellKnownTypes types)
    {
        IOperation child = use;
        for (var current = use.Parent; current is not null; child = current, current = current.Parent)
        {
            switch (current)
            {
                case IConditionalOperation conditional when ReferenceEquals(conditional.WhenTrue, child) && ChecksCompletion(conditional.Condition, symbol, negated: false, types):
                    return true;
                case IConditionalOperation conditional when ReferenceEquals(conditional.WhenFalse, child) && ChecksCompletion(conditional.Condition, symbol, negated: true, types):
                    return true;
                case ISwitchCaseOperation switchCase when switchCase.Parent is ISwitchOperation { Value: { } switched }
                    && IsStatusOf(switched, symbol, use) && IsCompletedStatusCase(switchCase, types):
                    return true;
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd } andOp when ReferenceEquals(andOp.RightOperand, child) && ChecksCompletion(andOp.LeftOperand, symbol, negated: false, types):
                    return true;
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalOr } orOp when ReferenceEquals(orOp.RightOperand, child) && ChecksCompletion(orOp.LeftOperand, symbol, negated: true, types):
                    return true;
                case IBlockOperation block:
                    foreach (var statement in block.Operations)
                    {
                        if (statement.Syntax.SpanStart >= child.Syntax.SpanStart)
                        {
                            break;
                        }

                        if (IsEarlyExitGuard(statement, symbol, types))
                        {
                            return true;
                        }

                        // try { if (!t.Wait(timeout)) throw ...; } catch (...) { throw ...; }
                        if (statement is ITryOperation { Body: { } tryBody } guardedTry && AllCatchesLeave(guardedTry))
                        {
                            foreach (var inner in tryBody.Operations)
                            {
                                if (IsEarlyExitGuard(inner, symbol, types))
                                {
                                    return true;
                                }
                            }
                        }
                    }

                    break;
                case IAnonymousFunctionOperation:
                case ILocalFunctionOperation:
                    return false;
            }
        }

        return false;
    }

    /// <summary><c>if (!t.IsCompleted) return;</c>, <c>if (!t.Wait(timeout)) throw ...;</c>, <c>if (!t.IsCompleted) await t;</c>.</summary>
    private static bool IsEarlyExitGuard(IOperation statement, ISymbol symbol, WellKnownTypes types) =>
        statement is IConditionalOperation { WhenFalse: null } early
        && ChecksCompletion(early.Condition, symbol, negated: true, types)
        && (EndsWithJump(early.WhenTrue) || AwaitsSymbol(early.WhenTrue, symbol));

    private static bool AllCatchesLeave(ITryOperation tryOperation)
    {
        foreach (var handler in tryOperation.Catches)
        {
            if (!EndsWithJump(handler.Handler))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><c>t.Status</c>, or a local initialized with it (<c>var status = t.Status; switch (status)</c>).</summary>
    private static bool IsStatusOf(IOperation value, ISymbol symbol, IOperation use)
    {
        value = Unwrap(value);
        if (value is IPropertyReferenceOperation { Property.Name: "Status", Instance: { } instance })
        {
            return IsSymbolRead(instance, symbol);
        }

        if (value is not ILocalReferenceOperation { Local: { } local } || FunctionContext.GetFunctionBody(use) is not { } body)
        {
            return false;
        }

        foreach (var op in body.Descendants())
        {
            if (op is IVariableDeclaratorOperation declarator && SymbolEqualityComparer.Default.Equals(declarator.Symbol, local))
            {
                return declarator.Initializer?.Value is { } init && Unwrap(init) is IPropertyReferenceOperation { Property.Name: "Status", Instance: { } i } && IsSymbolRead(i, symbol);
            }
        }

        return false;
    }

    private static bool IsCompletedStatusCase(ISwitchCaseOperation switchCase, WellKnownTypes types)
    {
        foreach (var clause in switchCase.Clauses)
        {
            if (clause is not ISingleValueCaseClauseOperation { Value: IFieldReferenceOperation { Field: { Name: "RanToCompletion" or "Faulted" or "Canceled" } field } } || !types.Is(field.ContainingType, WellKnownTypeNames.TaskStatus))
            {
                return false;
            }
        }

        return switchCase.Clauses.Length > 0;
    }

    /// <summary>
    /// True when <paramref name="condition"/> proves the task complete when it is true (or false when
    /// <paramref name="negated"/>): <c>t.IsCompleted</c>, <c>t.IsCompletedSuccessfully</c>, <c>t.IsFaulted</c>,
    /// <c>t.IsCanceled</c>, <c>t.Status == TaskStatus.RanToCompletion</c>, <c>await Task.WhenAny(t, ...) == t</c>;
    /// through <c>!</c>, and <c>&amp;&amp;</c> (true) / <c>||</c> (false).
    /// </summary>
    private static bool ChecksCompletion(IOperation condition, ISymbol symbol, bool negated, WellKnownTypes types)
    {
        condition = Unwrap(condition);
        switch (condition)
        {
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } notOp:
                return ChecksCompletion(notOp.Operand, symbol, !negated, types);
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd } andOp when !negated:
                return ChecksCompletion(andOp.LeftOperand, symbol, false, types) || ChecksCompletion(andOp.RightOperand, symbol, false, types);
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalOr } orOp when negated:
                return ChecksCompletion(orOp.LeftOperand, symbol, true, types) || ChecksCompletion(orOp.RightOperand, symbol, true, types);
            case IPropertyReferenceOperation { Property.Name: "IsCompleted" or "IsCompletedSuccessfully" or "IsFaulted" or "IsCanceled", Instance: { } instance } when !negated:
                return IsSymbolRead(instance, symbol);
            case IInvocationOperation { TargetMethod: { Name: "Wait", ReturnType.SpecialType: SpecialType.System_Boolean }, Instance: { } waited } when !negated:
                // if (t.Wait(timeout)): true only once the task completed.
                return IsSymbolRead(waited, symbol);
            case IIsPatternOperation { Value: IPropertyReferenceOperation { Property.Name: "IsCompleted" or "IsCompletedSuccessfully" or "IsFaulted" or "IsCanceled", Instance: { } patternInstance }, Pattern: IConstantPatternOperation { Value.ConstantValue: { HasValue: true, Value: bool expected } } }:
                return expected != negated && IsSymbolRead(patternInstance, symbol);
            case IInvocationOperation helper when helper.Type?.SpecialType == SpecialType.System_Boolean:
                return HelperChecksCompletion(helper, symbol, negated, types);
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals } equality:
                var isEquals = equality.OperatorKind == BinaryOperatorKind.Equals;
                if (isEquals == negated)
                {
                    // `done == other` false (or `done != other` true), done = await Task.WhenAny(t, other): t won.
                    return IsOtherOfTwoWhenAny(equality.LeftOperand, equality.RightOperand, symbol, types)
                        || IsOtherOfTwoWhenAny(equality.RightOperand, equality.LeftOperand, symbol, types);
                }

                return IsRanToCompletionCheck(equality.LeftOperand, equality.RightOperand, symbol, types)
                    || IsRanToCompletionCheck(equality.RightOperand, equality.LeftOperand, symbol, types)
                    || IsWhenAnyComparison(equality.LeftOperand, equality.RightOperand, symbol, types)
                    || IsWhenAnyComparison(equality.RightOperand, equality.LeftOperand, symbol, types);
            default:
                return false;
        }
    }

    private static bool IsRanToCompletionCheck(IOperation status, IOperation constant, ISymbol symbol, WellKnownTypes types) =>
        Unwrap(status) is IPropertyReferenceOperation { Property.Name: "Status", Instance: { } instance }
        && IsSymbolRead(instance, symbol)
        && Unwrap(constant) is IFieldReferenceOperation { Field: { Name: "RanToCompletion" or "Faulted" or "Canceled" } field }
        && types.Is(field.ContainingType, WellKnownTypeNames.TaskStatus);

    /// <summary><c>await Task.WhenAny(t, delay) == t</c>, or <c>done == t</c> where <c>done</c> holds an awaited WhenAny.</summary>
    private static bool IsWhenAnyComparison(IOperation whenAny, IOperation other, ISymbol symbol, WellKnownTypes types)
    {
        if (!IsSymbolRead(other, symbol))
        {
            return false;
        }

        var value = Unwrap(whenAny);
        if (IsAwaitedWhenAny(value, types))
        {
            return true;
        }

        return GetSymbol(value) is ILocalSymbol local && IsLocalFromAwaitedWhenAny(local, value, types);
    }

    /// <summary>
    /// <c>whenAny</c> is <c>await Task.WhenAny(t, other)</c> (or a local holding it) over exactly two tasks, one read from
    /// <paramref name="symbol"/> and the other <paramref name="other"/>: when the winner is not <c>other</c>, it is <c>t</c>.
    /// </summary>
    private static bool IsOtherOfTwoWhenAny(IOperation whenAny, IOperation other, ISymbol symbol, WellKnownTypes types)
    {
        var otherSymbol = GetSymbol(Unwrap(other));
        if (otherSymbol is null || SymbolEqualityComparer.Default.Equals(otherSymbol, symbol))
        {
            return false;
        }

        var value = Unwrap(whenAny);
        var call = AwaitedWhenAnyCall(value, types);
        if (call is null && GetSymbol(value) is ILocalSymbol local && IsLocalFromAwaitedWhenAny(local, value, types))
        {
            call = SingleWhenAnyOfLocal(local, value, types);
        }

        if (call is null)
        {
            return false;
        }

        var tasks = new System.Collections.Generic.List<IOperation>();
        foreach (var argument in call.Arguments)
        {
            if (Unwrap(argument.Value) is IArrayCreationOperation { Initializer: { } initializer } && argument.IsImplicit)
            {
                tasks.AddRange(initializer.ElementValues);
            }
            else
            {
                tasks.Add(argument.Value);
            }
        }

        return tasks.Count == 2
            && (IsSymbolRead(tasks[0], symbol) && IsSymbolRead(tasks[1], otherSymbol)
                || IsSymbolRead(tasks[1], symbol) && IsSymbolRead(tasks[0], otherSymbol))
            && SameInnermostLoop(call, value)
            && !IsAssignedBetween(symbol, value, call.Syntax.SpanStart);
    }

    private static bool SameInnermostLoop(IOperation a, IOperation b)
    {
        static ILoopOperation? Loop(IOperation op)
        {
            for (var current = op.Parent; current is not null; current = current.Parent)
            {
                if (current is ILoopOperation loop)
                {
                    return loop;
                }

                if (current is IAnonymousFunctionOperation or ILocalFunctionOperation)
                {
                    return null;
                }
            }

            return null;
        }

        return ReferenceEquals(Loop(a), Loop(b));
    }

    /// <summary>The variable is assigned between <paramref name="position"/> and <paramref name="use"/> (textually, in the same function).</summary>
    private static bool IsAssignedBetween(ISymbol symbol, IOperation use, int position)
    {
        var body = FunctionContext.GetFunctionBody(use, outermost: true);
        if (body is null)
        {
            return true;
        }

        foreach (var op in body.DescendantsAndSelf())
        {
            if (op.Syntax.SpanStart < position || op.Syntax.SpanStart >= use.Syntax.SpanStart)
            {
                continue;
            }

            switch (op)
            {
                case ISimpleAssignmentOperation { Target: var t } when IsSymbolRead(t, symbol):
                case ICompoundAssignmentOperation { Target: var t2 } when IsSymbolRead(t2, symbol):
                case IDeconstructionAssignmentOperation:
                case IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out, Value: var v } when IsSymbolRead(v, symbol):
                    return true;
            }
        }

        return false;
    }

    private static IInvocationOperation? AwaitedWhenAnyCall(IOperation value, WellKnownTypes types) =>
        IsAwaitedWhenAny(value, types) && value is IAwaitOperation { Operation: var awaited }
            ? StripConfigureAwait(Unwrap(awaited)) as IInvocationOperation
            : null;

    /// <summary>The WhenAny call of a local assigned once from an awaited WhenAny.</summary>
    private static IInvocationOperation? SingleWhenAnyOfLocal(ILocalSymbol local, IOperation use, WellKnownTypes types)
    {
        IInvocationOperation? found = null;
        if (FunctionContext.GetFunctionBody(use) is not { } body)
        {
            return null;
        }

        foreach (var op in body.DescendantsAndSelf())
        {
            IOperation? assigned = op switch
            {
                IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, local) => declarator.Initializer?.Value,
                ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment when SymbolEqualityComparer.Default.Equals(target.Local, local) => assignment.Value,
                _ => null,
            };
            if (assigned is null)
            {
                continue;
            }

            if (found is not null)
            {
                return null;
            }

            found = AwaitedWhenAnyCall(Unwrap(assigned), types);
            if (found is null)
            {
                return null;
            }
        }

        return found;
    }

    /// <summary>
    /// A <c>bool</c> method of this compilation that only returns a completion check of the task it is given
    /// (<c>static bool IsDone(this Task t) =&gt; t.Status == TaskStatus.RanToCompletion</c>): the call checks the same.
    /// One level; virtual and interface members are not followed.
    /// </summary>
    private static bool HelperChecksCompletion(IInvocationOperation helper, ISymbol symbol, bool negated, WellKnownTypes types)
    {
        IParameterSymbol? parameter = null;
        foreach (var argument in helper.Arguments)
        {
            if (argument.Parameter is { } p && IsSymbolRead(argument.Value, symbol))
            {
                parameter = p.OriginalDefinition;
                break;
            }
        }

        var definition = (helper.TargetMethod.ReducedFrom ?? helper.TargetMethod).OriginalDefinition;
        if (parameter is null
            || CalleeSummaries.For(types.Compilation).GetBody(definition) is not { } body
            || body.Operations.Length != 1
            || body.Operations[0] is not IReturnOperation { ReturnedValue: { } returned })
        {
            return false;
        }

        // One level: a helper's own helper calls are not followed (nor a helper that calls itself).
        if (s_inHelper)
        {
            return false;
        }

        s_inHelper = true;
        try
        {
            return ChecksCompletion(returned, parameter, negated, types);
        }
        finally
        {
            s_inHelper = false;
        }
    }

    [System.ThreadStatic]
    private static bool s_inHelper;

    private static bool IsAwaitedWhenAny(IOperation value, WellKnownTypes types) =>
        value is IAwaitOperation { Operation: var awaited }
        && StripConfigureAwait(Unwrap(awaited)) is IInvocationOperation { TargetMethod: { Name: "WhenAny", IsStatic: true } method }
        && types.IsTaskLike(method.ContainingType);

    private static bool IsWhenAnyResult(ISymbol symbol, IOperation use, WellKnownTypes types) =>
        symbol is ILocalSymbol local && IsLocalFromAwaitedWhenAny(local, use, types);

    private static bool IsLocalFromAwaitedWhenAny(ILocalSymbol local, IOperation use, WellKnownTypes types)
    {
        var body = FunctionContext.GetFunctionBody(use);
        if (body is null)
        {
            return false;
        }

        var fromWhenAny = false;
        foreach (var op in body.DescendantsAndSelf())
        {
            switch (op)
            {
                case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, local):
                    fromWhenAny = declarator.Initializer is { Value: { } init } && IsAwaitedWhenAny(Unwrap(init), types);
                    break;
                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment when SymbolEqualityComparer.Default.Equals(target.Local, local):
                    if (!IsAwaitedWhenAny(Unwrap(assignment.Value), types))
                    {
                        return false;
                    }

                    fromWhenAny = true;
                    break;
            }
        }

        return fromWhenAny;
    }

    private static IOperation StripConfigureAwait(IOperation operation) => Unwrap(OperationWalk.StripConfigureAwait(operation));

    private static bool IsSymbolRead(IOperation operation, ISymbol symbol) =>
        GetSymbol(Unwrap(operation)) is { } read && SymbolEqualityComparer.Default.Equals(read, symbol);

    private static bool EndsWithJump(IOperation operation)
    {
        var last = operation is IBlockOperation block ? (block.Operations.Length > 0 ? block.Operations[block.Operations.Length - 1] : null) : operation;
        return last is IReturnOperation or IBranchOperation
            || last is IExpressionStatementOperation { Operation: IThrowOperation }
            || last is IThrowOperation;
    }

    private static bool AwaitsSymbol(IOperation operation, ISymbol symbol)
    {
        foreach (var op in operation.DescendantsAndSelf())
        {
            if (op is IAwaitOperation await && IsSymbolRead(StripConfigureAwait(Unwrap(await.Operation)), symbol))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Walks the enclosing blocks of <paramref name="use"/> (through lambdas created later, which still see
    /// the completed task) and looks for an earlier statement that unconditionally completes the task.
    /// </summary>
    private static bool IsCompletedByEarlierStatement(IOperation use, ISymbol target, bool isCollection, WellKnownTypes types)
    {
        IOperation child = use;
        for (var current = use.Parent; current is not null; child = current, current = current.Parent)
        {
            if (current is not IBlockOperation block)
            {
                if (current is IMethodBodyOperation or IConstructorBodyOperation)
                {
                    break;
                }

                continue;
            }

            for (var i = block.Operations.Length - 1; i >= 0; i--)
            {
                var statement = block.Operations[i];
                if (statement.Syntax.SpanStart >= child.Syntax.SpanStart)
                {
                    continue;
                }

                var completion = FindUnconditionalCompletion(statement, target, isCollection, types);
                if (completion >= 0)
                {
                    return !IsAssignedAfter(target, use, completion);
                }
            }
        }

        return false;
    }

    /// <summary>The position of an await/wait in <paramref name="statement"/> that completes <paramref name="target"/> whenever the statement completes; -1 if none.</summary>
    private static int FindUnconditionalCompletion(IOperation statement, ISymbol target, bool isCollection, WellKnownTypes types)
    {
        foreach (var op in statement.DescendantsAndSelf())
        {
            var completes = op switch
            {
                IAwaitOperation await => CompletesTarget(StripConfigureAwait(Unwrap(await.Operation)), target, isCollection, types),
                IInvocationOperation { TargetMethod.ReturnType.SpecialType: SpecialType.System_Boolean } => false,
                IInvocationOperation { TargetMethod.Name: "Wait" or "GetResult", Instance: { } instance } when !isCollection =>
                    IsSymbolRead(StripAwaiter(instance), target),
                IPropertyReferenceOperation { Property.Name: "Result", Instance: { } instance } when !isCollection =>
                    IsSymbolRead(instance, target),
                IInvocationOperation { TargetMethod: { Name: "WaitAll", IsStatic: true } waitAll } invocation when types.IsTaskLike(waitAll.ContainingType) =>
                    PassesSymbol(invocation, target),
                _ => false,
            };

            if (completes && IsUnconditionalWithin(op, statement))
            {
                return op.Syntax.SpanStart;
            }
        }

        return -1;
    }

    private static IOperation StripAwaiter(IOperation instance)
    {
        var value = Unwrap(instance);
        if (value is IInvocationOperation { TargetMethod.Name: "GetAwaiter", Instance: { } awaited })
        {
            return StripConfigureAwait(Unwrap(awaited));
        }

        return value;
    }

    private static bool CompletesTarget(IOperation awaited, ISymbol target, bool isCollection, WellKnownTypes types)
    {
        if (!isCollection && IsSymbolRead(awaited, target))
        {
            return true;
        }

        return awaited is IInvocationOperation { TargetMethod: { Name: "WhenAll", IsStatic: true } method } invocation
            && types.IsTaskLike(method.ContainingType)
            && PassesSymbol(invocation, target);
    }

    /// <summary>
    /// <c>WhenAll(a, b)</c>, <c>WhenAll(new[] { a, b })</c>, <c>WhenAll([a, b])</c>, <c>WhenAll(tasks)</c>: does an argument
    /// read <paramref name="target"/>, directly or as an element of the array, span or collection expression built for it?
    /// </summary>
    private static bool PassesSymbol(IInvocationOperation invocation, ISymbol target)
    {
        foreach (var argument in invocation.Arguments)
        {
            foreach (var op in argument.Value.DescendantsAndSelf())
            {
                if (!IsSymbolRead(op, target) || op is IConversionOperation)
                {
                    continue;
                }

                var direct = true;
                for (var current = op.Parent; current is not null && !ReferenceEquals(current, argument); current = current.Parent)
                {
                    if (current is IInvocationOperation or IObjectCreationOperation or IAnonymousFunctionOperation or IMemberReferenceOperation or IConditionalOperation)
                    {
                        direct = false;
                        break;
                    }
                }

                if (direct)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>True when nothing between <paramref name="op"/> and <paramref name="statement"/> makes it conditional.</summary>
    private static bool IsUnconditionalWithin(IOperation op, IOperation statement)
    {
        IOperation child = op;
        for (var current = op.Parent; current is not null && !ReferenceEquals(child, statement); child = current, current = current.Parent)
        {
            switch (current)
            {
                case IConditionalOperation conditional when !ReferenceEquals(conditional.Condition, child):
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.ConditionalOr } binary when ReferenceEquals(binary.RightOperand, child):
                case ICoalesceOperation coalesce when ReferenceEquals(coalesce.WhenNull, child):
                case IConditionalAccessOperation access when ReferenceEquals(access.WhenNotNull, child):
                case ILoopOperation:
                case ITryOperation:
                case ISwitchOperation:
                case ISwitchExpressionOperation:
                case IAnonymousFunctionOperation:
                case ILocalFunctionOperation:
                    return false;
            }
        }

        return true;
    }

    /// <summary>True when <paramref name="symbol"/> is assigned (or passed by ref/out) in the function after <paramref name="position"/>.</summary>
    private static bool IsAssignedAfter(ISymbol symbol, IOperation use, int position)
    {
        var body = FunctionContext.GetFunctionBody(use, outermost: true);
        if (body is null)
        {
            return true;
        }

        foreach (var op in body.DescendantsAndSelf())
        {
            if (op.Syntax.SpanStart < position)
            {
                continue;
            }

            switch (op)
            {
                case ISimpleAssignmentOperation { Target: var t } when IsSymbolRead(t, symbol):
                case ICompoundAssignmentOperation { Target: var t2 } when IsSymbolRead(t2, symbol):
                case IDeconstructionAssignmentOperation:
                    return true;
                case IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out, Value: var v } when IsSymbolRead(v, symbol):
                    return true;
                case IInvocationOperation { TargetMethod.Name: "Clear" or "Add" or "Insert" or "AddRange", Instance: { } instance } when IsSymbolRead(instance, symbol):
                    return true;
            }
        }

        return false;
    }

}

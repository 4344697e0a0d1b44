using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Operations;

namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// "Can this code let an exception out?", over operations, for the task-lifetime family: work that provably
/// cannot throw (<see cref="CannotThrow"/>), bodies that contain their own failures (<see cref="ContainsFailures"/>),
/// values that are already complete (<see cref="IsCompletedOrCannotFault"/>). Conservative: anything not
/// understood can throw. Used in place (lambdas) and by <see cref="CalleeSummaries"/> (called methods).
/// </summary>
public static class FailureFreeCode
{
    /// <summary>The operations under <paramref name="root"/>, not entering nested lambdas or local functions (they run elsewhere).</summary>
    public static IEnumerable<IOperation> OwnDescendants(IOperation root)
    {
        var stack = new Stack<IOperation>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            yield return current;
            foreach (var child in current.ChildOperations)
            {
                if (child is not (IAnonymousFunctionOperation or ILocalFunctionOperation))
                {
                    stack.Push(child);
                }
            }
        }
    }

    /// <summary>
    /// True when nothing in <paramref name="operation"/> can throw: it only reads locals, parameters, <c>this</c>, fields of
    /// <c>this</c> or static fields, constants and <c>default</c>, through implicit built-in conversions and <c>??</c>, assigns
    /// such values to locals or parameters, and calls <c>TrySetResult</c>/<c>TrySetException</c>/<c>TrySetCanceled</c> of a
    /// completion source or an <c>Interlocked</c>/<c>Volatile</c> member with such values. A cast,
    /// an indexer, any other call, an object creation or a member access on another object can throw
    /// (an <c>InvalidCastException</c> inside a dropped <c>Task.Run</c> is lost, and whoever awaits the source hangs).
    /// </summary>
    public static bool CannotThrow(IOperation operation, WellKnownTypes types)
    {
        if (operation.ConstantValue.HasValue)
        {
            return true;
        }

        switch (operation)
        {
            case IBlockOperation block:
                foreach (var statement in block.Operations)
                {
                    if (!CannotThrow(statement, types))
                    {
                        return false;
                    }
                }

                return true;
            case IReturnOperation ret:
                return ret.ReturnedValue is null || CannotThrow(ret.ReturnedValue, types);
            case IExpressionStatementOperation statement:
                return CannotThrow(statement.Operation, types);
            case IEmptyOperation:
            case ILocalReferenceOperation:
            case IParameterReferenceOperation:
            case IInstanceReferenceOperation:
            case IDefaultValueOperation:
            case ILiteralOperation:
                return true;
            case IFieldReferenceOperation field:
                return field.Instance is null or IInstanceReferenceOperation;
            case IParenthesizedOperation parenthesized:
                return CannotThrow(parenthesized.Operand, types);
            case IConversionOperation conversion:
                return conversion.OperatorMethod is null
                    && conversion.GetConversion() is { IsImplicit: true, IsUserDefined: false } c
                    && (c.IsIdentity || c.IsReference || c.IsBoxing || c.IsNullLiteral || c.IsDefaultLiteral)
                    && CannotThrow(conversion.Operand, types);
            case ICoalesceOperation coalesce:
                return CannotThrow(coalesce.Value, types) && CannotThrow(coalesce.WhenNull, types);
            case ISimpleAssignmentOperation assignment when IsLocalOrParameter(assignment.Target):
                return CannotThrow(assignment.Value, types);
            case ICoalesceAssignmentOperation assignment when IsLocalOrParameter(assignment.Target):
                return CannotThrow(assignment.Value, types);
            case IInvocationOperation invocation when IsAtomicAccess(invocation.TargetMethod, types):
                foreach (var argument in invocation.Arguments)
                {
                    if (!CannotThrow(argument.Value, types))
                    {
                        return false;
                    }
                }

                return true;
            case IInvocationOperation invocation when IsCompletionSourceTrySet(invocation.TargetMethod, types):
                if (invocation.Instance is null || !CannotThrow(invocation.Instance, types))
                {
                    return false;
                }

                foreach (var argument in invocation.Arguments)
                {
                    if (!CannotThrow(argument.Value, types))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return false;
        }
    }

    private static bool IsLocalOrParameter(IOperation target) =>
        target is ILocalReferenceOperation or IParameterReferenceOperation { Parameter.RefKind: RefKind.None };

    /// <summary>
    /// <c>Interlocked</c> and <c>Volatile</c> members (<c>CompareExchange(ref _field, null, seen)</c>, <c>Increment</c>,
    /// <c>Volatile.Write</c>): on a variable that exists (a local, or a field of <c>this</c> or a static field, which
    /// <see cref="CannotThrow"/> already requires of the argument) they cannot throw.
    /// </summary>
    private static bool IsAtomicAccess(IMethodSymbol method, WellKnownTypes types) =>
        method.IsStatic
        && (types.Is(method.ContainingType, WellKnownTypeNames.Interlocked) || types.Is(method.ContainingType, WellKnownTypeNames.Volatile));

    /// <summary><c>TrySetResult</c>/<c>TrySetException</c>/<c>TrySetCanceled</c> of <c>TaskCompletionSource</c>(<c>&lt;T&gt;</c>): they report a lost race by returning false, never by throwing.</summary>
    public static bool IsCompletionSourceTrySet(IMethodSymbol method, WellKnownTypes types) =>
        method.Name is "TrySetResult" or "TrySetException" or "TrySetCanceled"
        && (types.Is(method.ContainingType, WellKnownTypeNames.TaskCompletionSourceOfT) || types.Is(method.ContainingType, WellKnownTypeNames.TaskCompletionSource));

    /// <summary>
    /// A function body (or expression) that only completes a completion source with <c>TrySet*</c> from values that are
    /// already evaluated: the deliberate hop (<c>Task.Run(() =&gt; tcs.TrySetResult(v))</c>) that keeps the source's
    /// continuations off the current thread. Its task cannot fault.
    /// </summary>
    public static bool IsCompletionOnlyWork(IOperation body, WellKnownTypes types)
    {
        if (!CannotThrow(body, types))
        {
            return false;
        }

        foreach (var op in OwnDescendants(body))
        {
            if (op is IInvocationOperation invocation && IsCompletionSourceTrySet(invocation.TargetMethod, types))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A task value that is complete (<c>Task.CompletedTask</c>, <c>FromResult</c>, <c>FromCanceled</c>, <c>default</c> or
    /// <c>new ValueTask&lt;T&gt;(value)</c>) or cannot fault (<c>Task.Run</c>/<c>StartNew</c> of completion-only work).
    /// <c>FromException</c> is complete but faulted: dropping it loses the exception.
    /// </summary>
    public static bool IsCompletedOrCannotFault(IOperation value, WellKnownTypes types)
    {
        value = OperationWalk.Strip(value, Wrappers.ConversionsAndParentheses);
        switch (value)
        {
            case IInvocationOperation { TargetMethod: { IsStatic: true, Name: "FromResult" or "FromCanceled" } method } when types.IsTaskLike(method.ContainingType):
                return true;
            case IPropertyReferenceOperation { Property: { IsStatic: true, Name: "CompletedTask" } property } when types.IsTaskLike(property.ContainingType):
                return true;
            case IDefaultValueOperation when types.IsValueTask(value.Type):
                return true;
            case IConditionalOperation { WhenFalse: { } whenFalse } conditional:
                return IsCompletedOrCannotFault(conditional.WhenTrue, types) && IsCompletedOrCannotFault(whenFalse, types);
            case IObjectCreationOperation { Constructor: { } ctor, Arguments.Length: 1 } creation
                when types.IsValueTask(ctor.ContainingType)
                    && !types.IsTaskLike(creation.Arguments[0].Value.Type)
                    && creation.Arguments[0].Value.Type?.TypeKind != TypeKind.Interface:
                return true;
            case IInvocationOperation invocation:
                return RunsCompletionOnlyWork(invocation, types);
            default:
                return false;
        }
    }

    /// <summary><c>Task.Run(() =&gt; tcs.TrySetResult(v))</c> / <c>StartNew</c> with such a delegate (<see cref="IsCompletionOnlyWork"/>).</summary>
    public static bool RunsCompletionOnlyWork(IInvocationOperation invocation, WellKnownTypes types)
    {
        if (!types.IsTaskRun(invocation.TargetMethod) && !types.IsTaskFactoryStartNew(invocation.TargetMethod))
        {
            return false;
        }

        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter?.Type.TypeKind == TypeKind.Delegate)
            {
                return DeferredCode.GetFunction(OperationWalk.Strip(argument.Value, Wrappers.Conversions)) is IAnonymousFunctionOperation lambda
                    && IsCompletionOnlyWork(lambda.Body, types);
            }
        }

        return false;
    }

    /// <summary>
    /// True when no exception can leave <paramref name="body"/>: after declarations and assignments of locals or parameters
    /// that cannot throw, every statement is
    /// a <c>try</c> that contains its failures (<see cref="TryContainsFailures"/>). An optional <c>finally</c> without
    /// <c>await</c> is cleanup and not followed.
    /// </summary>
    public static bool ContainsFailures(IBlockOperation body, WellKnownTypes types)
    {
        var tries = 0;
        foreach (var statement in body.Operations)
        {
            if (statement is IReturnOperation { IsImplicit: true, ReturnedValue: null })
            {
                continue;
            }

            if (tries == 0 && statement is IVariableDeclarationGroupOperation && CannotThrowDeclaration(statement, types))
            {
                continue;
            }

            // sender ??= Default; / x = x ?? fallback;: a local or parameter set from values that cannot throw.
            if (tries == 0 && statement is IExpressionStatementOperation { Operation: ISimpleAssignmentOperation or ICoalesceAssignmentOperation } && CannotThrow(statement, types))
            {
                continue;
            }

            if (statement is not ITryOperation tryOperation || !TryContainsFailures(tryOperation, types))
            {
                return false;
            }

            tries++;
        }

        return tries > 0;
    }

    /// <summary>
    /// A <c>try</c> whose failures stay inside: a catch-all clause (<c>catch</c>, <c>catch (Exception)</c>, no filter) that
    /// does not throw; or a clause catching <c>OperationCanceledException</c> where every <c>await</c> of the body outside
    /// a nested catch-all is a <c>Task.Delay</c> (which only fails by cancellation): the polling loop that swallows
    /// every error of its work and ends when its token is cancelled.
    /// </summary>
    public static bool TryContainsFailures(ITryOperation tryOperation, WellKnownTypes types)
    {
        if (tryOperation.Finally is { } final)
        {
            foreach (var op in OwnDescendants(final))
            {
                if (op is IAwaitOperation)
                {
                    return false;
                }
            }
        }

        if (HasCatchAll(tryOperation, types))
        {
            return true;
        }

        var canceled = types.Get(WellKnownTypeNames.OperationCanceledException);
        var catchesCancellation = false;
        foreach (var clause in tryOperation.Catches)
        {
            if (clause.Filter is null && !Rethrows(clause) && canceled is not null && WellKnownTypes.InheritsFrom(canceled, clause.ExceptionType))
            {
                catchesCancellation = true;
            }
        }

        if (!catchesCancellation)
        {
            return false;
        }

        foreach (var op in OwnDescendants(tryOperation.Body))
        {
            if (op is IAwaitOperation awaited && !IsInsideCatchAll(awaited, tryOperation.Body, types) && !IsDelay(awaited.Operation, types))
            {
                return false;
            }
        }

        return true;
    }

    private static bool HasCatchAll(ITryOperation tryOperation, WellKnownTypes types)
    {
        foreach (var clause in tryOperation.Catches)
        {
            if (clause.Filter is null
                && (clause.ExceptionType.SpecialType == SpecialType.System_Object || SymbolEqualityComparer.Default.Equals(clause.ExceptionType, types.Exception))
                && !Rethrows(clause))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Rethrows(ICatchClauseOperation clause)
    {
        foreach (var op in OwnDescendants(clause.Handler))
        {
            if (op is IThrowOperation)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsInsideCatchAll(IOperation operation, IOperation stop, WellKnownTypes types)
    {
        for (IOperation? child = operation, parent = operation.Parent; parent is not null && child != stop; child = parent, parent = parent.Parent)
        {
            if (parent is ITryOperation inner && inner.Body == child && HasCatchAll(inner, types))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsDelay(IOperation awaited, WellKnownTypes types)
    {
        var value = OperationWalk.StripConfigureAwait(OperationWalk.Strip(awaited, Wrappers.ConversionsAndParentheses));
        return value is IInvocationOperation { TargetMethod: { IsStatic: true, Name: "Delay" } method }
            && SymbolEqualityComparer.Default.Equals(method.ContainingType, types.Task);
    }

    private static bool CannotThrowDeclaration(IOperation declarations, WellKnownTypes types)
    {
        foreach (var op in declarations.ChildOperations)
        {
            if (op is not IVariableDeclarationOperation declaration)
            {
                return false;
            }

            foreach (var declarator in declaration.Declarators)
            {
                var initializer = declarator.Initializer ?? declaration.Initializer;
                if (initializer is not null && !CannotThrow(initializer.Value, types))
                {
                    return false;
                }
            }
        }

        return true;
    }
}

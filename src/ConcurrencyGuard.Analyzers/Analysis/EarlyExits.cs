using System.Collections.Generic;

namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// "Does control leave this region early?": a <c>return</c>, <c>yield break</c>, <c>throw</c>, <c>break</c> or
/// <c>continue</c> inside a run of statements that jumps out of that run instead of falling through it. Code that
/// must pair an acquisition with a release (a permit taken before the run, released by a <c>try</c>/<c>finally</c>
/// after it) loses the pairing on such a path.
/// </summary>
public static class EarlyExits
{
    /// <summary>
    /// The exits inside <paramref name="statement"/> that leave it: not inside a nested lambda or local function (they
    /// leave that function, not this one), a <c>break</c>/<c>continue</c> only when its loop or <c>switch</c> is not
    /// inside <paramref name="statement"/>, and a <c>throw</c> only when no <c>try</c> with a <c>catch</c> inside
    /// <paramref name="statement"/> surrounds it (the catch may handle it). <c>yield return</c> is no exit.
    /// </summary>
    public static IEnumerable<IOperation> Leaving(IOperation statement)
    {
        foreach (var op in statement.DescendantsAndSelf())
        {
            var leaves = op switch
            {
                IReturnOperation { Kind: OperationKind.YieldReturn } => false,
                IReturnOperation => true,
                IThrowOperation { Parent: not IExpressionStatementOperation } => !IsCaughtWithin(op, statement),
                IExpressionStatementOperation { Operation: IThrowOperation } => !IsCaughtWithin(op, statement),
                IBranchOperation { BranchKind: BranchKind.Break } => !HasTargetWithin(op, statement, includeSwitch: true),
                IBranchOperation { BranchKind: BranchKind.Continue } => !HasTargetWithin(op, statement, includeSwitch: false),
                _ => false,
            };

            if (leaves && !IsInNestedFunction(op, statement))
            {
                yield return op;
            }
        }
    }

    /// <summary>
    /// The statement never completes normally: it is, or its block ends with, a <c>return</c>, <c>throw</c>,
    /// <c>break</c> or <c>continue</c> (a guard such as <c>if (!acquired) return;</c>).
    /// </summary>
    public static bool AlwaysLeaves(IOperation statement)
    {
        while (true)
        {
            switch (statement)
            {
                case IBlockOperation { Operations.Length: > 0 } block:
                    statement = block.Operations[block.Operations.Length - 1];
                    continue;
                case IExpressionStatementOperation { Operation: IThrowOperation }:
                case IThrowOperation:
                case IReturnOperation { Kind: not OperationKind.YieldReturn }:
                case IBranchOperation { BranchKind: BranchKind.Break or BranchKind.Continue }:
                    return true;
                default:
                    return false;
            }
        }
    }

    private static bool IsCaughtWithin(IOperation exit, IOperation statement)
    {
        for (var current = exit; current is not null && !ReferenceEquals(current, statement); current = current.Parent)
        {
            if (current.Parent is ITryOperation { Catches.Length: > 0 } @try && ReferenceEquals(@try.Body, current))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasTargetWithin(IOperation branch, IOperation statement, bool includeSwitch)
    {
        for (var current = branch.Parent; current is not null; current = current.Parent)
        {
            if (current is ILoopOperation || (includeSwitch && current is ISwitchOperation))
            {
                return true;
            }

            if (ReferenceEquals(current, statement))
            {
                return false;
            }
        }

        return false;
    }

    private static bool IsInNestedFunction(IOperation operation, IOperation statement) =>
        FunctionContext.GetEnclosingFunctionOperation(operation, statement) is not null;
}

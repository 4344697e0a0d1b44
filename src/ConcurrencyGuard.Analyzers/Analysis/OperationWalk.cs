using System;

namespace ConcurrencyGuard.Analyzers;

/// <summary>Operations that only carry a value on: what <see cref="OperationWalk"/> looks through.</summary>
[Flags]
public enum Wrappers
{
    /// <summary>Every conversion, implicit or explicit (casts change nothing about which object it is).</summary>
    Conversions = 1,

    /// <summary>Implicit conversions only; explicit casts stop the walk.</summary>
    ImplicitConversions = 2,

    /// <summary>Parentheses (only present in operation trees of some compilers and in IOperation from syntax).</summary>
    Parentheses = 4,

    /// <summary>The delegate creation around a lambda or method group.</summary>
    DelegateCreations = 8,

    /// <summary>Conversions and parentheses: the usual "same value" walk.</summary>
    ConversionsAndParentheses = Conversions | Parentheses,
}

/// <summary>
/// The one implementation of "look through conversions and parentheses": down to the value an operation
/// carries (<see cref="Strip"/>), up to the outermost operation that still carries it (<see cref="Outermost"/>),
/// and up to the root of the operation tree (<see cref="Root"/>).
/// </summary>
public static class OperationWalk
{
    /// <summary>The operand under <paramref name="operation"/>'s <paramref name="wrappers"/> (the operation itself when it is none of them).</summary>
    public static IOperation Strip(IOperation operation, Wrappers wrappers = Wrappers.Conversions)
    {
        while (Inner(operation, wrappers) is { } inner)
        {
            operation = inner;
        }

        return operation;
    }

    /// <summary><see cref="Strip(IOperation, Wrappers)"/> for an optional operation.</summary>
    public static IOperation? StripOrNull(IOperation? operation, Wrappers wrappers = Wrappers.Conversions) =>
        operation is null ? null : Strip(operation, wrappers);

    /// <summary>The outermost of <paramref name="operation"/>'s ancestors that are <paramref name="wrappers"/> around it (the operation itself when its parent is none of them).</summary>
    public static IOperation Outermost(IOperation operation, Wrappers wrappers = Wrappers.Conversions)
    {
        while (operation.Parent is { } parent && Inner(parent, wrappers) is not null)
        {
            operation = parent;
        }

        return operation;
    }

    /// <summary>The first ancestor of <paramref name="operation"/> that is not one of <paramref name="wrappers"/>.</summary>
    public static IOperation? ParentSkipping(IOperation operation, Wrappers wrappers = Wrappers.Conversions) =>
        Outermost(operation, wrappers).Parent;

    /// <summary>The task a trailing <c>ConfigureAwait(...)</c> is called on, or <paramref name="operation"/> when it is no such call.</summary>
    public static IOperation StripConfigureAwait(IOperation operation) =>
        operation is IInvocationOperation { TargetMethod.Name: "ConfigureAwait", Instance: { } inner } ? inner : operation;

    /// <summary>
    /// The value a conditional access tests: for the placeholder receiver of <c>x?.M()</c> (an
    /// <see cref="IConditionalAccessInstanceOperation"/>), <c>x</c>; otherwise <paramref name="operation"/>.
    /// </summary>
    public static IOperation ConditionalReceiver(IOperation operation)
    {
        if (operation is not IConditionalAccessInstanceOperation)
        {
            return operation;
        }

        // The placeholder sits in the WhenNotNull part of its conditional access (nested ones: the nearest such).
        var child = operation;
        for (var current = operation.Parent; current is not null; child = current, current = current.Parent)
        {
            if (current is IConditionalAccessOperation access && ReferenceEquals(access.WhenNotNull, child))
            {
                return access.Operation;
            }
        }

        return operation;
    }

    /// <summary>The root of the operation tree <paramref name="operation"/> belongs to (the member body, or a field initializer).</summary>
    public static IOperation Root(IOperation operation)
    {
        while (operation.Parent is { } parent)
        {
            operation = parent;
        }

        return operation;
    }

    private static IOperation? Inner(IOperation operation, Wrappers wrappers) => operation switch
    {
        IConversionOperation conversion when (wrappers & Wrappers.Conversions) != 0
            || ((wrappers & Wrappers.ImplicitConversions) != 0 && conversion.IsImplicit) => conversion.Operand,
        IParenthesizedOperation parenthesized when (wrappers & Wrappers.Parentheses) != 0 => parenthesized.Operand,
        IDelegateCreationOperation creation when (wrappers & Wrappers.DelegateCreations) != 0 => creation.Target,
        _ => null,
    };

    /// <summary>
    /// The value <paramref name="local"/> is declared with, when nothing in <paramref name="root"/> writes it again: no
    /// assignment (simple, compound, <c>??=</c>, deconstruction), increment or <c>ref</c>/<c>out</c> argument. Null otherwise.
    /// </summary>
    public static IOperation? SingleInitializer(ILocalSymbol local, IOperation root)
    {
        IOperation? initializer = null;
        foreach (var op in root.DescendantsAndSelf())
        {
            switch (op)
            {
                case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, local):
                    initializer = declarator.Initializer?.Value;
                    break;
                case ILocalReferenceOperation { IsDeclaration: false } reference when SymbolEqualityComparer.Default.Equals(reference.Local, local)
                    && IsWrittenHere(reference):
                    return null;
            }
        }

        return initializer;
    }

    private static bool IsWrittenHere(IOperation reference)
    {
        var target = reference;
        while (target.Parent is ITupleOperation tuple)
        {
            target = tuple;
        }

        return target.Parent switch
        {
            IAssignmentOperation assignment => ReferenceEquals(assignment.Target, target),
            IIncrementOrDecrementOperation => true,
            IArgumentOperation { Parameter.RefKind: not RefKind.None and not RefKind.In } => true,
            _ => false,
        };
    }
}

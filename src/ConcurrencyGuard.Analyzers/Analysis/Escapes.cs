using System;

namespace ConcurrencyGuard.Analyzers;

/// <summary>How one use of a tracked value (a local's or field's value, or a member of it) leaves, or stays in, its scope.</summary>
public enum EscapeKind
{
    /// <summary>The value is only looked at: compared, null-checked, interpolated, discarded, used in <c>nameof</c>.</summary>
    None,

    /// <summary>The value is the receiver of a member (<c>x.Method()</c>, <c>x.Property</c>, <c>x.Method</c> as a method group): see <see cref="ValueUse.Consumer"/>.</summary>
    Receiver,

    /// <summary>The value is copied into a local (<c>var w = ch.Writer;</c>): the local is an alias, see <see cref="ValueUse.Target"/>.</summary>
    CopiedToLocal,

    /// <summary>The value is stored in a private field or private auto-property of the owner type (see <see cref="ValueUse.Target"/>); with <c>internalIsPrivate</c>, internal ones too.</summary>
    StoredInPrivateMember,

    // Everything below is an escape: the value leaves what the caller can see.

    /// <summary>Returned (including <c>yield return</c> and a lambda's expression body).</summary>
    Returned,

    /// <summary>Passed as an argument to a method, delegate or indexer (also <c>ref</c>/<c>out</c>, and the <c>this</c> of an extension method).</summary>
    PassedToMethod,

    /// <summary>Passed as an argument to a constructor.</summary>
    PassedToConstructor,

    /// <summary>Stored in a non-private member or a member of another object.</summary>
    StoredInNonPrivateMember,

    /// <summary>Stored in an array, collection or tuple element, an anonymous object, or any place not listed above.</summary>
    StoredElsewhere,

    /// <summary>Used inside a lambda or anonymous method that itself escapes (see <see cref="Escapes.IsCapturedByEscapingLambda"/>).</summary>
    CapturedByEscapingLambda,
}

/// <summary>Where a freshly created object (<c>new HttpClient(...)</c>, <c>new SocketsHttpHandler()</c>) ends up.</summary>
public enum CreatedObjectTarget
{
    /// <summary>Used where it is created and then dropped: <c>new HttpClient().GetAsync(...)</c>, a discard, an expression statement.</summary>
    UsedInPlace,

    /// <summary>Stored in a local (<c>var c = new ...</c>, <c>using var c = ...</c>, <c>c = new ...</c>).</summary>
    Local,

    /// <summary>Stored in a field or property (initializer or assignment).</summary>
    Member,

    /// <summary>Returned from a named method, local function or property getter: the caller owns it.</summary>
    Returned,

    /// <summary>Returned from a lambda (a DI factory <c>sp =&gt; new HttpClient()</c>, a <c>Lazy</c> factory).</summary>
    ReturnedFromLambda,

    /// <summary>Passed as an argument (including a constructor argument).</summary>
    Argument,

    /// <summary>Anything else (collection/anonymous object initializers, tuples, ...): rules stay silent.</summary>
    Other,
}

/// <summary>The result of <see cref="Escapes.Classify"/>: what happens to a value at one use.</summary>
public readonly struct ValueUse
{
    public ValueUse(EscapeKind kind, IOperation value, IOperation? consumer, ISymbol? target)
    {
        Kind = kind;
        Value = value;
        Consumer = consumer;
        Target = target;
    }

    public EscapeKind Kind { get; }

    /// <summary>The outermost operation that still carries the value (after projections such as <c>.Writer</c>, conversions and conditional access).</summary>
    public IOperation Value { get; }

    /// <summary>The operation that uses <see cref="Value"/>: the invocation or member reference for <see cref="EscapeKind.Receiver"/>, the assignment, return, argument's call...</summary>
    public IOperation? Consumer { get; }

    /// <summary>The local or member the value is copied into, for <see cref="EscapeKind.CopiedToLocal"/> and the store kinds.</summary>
    public ISymbol? Target { get; }

    /// <summary>True when, at this use, the value leaves the scope the caller can see.</summary>
    public bool Escapes => Kind >= EscapeKind.Returned;
}

/// <summary>
/// "Does this value escape the scope?" Given one reference to a tracked local or field, follows the value
/// upwards through projections the caller names (a channel's <c>.Reader</c>/<c>.Writer</c>), conversions,
/// conditional access (<c>x?.Writer</c>) and conditional/coalesce expressions, and says what happens to it:
/// only looked at, used as a receiver, copied into an alias local or private member, or escaping (returned,
/// passed to a method or constructor, stored in a non-private member or an element). Unknown shapes count
/// as escaping: a rule built on this stays silent rather than guess.
/// <para>
/// Uses inside lambdas and local functions are ordinary uses: their bodies are part of the scope's
/// operation tree, so a caller that walks the whole tree sees them. A caller for whom a lambda outliving
/// the scope matters (a disposed value captured by a callback) asks <see cref="IsCapturedByEscapingLambda"/>.
/// </para>
/// The rules' questions are asked here, on top of <see cref="Classify"/>: where a created object goes
/// (<see cref="TargetOfCreation"/>, the HTTP family), whether a lambda outlives the scope
/// (<see cref="IsCapturedByEscapingLambda"/>), whether a value is handed to other code (<see cref="IsHandedOn"/>,
/// CG6003's lock objects); CG4002 classifies channel uses with <see cref="Classify"/> directly.
/// </summary>
public static class Escapes
{
    /// <summary>Classifies the use of the value read by <paramref name="reference"/>.</summary>
    /// <param name="reference">A local, parameter, field or property reference, or any value-producing operation (e.g. a creation expression).</param>
    /// <param name="isProjection">Members that hand out a part of the value which counts as the value itself (e.g. <c>Channel&lt;T&gt;.Reader</c>); null for none.</param>
    /// <param name="ownerType">The type whose private members count as in scope for <see cref="EscapeKind.StoredInPrivateMember"/>; null to treat every member store as an escape.</param>
    /// <param name="internalIsPrivate">Count internal (and private protected) members of <paramref name="ownerType"/> as private.</param>
    public static ValueUse Classify(IOperation reference, Func<ISymbol, bool>? isProjection = null, INamedTypeSymbol? ownerType = null, bool internalIsPrivate = false)
    {
        var current = reference;
        for (var guard = 0; guard < 64; guard++)
        {
            var parent = current.Parent;
            switch (parent)
            {
                case null:
                    return new ValueUse(EscapeKind.StoredElsewhere, current, null, null);

                case IConversionOperation:
                case IParenthesizedOperation:
                    current = parent;
                    continue;

                case IPropertyReferenceOperation property when property.Instance == current:
                    if (isProjection is not null && isProjection(property.Property))
                    {
                        current = parent;
                        continue;
                    }

                    return new ValueUse(EscapeKind.Receiver, current, parent, null);

                case IFieldReferenceOperation field when field.Instance == current:
                    if (isProjection is not null && isProjection(field.Field))
                    {
                        current = parent;
                        continue;
                    }

                    return new ValueUse(EscapeKind.Receiver, current, parent, null);

                case IConditionalAccessOperation access when access.Operation == current:
                    // x?.Writer.Complete(): the use happens at the IConditionalAccessInstanceOperation inside WhenNotNull.
                    var instance = FindConditionalInstance(access.WhenNotNull);
                    if (instance is null)
                    {
                        return new ValueUse(EscapeKind.StoredElsewhere, current, parent, null);
                    }

                    current = instance;
                    continue;

                case IConditionalAccessOperation access when access.WhenNotNull == current:
                    current = parent;
                    continue;

                case IConditionalOperation conditional when conditional.Condition != current:
                case ICoalesceOperation:
                case ISwitchExpressionArmOperation arm when arm.Value == current:
                case ISwitchExpressionOperation switchExpression when switchExpression.Value != current:
                    // The value flows on through the conditional/coalesce/switch expression.
                    current = parent;
                    continue;

                case IInvocationOperation invocation when invocation.Instance == current:
                    return new ValueUse(EscapeKind.Receiver, current, parent, null);

                case IMethodReferenceOperation or IEventReferenceOperation:
                    return new ValueUse(EscapeKind.Receiver, current, parent, null);

                case IArgumentOperation argument:
                    return argument.Parent is IObjectCreationOperation
                        ? new ValueUse(EscapeKind.PassedToConstructor, current, argument.Parent, argument.Parameter)
                        : new ValueUse(EscapeKind.PassedToMethod, current, argument.Parent, argument.Parameter);

                case IReturnOperation:
                    return new ValueUse(EscapeKind.Returned, current, parent, null);

                case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                    return new ValueUse(EscapeKind.CopiedToLocal, current, declarator, declarator.Symbol);

                case IAssignmentOperation assignment when assignment.Value == current:
                    return ClassifyStore(assignment.Target, current, assignment, ownerType, internalIsPrivate);

                case IFieldInitializerOperation fieldInitializer:
                    foreach (var field in fieldInitializer.InitializedFields)
                    {
                        if (!IsPrivateMemberOf(field, ownerType, internalIsPrivate))
                        {
                            return new ValueUse(EscapeKind.StoredInNonPrivateMember, current, parent, field);
                        }
                    }

                    return new ValueUse(EscapeKind.StoredInPrivateMember, current, parent, fieldInitializer.InitializedFields.Length == 1 ? fieldInitializer.InitializedFields[0] : null);

                case IPropertyInitializerOperation propertyInitializer:
                    foreach (var property in propertyInitializer.InitializedProperties)
                    {
                        if (!IsPrivateMemberOf(property, ownerType, internalIsPrivate))
                        {
                            return new ValueUse(EscapeKind.StoredInNonPrivateMember, current, parent, property);
                        }
                    }

                    return new ValueUse(EscapeKind.StoredInPrivateMember, current, parent, propertyInitializer.InitializedProperties.Length == 1 ? propertyInitializer.InitializedProperties[0] : null);

                case IExpressionStatementOperation:
                case IBinaryOperation:
                case IIsTypeOperation:
                case IIsPatternOperation:
                case IInterpolationOperation:
                case INameOfOperation:
                case IConditionalOperation:
                case ISwitchExpressionOperation:
                case ISwitchOperation:
                case ILockOperation:
                case IUsingOperation:
                case IThrowOperation:
                    return new ValueUse(EscapeKind.None, current, parent, null);

                case IForEachLoopOperation loop when loop.Collection == current:
                    // Enumerating the value itself (a BlockingCollection's snapshot, a reader's ReadAllAsync result) hands it to nobody.
                    return new ValueUse(EscapeKind.Receiver, current, parent, null);

                default:
                    return new ValueUse(EscapeKind.StoredElsewhere, current, parent, null);
            }
        }

        return new ValueUse(EscapeKind.StoredElsewhere, current, current.Parent, null);
    }

    /// <summary>
    /// Where a freshly created object goes: <see cref="Classify"/> seen as the HTTP rules need it.
    /// <paramref name="symbol"/> is the local, member or parameter it is stored in or passed to.
    /// </summary>
    public static CreatedObjectTarget TargetOfCreation(IOperation creation, out ISymbol? symbol)
    {
        var use = Classify(creation);
        symbol = use.Target;
        switch (use.Kind)
        {
            case EscapeKind.CopiedToLocal:
                return CreatedObjectTarget.Local;
            case EscapeKind.StoredInPrivateMember or EscapeKind.StoredInNonPrivateMember:
                return CreatedObjectTarget.Member;
            case EscapeKind.PassedToMethod or EscapeKind.PassedToConstructor:
                return CreatedObjectTarget.Argument;
        }

        symbol = null;
        return use switch
        {
            { Kind: EscapeKind.Returned } => FunctionContext.GetEnclosingFunctionOperation(use.Consumer!) is IAnonymousFunctionOperation
                ? CreatedObjectTarget.ReturnedFromLambda
                : CreatedObjectTarget.Returned,
            { Kind: EscapeKind.Receiver, Consumer: IInvocationOperation or IPropertyReferenceOperation } => CreatedObjectTarget.UsedInPlace,
            { Kind: EscapeKind.None, Consumer: IExpressionStatementOperation or IUsingOperation or IAssignmentOperation { Target: IDiscardOperation } } => CreatedObjectTarget.UsedInPlace,
            _ => CreatedObjectTarget.Other,
        };
    }

    /// <summary>
    /// True when the value <paramref name="isValue"/> accepts (a reference to it, or <c>this</c> for a member of this
    /// instance when <paramref name="includeThis"/>) is handed to other code at or after <paramref name="position"/>
    /// in <paramref name="scope"/>: passed as an argument (calls <paramref name="ignoreCall"/> accepts excepted),
    /// returned, or assigned somewhere (<c>x = value</c>; a declaration's initializer is an alias, not a hand-over).
    /// </summary>
    public static bool IsHandedOn(IOperation scope, int position, Func<IOperation, bool> isValue, bool includeThis, Func<IInvocationOperation, bool>? ignoreCall = null)
    {
        foreach (var op in scope.Descendants())
        {
            if (op.Syntax.SpanStart < position || !(includeThis && op is IInstanceReferenceOperation || isValue(op)))
            {
                continue;
            }

            var use = Classify(op);
            switch (use.Kind)
            {
                case EscapeKind.PassedToMethod or EscapeKind.PassedToConstructor:
                    if (ignoreCall is null || use.Consumer is not IInvocationOperation call || !ignoreCall(call))
                    {
                        return true;
                    }

                    break;
                case EscapeKind.Returned:
                    return true;
                default:
                    if (use.Consumer is ISimpleAssignmentOperation assignment && ReferenceEquals(assignment.Value, use.Value))
                    {
                        return true;
                    }

                    break;
            }
        }

        return false;
    }

    /// <summary>
    /// True when <paramref name="reference"/> sits inside a lambda or anonymous method (below <paramref name="scopeRoot"/>)
    /// whose delegate escapes: it is passed, returned or stored rather than only invoked in place. Local functions
    /// count when they are converted to a delegate anywhere in the scope (checked by the caller walking the tree);
    /// here a local function is never considered escaping.
    /// </summary>
    public static bool IsCapturedByEscapingLambda(IOperation reference, IOperation scopeRoot)
    {
        for (var current = reference.Parent; current is not null && current != scopeRoot; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation lambda)
            {
                IOperation value = lambda;
                if (lambda.Parent is IDelegateCreationOperation creation)
                {
                    value = creation;
                }

                var use = Classify(value);
                var invokedInPlace = use.Kind == EscapeKind.Receiver
                    && use.Consumer is IInvocationOperation invocation
                    && invocation.TargetMethod.MethodKind == MethodKind.DelegateInvoke;
                var copiedToLocal = use.Kind == EscapeKind.CopiedToLocal;
                if (!invokedInPlace && !copiedToLocal)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// True when <paramref name="member"/> is declared in <paramref name="ownerType"/> (any partial part) and is private
    /// (or internal / private protected with <paramref name="internalIsPrivate"/>).
    /// </summary>
    public static bool IsPrivateMemberOf(ISymbol member, INamedTypeSymbol? ownerType, bool internalIsPrivate)
    {
        if (ownerType is null || !SymbolEqualityComparer.Default.Equals(member.ContainingType?.OriginalDefinition, ownerType.OriginalDefinition))
        {
            return false;
        }

        return member.DeclaredAccessibility switch
        {
            Accessibility.Private => true,
            Accessibility.Internal or Accessibility.ProtectedAndInternal => internalIsPrivate,
            _ => false,
        };
    }

    private static ValueUse ClassifyStore(IOperation target, IOperation value, IOperation assignment, INamedTypeSymbol? ownerType, bool internalIsPrivate)
    {
        switch (target)
        {
            case ILocalReferenceOperation local:
                return new ValueUse(EscapeKind.CopiedToLocal, value, assignment, local.Local);
            case IFieldReferenceOperation field when IsOwnInstance(field.Instance):
                return IsPrivateMemberOf(field.Field, ownerType, internalIsPrivate)
                    ? new ValueUse(EscapeKind.StoredInPrivateMember, value, assignment, field.Field)
                    : new ValueUse(EscapeKind.StoredInNonPrivateMember, value, assignment, field.Field);
            case IPropertyReferenceOperation property when IsOwnInstance(property.Instance) && property.Arguments.Length == 0:
                return IsPrivateMemberOf(property.Property, ownerType, internalIsPrivate)
                    ? new ValueUse(EscapeKind.StoredInPrivateMember, value, assignment, property.Property)
                    : new ValueUse(EscapeKind.StoredInNonPrivateMember, value, assignment, property.Property);
            case IFieldReferenceOperation or IPropertyReferenceOperation:
                return new ValueUse(EscapeKind.StoredInNonPrivateMember, value, assignment, (target as IMemberReferenceOperation)?.Member);
            case IDiscardOperation:
                return new ValueUse(EscapeKind.None, value, assignment, null);
            default:
                return new ValueUse(EscapeKind.StoredElsewhere, value, assignment, null);
        }
    }

    /// <summary>Static member, or <c>this</c>: not a member of some other object.</summary>
    private static bool IsOwnInstance(IOperation? instance) =>
        instance is null || instance is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance };

    private static IOperation? FindConditionalInstance(IOperation whenNotNull)
    {
        foreach (var descendant in whenNotNull.DescendantsAndSelf())
        {
            if (descendant is IConditionalAccessInstanceOperation)
            {
                return descendant;
            }
        }

        return null;
    }
}

namespace ConcurrencyGuard.Analyzers;

/// <summary>How a <c>CancellationTokenSource</c> was made.</summary>
public enum TokenSourceKind
{
    /// <summary><c>new CancellationTokenSource()</c>.</summary>
    Plain,

    /// <summary><c>new CancellationTokenSource(timeout)</c>.</summary>
    Timed,

    /// <summary><c>CancellationTokenSource.CreateLinkedTokenSource(...)</c>.</summary>
    Linked,
}

/// <summary>What the code does with a <c>CancellationTokenSource</c> local (see <see cref="TokenSources.Classify"/>).</summary>
public readonly struct TokenSourceUsage
{
    internal TokenSourceUsage(bool disposed, bool escapes, bool reassigned, bool cancelAfter)
    {
        Disposed = disposed;
        Escapes = escapes;
        Reassigned = reassigned;
        CancelAfter = cancelAfter;
    }

    /// <summary><c>Dispose()</c>/<c>?.Dispose()</c> is called on it, or it is the resource of a <c>using</c>.</summary>
    public bool Disposed { get; }

    /// <summary>Ownership may move: returned, stored, passed, captured, or its <c>Token</c> returned or stored.</summary>
    public bool Escapes { get; }

    /// <summary>The local is assigned again after its declaration.</summary>
    public bool Reassigned { get; }

    /// <summary><c>CancelAfter(...)</c> is called on it.</summary>
    public bool CancelAfter { get; }
}

/// <summary>
/// "What happens to this token source local?", shared by CG2004 (never disposed) and CG2006 (timeout
/// source not linked to the caller's token). Conservative: anything that could hand the source to
/// someone else counts as an escape.
/// </summary>
public static class TokenSources
{
    /// <summary>The kind of source <paramref name="value"/> creates, or null when it does not create one.</summary>
    public static TokenSourceKind? CreationKind(IOperation value, INamedTypeSymbol sourceType)
    {
        value = OperationWalk.Strip(value);

        switch (value)
        {
            case IObjectCreationOperation creation when SymbolEqualityComparer.Default.Equals(creation.Type, sourceType):
                return creation.Arguments.Length == 0 ? TokenSourceKind.Plain : TokenSourceKind.Timed;
            case IInvocationOperation { TargetMethod: { Name: "CreateLinkedTokenSource", IsStatic: true } method }
                when SymbolEqualityComparer.Default.Equals(method.ContainingType, sourceType):
                return TokenSourceKind.Linked;
            default:
                return null;
        }
    }

    /// <summary>Walks every reference to <paramref name="local"/> under <paramref name="root"/>.</summary>
    public static TokenSourceUsage Classify(ILocalSymbol local, IOperation root, IOperation declaration)
    {
        bool disposed = false, escapes = false, reassigned = false, cancelAfter = false;
        var home = FunctionContext.GetEnclosingFunctionOperation(declaration);
        foreach (var operation in root.Descendants())
        {
            if (operation is not ILocalReferenceOperation reference || !SymbolEqualityComparer.Default.Equals(reference.Local, local))
            {
                continue;
            }

            if (!ReferenceEquals(FunctionContext.GetEnclosingFunctionOperation(reference), home))
            {
                escapes = true; // captured by a lambda or local function: its lifetime is theirs now
                continue;
            }

            var child = OperationWalk.Outermost(reference, Wrappers.ConversionsAndParentheses);
            var parent = child.Parent;
            switch (parent)
            {
                case IInvocationOperation invocation when ReferenceEquals(invocation.Instance, child):
                    disposed |= invocation.TargetMethod.Name is "Dispose" or "DisposeAsync";
                    cancelAfter |= invocation.TargetMethod.Name == "CancelAfter";
                    break;
                case IConditionalAccessOperation conditional when ReferenceEquals(conditional.Operation, child):
                    disposed |= conditional.WhenNotNull is IInvocationOperation { TargetMethod.Name: "Dispose" or "DisposeAsync" };
                    break;
                case IUsingOperation:
                    disposed = true;
                    break;
                case ISimpleAssignmentOperation assignment when ReferenceEquals(assignment.Target, child):
                    reassigned = true;
                    break;
                case IPropertyReferenceOperation { Property.Name: "Token" } token when ReferenceEquals(token.Instance, child):
                    escapes |= TokenIsStoredOrReturned(token);
                    break;
                case IPropertyReferenceOperation or IFieldReferenceOperation or IEventReferenceOperation:
                    break;
                case IArgumentOperation argument when argument.Parameter?.RefKind is RefKind.Ref or RefKind.Out:
                    reassigned = true;
                    escapes = true;
                    break;
                case IBinaryOperation or IIsPatternOperation or IIsTypeOperation:
                    break;
                default:
                    // returned, assigned elsewhere, passed as an argument, put in a collection or tuple, yielded...
                    escapes = true;
                    break;
            }
        }

        return new TokenSourceUsage(disposed, escapes, reassigned, cancelAfter);
    }

    private static bool TokenIsStoredOrReturned(IOperation token)
    {
        var child = OperationWalk.Outermost(token, Wrappers.ConversionsAndParentheses);
        var parent = child.Parent;
        return parent switch
        {
            IReturnOperation => true,
            ISimpleAssignmentOperation assignment when ReferenceEquals(assignment.Value, child) =>
                assignment.Target is IFieldReferenceOperation or IPropertyReferenceOperation,
            IVariableInitializerOperation => false,
            _ => false,
        };
    }
}

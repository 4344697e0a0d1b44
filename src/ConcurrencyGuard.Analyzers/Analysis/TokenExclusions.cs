using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// Tokens that are in scope by shape but are the wrong token for the code at hand, and calls that must not be given
/// one (the cancellation family's precision reasoning, issue #16):
/// <list type="bullet">
/// <item>a token parameter the function stores (<c>_parent = token;</c>): it is the value the method keeps, not its own cancellation;</item>
/// <item>the token of a local source the function cancelled earlier (<c>cts.Cancel(); ... WaitWithGrace(...)</c>);</item>
/// <item>a call whose token overload is the enclosing method itself (forwarding would recurse);</item>
/// <item>a call that does no waiting: its only other argument is a zero timeout (<c>Task.Delay(0)</c>, <c>WaitAsync(0)</c>);</item>
/// <item><c>Task.Run</c>/<c>StartNew</c> of bookkeeping that must run: the delegate completes a completion source or releases
/// a semaphore, and a token could skip the delegate and strand whoever awaits the source or the gate;</item>
/// <item><c>Task.Run</c>/<c>StartNew</c> whose delegate already hands a token to its work, or whose task is stored in a field of
/// <c>this</c> (work that outlives the call): a token on the scheduling call only decides whether the work starts;</item>
/// <item>reading the content of a response whose body the default completion option already buffered;</item>
/// <item>a call that stops, closes, completes or disposes the context object that carries the token in scope
/// (<c>context.StopAsync()</c> with <c>context.CancellationToken</c> in scope): stopping cancels that token, so passing
/// it would abort the stop;</item>
/// <item>completion bookkeeping after finished work (<c>StopAsync</c>, <c>CloseAsync</c>, <c>Complete*</c>, <c>End*</c>,
/// <c>Release*</c>): cancelling it would corrupt state, so CG2001 does not ask for a token and CG2002 accepts <c>None</c>.</item>
/// </list>
/// </summary>
public static class TokenExclusions
{
    // Per function body, computed once: asked for every call with a token in scope, a walk per call would be quadratic.
    private static readonly ConditionalWeakTable<IOperation, HashSet<IParameterSymbol>> StoredParameters = new();
    private static readonly ConditionalWeakTable<IOperation, Dictionary<ILocalSymbol, int>> FirstCancels = new();

    /// <summary>True when <paramref name="function"/>'s body assigns <paramref name="parameter"/> to a field or property (or links a source to it there).</summary>
    public static bool IsStoredToken(IParameterSymbol parameter, IOperation? function) =>
        function is not null && StoredParameters.GetValue(function, CollectStoredParameters).Contains(parameter);

    private static HashSet<IParameterSymbol> CollectStoredParameters(IOperation function)
    {
        var stored = new HashSet<IParameterSymbol>(SymbolEqualityComparer.Default);
        foreach (var op in FailureFreeCode.OwnDescendants(function))
        {
            if (op is ISimpleAssignmentOperation { Target: IFieldReferenceOperation or IPropertyReferenceOperation } assignment
                && OperationWalk.Strip(assignment.Value, Wrappers.ConversionsAndParentheses) is IParameterReferenceOperation parameter)
            {
                stored.Add(parameter.Parameter);
            }
        }

        return stored;
    }

    /// <summary>True when <c>source.Cancel()</c>/<c>CancelAsync()</c> is called on <paramref name="source"/> before <paramref name="point"/> in the same body.</summary>
    public static bool IsCancelledBefore(ILocalSymbol source, IOperation point) =>
        FirstCancels.GetValue(OperationWalk.Root(point), CollectFirstCancels).TryGetValue(source, out var first) && first < point.Syntax.SpanStart;

    /// <summary>For each local of the body, the position of its first <c>Cancel()</c>/<c>CancelAsync()</c> call.</summary>
    private static Dictionary<ILocalSymbol, int> CollectFirstCancels(IOperation root)
    {
        var first = new Dictionary<ILocalSymbol, int>(SymbolEqualityComparer.Default);
        foreach (var op in root.DescendantsAndSelf())
        {
            if (op is IInvocationOperation { TargetMethod.Name: "Cancel" or "CancelAsync", Instance: ILocalReferenceOperation local } call
                && (!first.TryGetValue(local.Local, out var position) || call.Syntax.SpanStart < position))
            {
                first[local.Local] = call.Syntax.SpanStart;
            }
        }

        return first;
    }

    /// <summary>The overload that would take the token is the method (or local function) the call sits in: passing it on would recurse.</summary>
    public static bool IsEnclosingFunction(IMethodSymbol? overload, IOperation call, ISymbol? containingSymbol)
    {
        if (overload is null)
        {
            return false;
        }

        var enclosing = FunctionContext.GetEnclosingFunction(call, containingSymbol);
        return enclosing is not null && SymbolEqualityComparer.Default.Equals(overload.OriginalDefinition, enclosing.OriginalDefinition);
    }

    /// <summary>
    /// <c>Task.Delay(0)</c>, <c>semaphore.Wait(0)</c>, <c>WaitAsync(TimeSpan.Zero)</c>: every explicit argument is a zero
    /// <c>int</c> or <c>TimeSpan</c>, so the call does not wait ("try now") and a token would change nothing.
    /// </summary>
    public static bool IsZeroTimeoutCall(IInvocationOperation call, WellKnownTypes types)
    {
        var zeros = 0;
        foreach (var argument in call.Arguments)
        {
            // The receiver of an extension call is not a timeout.
            if (argument.ArgumentKind != ArgumentKind.Explicit || (argument.Parameter?.Ordinal == 0 && call.TargetMethod.IsExtensionMethod))
            {
                continue;
            }

            if (IsZero(argument.Value, types))
            {
                zeros++;
                continue;
            }

            return false;
        }

        return zeros > 0;
    }

    private static bool IsZero(IOperation value, WellKnownTypes types)
    {
        value = OperationWalk.Strip(value, Wrappers.ConversionsAndParentheses);
        if (value.ConstantValue is { HasValue: true, Value: int i })
        {
            return i == 0;
        }

        return value is IFieldReferenceOperation { Field: { IsStatic: true, Name: "Zero" } field }
            && types.Is(field.ContainingType, WellKnownTypeNames.TimeSpan);
    }

    /// <summary>
    /// <c>Task.Run(() =&gt; tcs.TrySetResult(v))</c>, <c>Task.Run(async () =&gt; { try { ... } finally { gate.Release(); } })</c>: the
    /// delegate completes a completion source or releases a semaphore. A token on the scheduling call can cancel the task
    /// before the delegate starts, and then the source is never completed (its awaiters hang) or the gate leaks.
    /// </summary>
    public static bool RunsBookkeepingThatMustRun(IInvocationOperation call, WellKnownTypes types)
    {
        if (!types.IsTaskRun(call.TargetMethod) && !types.IsTaskFactoryStartNew(call.TargetMethod))
        {
            return false;
        }

        foreach (var argument in call.Arguments)
        {
            if (argument.Parameter?.Type.TypeKind != TypeKind.Delegate
                || DeferredCode.GetFunction(OperationWalk.Strip(argument.Value, Wrappers.Conversions)) is not IAnonymousFunctionOperation lambda)
            {
                continue;
            }

            foreach (var op in FailureFreeCode.OwnDescendants(lambda.Body))
            {
                if (op is IInvocationOperation invocation
                    && (IsCompletion(invocation.TargetMethod, types)
                        || (invocation.TargetMethod.Name == "Release" && types.Is(invocation.TargetMethod.ContainingType, WellKnownTypeNames.SemaphoreSlim))))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// <c>Task.Run</c>/<c>StartNew</c> whose token would only decide whether the work starts, never stop it:
    /// <list type="bullet">
    /// <item>the delegate already hands a token to its work (<c>Task.Run(() =&gt; StopAsync(ct))</c>,
    /// <c>Task.Run(() =&gt; Loop(_shutdown.Token))</c>): the work is cancellable, and a token on the scheduling call
    /// can only skip it (for a stop stage, skip the cleanup);</item>
    /// <item>the task is stored in a field or property of <c>this</c> (<c>_loop = Task.Run(Loop)</c>): the work outlives the
    /// call, so the call's token is not its lifetime (a start stage's token must not end the loop it launches).</item>
    /// </list>
    /// </summary>
    public static bool SchedulesWorkThatOwnsItsCancellation(IInvocationOperation call, WellKnownTypes types)
    {
        if (!types.IsTaskRun(call.TargetMethod) && !types.IsTaskFactoryStartNew(call.TargetMethod))
        {
            return false;
        }

        IOperation value = call;
        while (value.Parent is IConversionOperation or IParenthesizedOperation)
        {
            value = value.Parent;
        }

        if (value.Parent is ISimpleAssignmentOperation assignment
            && assignment.Value == value
            && OperationWalk.Strip(assignment.Target, Wrappers.ConversionsAndParentheses) is IFieldReferenceOperation { Instance: null or IInstanceReferenceOperation } or IPropertyReferenceOperation { Instance: null or IInstanceReferenceOperation })
        {
            return true;
        }

        foreach (var argument in call.Arguments)
        {
            if (argument.Parameter?.Type.TypeKind != TypeKind.Delegate
                || DeferredCode.GetFunction(OperationWalk.Strip(argument.Value, Wrappers.Conversions)) is not IAnonymousFunctionOperation lambda)
            {
                continue;
            }

            foreach (var op in lambda.Body.Descendants())
            {
                if (op is IArgumentOperation { Value: { } passed }
                    && TokenInScope.IsToken(passed.Type, types)
                    && OperationWalk.Strip(passed, Wrappers.ConversionsAndParentheses) is IParameterReferenceOperation or ILocalReferenceOperation or IFieldReferenceOperation or IPropertyReferenceOperation { Property.IsStatic: false })
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// <c>response.Content.ReadAsStreamAsync()</c> where <c>response</c> is a local initialized by an awaited
    /// <c>HttpClient</c> call without <c>HttpCompletionOption.ResponseHeadersRead</c>: the default completion option
    /// (<c>ResponseContentRead</c>) has buffered the body before the call returned, so reading it does not wait on the network.
    /// </summary>
    public static bool ReadsBufferedContent(IInvocationOperation call, WellKnownTypes types)
    {
        if (!call.TargetMethod.Name.StartsWith("ReadAs", System.StringComparison.Ordinal)
            || !WellKnownTypes.InheritsFrom(call.TargetMethod.ContainingType, types.Get(WellKnownTypeNames.HttpContent))
            || OperationWalk.StripOrNull(call.Instance, Wrappers.ConversionsAndParentheses) is not IPropertyReferenceOperation { Instance: ILocalReferenceOperation response }
            || call.SemanticModel is not { } model)
        {
            return false;
        }

        foreach (var reference in response.Local.DeclaringSyntaxReferences)
        {
            if (reference.SyntaxTree != model.SyntaxTree
                || reference.GetSyntax() is not Microsoft.CodeAnalysis.CSharp.Syntax.VariableDeclaratorSyntax { Initializer.Value: { } value }
                || model.GetOperation(value) is not { } initializer)
            {
                return false;
            }

            var sent = OperationWalk.Strip(initializer, Wrappers.ConversionsAndParentheses);
            if (sent is not IAwaitOperation awaited
                || OperationWalk.StripConfigureAwait(OperationWalk.Strip(awaited.Operation, Wrappers.ConversionsAndParentheses)) is not IInvocationOperation send
                || !WellKnownTypes.InheritsFrom(types.Get(WellKnownTypeNames.HttpClient), send.TargetMethod.ContainingType))
            {
                return false;
            }

            foreach (var argument in send.Arguments)
            {
                // HttpCompletionOption.ResponseHeadersRead = 1; a value not known here may be it.
                if (types.Is(argument.Parameter?.Type, WellKnownTypeNames.HttpCompletionOption)
                    && argument.ArgumentKind == ArgumentKind.Explicit
                    && argument.Value.ConstantValue is not { HasValue: true, Value: 0 })
                {
                    return false;
                }
            }

            return true;
        }

        return false;
    }

    /// <summary>
    /// True when <paramref name="token"/> is carried by a context object (<see cref="TokenCarriers"/>) and
    /// <paramref name="call"/> stops, closes, completes, aborts or disposes that object (or an object on the path to the
    /// token): ending the owner cancels its token, so the call must not be given it.
    /// </summary>
    public static bool EndsTokenOwner(IInvocationOperation call, TokenCandidate? token)
    {
        if (token is not { IsCarried: true } || !IsEnding(call.TargetMethod))
        {
            return false;
        }

        var receiver = call.Instance;
        if (receiver is null && call.TargetMethod.IsExtensionMethod && call.Arguments.Length > 0)
        {
            receiver = call.Arguments[0].Value;
        }

        var symbol = OperationWalk.StripOrNull(receiver, Wrappers.ConversionsAndParentheses) switch
        {
            IParameterReferenceOperation parameter => parameter.Parameter,
            IPropertyReferenceOperation property => property.Property,
            IFieldReferenceOperation field => field.Field,
            _ => (ISymbol?)null,
        };
        if (symbol is null)
        {
            return false;
        }

        if (SymbolEqualityComparer.Default.Equals(symbol.OriginalDefinition, token.Symbol?.OriginalDefinition))
        {
            return true;
        }

        for (var i = 0; i < token.Path.Length - 1; i++)
        {
            if (SymbolEqualityComparer.Default.Equals(symbol.OriginalDefinition, token.Path[i].OriginalDefinition))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Completion bookkeeping after finished work: <paramref name="call"/> stops, closes, shuts down, completes, ends or
    /// releases something (<c>StopAsync</c>, <c>CloseAsync</c>, <c>ShutdownAsync</c>, <c>DisposeAsync</c>, <c>Complete*</c>,
    /// <c>End*</c>, <c>Release*</c>). Cancelling such a call half-way leaves the state corrupt (a session neither open nor
    /// closed, a lease never returned), so it runs to the end: a rule must not ask for the token there, and
    /// <c>CancellationToken.None</c> there is correct. Not when the enclosing method has the same name as the call (an
    /// overload delegating the same operation, <c>CloseAsync(reason, ct) =&gt; CloseAsync(code)</c>): its token was given
    /// for this very stop, so it is the right token.
    /// </summary>
    public static bool IsRunToEndBookkeeping(IMethodSymbol? call, IOperation operation, ISymbol? containingSymbol)
    {
        if (call is null || !IsBookkeepingName(call.Name))
        {
            return false;
        }

        var enclosing = FunctionContext.GetEnclosingFunction(operation, containingSymbol);
        return enclosing is null || enclosing.Name != call.Name;
    }

    private static bool IsBookkeepingName(string name) =>
        name is "Stop" or "StopAsync" or "Close" or "CloseAsync" or "Shutdown" or "ShutdownAsync" or "DisposeAsync"
        || HasVerbPrefix(name, "Complete") || HasVerbPrefix(name, "End") || HasVerbPrefix(name, "Release");

    /// <summary><c>End</c>, <c>EndAsync</c>, <c>EndSession</c>, not <c>Endpoint</c>: the verb is followed by nothing or a new word.</summary>
    private static bool HasVerbPrefix(string name, string verb) =>
        name.StartsWith(verb, System.StringComparison.Ordinal) && (name.Length == verb.Length || char.IsUpper(name[verb.Length]));

    private static bool IsEnding(IMethodSymbol method) =>
        IsBookkeepingName(method.Name) || method.Name is "Abort" or "AbortAsync" or "Cancel" or "CancelAsync" or "Dispose";

    private static bool IsCompletion(IMethodSymbol method, WellKnownTypes types) =>
        method.Name is "TrySetResult" or "TrySetException" or "TrySetCanceled" or "SetResult" or "SetException" or "SetCanceled"
        && (types.Is(method.ContainingType, WellKnownTypeNames.TaskCompletionSourceOfT) || types.Is(method.ContainingType, WellKnownTypeNames.TaskCompletionSource));
}

using System.Collections.Concurrent;

namespace ConcurrencyGuard.Analyzers;

/// <summary>A loop that reads a channel (or a BlockingCollection) until it is completed.</summary>
public readonly struct ChannelDrain
{
    public ChannelDrain(IOperation loop, bool takesToken, string description)
    {
        Loop = loop;
        TakesToken = takesToken;
        Description = description;
    }

    /// <summary>The draining loop (<c>await foreach</c>, <c>while</c>, <c>foreach</c>) or <c>Parallel.ForEach</c> call.</summary>
    public IOperation Loop { get; }

    /// <summary>True when a cancellation token (not <c>default</c>/<c>CancellationToken.None</c>) can end the drain.</summary>
    public bool TakesToken { get; }

    /// <summary>How the message names the drain.</summary>
    public string Description { get; }
}

/// <summary>
/// System.Threading.Channels and BlockingCollection&lt;T&gt; as the channel rules (CG4xxx) see them: creations,
/// the reader/writer projections, completions and draining loops. Built once per compilation; null when the
/// compilation has neither API.
/// </summary>
public sealed class ChannelApi
{
    private ChannelApi(WellKnownTypes types)
    {
        Channel = types.Get(WellKnownTypeNames.Channel);
        ChannelOfT = types.Get(WellKnownTypeNames.ChannelOfT);
        ChannelOfTWriteTRead = types.Get(WellKnownTypeNames.ChannelOfT2);
        Reader = types.Get(WellKnownTypeNames.ChannelReaderOfT);
        Writer = types.Get(WellKnownTypeNames.ChannelWriterOfT);
        BoundedOptions = types.Get(WellKnownTypeNames.BoundedChannelOptions);
        UnboundedOptions = types.Get(WellKnownTypeNames.UnboundedChannelOptions);
        FullMode = types.Get(WellKnownTypeNames.BoundedChannelFullMode);
        BlockingCollection = types.Get(WellKnownTypeNames.BlockingCollectionOfT);
        Parallel = types.Get(WellKnownTypeNames.Parallel);
        CancellationToken = types.CancellationToken;
    }

    public static ChannelApi? Create(WellKnownTypes types)
    {
        var api = new ChannelApi(types);
        return api.Channel is null && api.BlockingCollection is null ? null : api;
    }

    public INamedTypeSymbol? Channel { get; }
    public INamedTypeSymbol? ChannelOfT { get; }
    public INamedTypeSymbol? ChannelOfTWriteTRead { get; }
    public INamedTypeSymbol? Reader { get; }
    public INamedTypeSymbol? Writer { get; }
    public INamedTypeSymbol? BoundedOptions { get; }
    public INamedTypeSymbol? UnboundedOptions { get; }
    public INamedTypeSymbol? FullMode { get; }
    public INamedTypeSymbol? BlockingCollection { get; }
    public INamedTypeSymbol? Parallel { get; }
    public INamedTypeSymbol? CancellationToken { get; }

    /// <summary><c>Channel.CreateUnbounded</c> or <c>Channel.CreateUnboundedPrioritized</c>.</summary>
    public bool IsUnboundedCreation(IInvocationOperation invocation) =>
        IsChannelFactory(invocation.TargetMethod)
        && invocation.TargetMethod.Name is "CreateUnbounded" or "CreateUnboundedPrioritized";

    /// <summary><c>Channel.CreateBounded</c>.</summary>
    public bool IsBoundedCreation(IInvocationOperation invocation) =>
        IsChannelFactory(invocation.TargetMethod) && invocation.TargetMethod.Name == "CreateBounded";

    /// <summary>A new channel (any <c>Channel.Create*</c>) or a new BlockingCollection.</summary>
    public bool IsCreation(IOperation operation) => operation switch
    {
        IInvocationOperation invocation => IsChannelFactory(invocation.TargetMethod),
        IObjectCreationOperation creation => IsBlockingCollection(creation.Type),
        _ => false,
    };

    public bool IsBlockingCollection(ITypeSymbol? type) =>
        BlockingCollection is not null && WellKnownTypes.InheritsFrom(type, BlockingCollection);

    private readonly ConcurrentDictionary<ITypeSymbol, bool> _channelLike = new(SymbolEqualityComparer.Default);

    /// <summary>A channel, its reader or writer, or a BlockingCollection (or a type derived from one). Cached per type: rules ask for every local.</summary>
    public bool IsChannelLike(ITypeSymbol? type) =>
        type is not null && _channelLike.GetOrAdd(type, t =>
            WellKnownTypes.InheritsFrom(t, ChannelOfTWriteTRead)
            || WellKnownTypes.InheritsFrom(t, Reader)
            || WellKnownTypes.InheritsFrom(t, Writer)
            || IsBlockingCollection(t));

    /// <summary><c>Channel&lt;TWrite, TRead&gt;.Reader</c>/<c>.Writer</c>: parts that stand for the channel in escape analysis.</summary>
    public bool IsReaderOrWriter(ISymbol member) =>
        member is IPropertySymbol { Name: "Reader" or "Writer" }
        && WellKnownTypes.InheritsFrom(member.ContainingType, ChannelOfTWriteTRead);

    /// <summary>A write: <c>WriteAsync</c>, <c>TryWrite</c> or <c>WaitToWriteAsync</c> of a channel writer, <c>Add</c> or <c>TryAdd</c> of a BlockingCollection.</summary>
    public bool IsWrite(IMethodSymbol method) => method.Name switch
    {
        "WriteAsync" or "TryWrite" or "WaitToWriteAsync" => WellKnownTypes.InheritsFrom(method.ContainingType, Writer),
        "Add" or "TryAdd" => IsBlockingCollection(method.ContainingType),
        _ => false,
    };

    /// <summary>
    /// <c>writer.Complete()</c>/<c>TryComplete()</c> or <c>collection.CompleteAdding()</c>, called or taken as a
    /// method group (<c>token.Register(writer.Complete)</c>), where <paramref name="consumer"/> is what uses the receiver.
    /// </summary>
    public bool IsCompletion(IOperation? consumer)
    {
        var method = consumer switch
        {
            IInvocationOperation invocation => invocation.TargetMethod,
            IMethodReferenceOperation reference => reference.Method,
            _ => null,
        };
        if (method is null)
        {
            return false;
        }

        return method.Name switch
        {
            "Complete" or "TryComplete" => WellKnownTypes.InheritsFrom(method.ContainingType, Writer),
            "CompleteAdding" => IsBlockingCollection(method.ContainingType),
            _ => false,
        };
    }

    /// <summary>
    /// When <paramref name="consumer"/> (the operation using a reader or BlockingCollection as its receiver) starts a loop
    /// that only ends when the channel is completed: <c>await foreach</c> over <c>ReadAllAsync()</c> (also through
    /// <c>WithCancellation</c>/<c>ConfigureAwait</c>), <c>while (await reader.WaitToReadAsync())</c>, or <c>foreach</c>/
    /// <c>Parallel.ForEach</c> over <c>GetConsumingEnumerable()</c>.
    /// </summary>
    public bool TryGetDrain(IOperation? consumer, out ChannelDrain drain)
    {
        drain = default;
        if (consumer is not IInvocationOperation invocation)
        {
            return false;
        }

        var method = invocation.TargetMethod;
        switch (method.Name)
        {
            case "ReadAllAsync" when WellKnownTypes.InheritsFrom(method.ContainingType, Reader):
                return TryGetAsyncForEach(invocation, out drain);
            case "WaitToReadAsync" when WellKnownTypes.InheritsFrom(method.ContainingType, Reader):
                return TryGetWaitLoop(invocation, out drain);
            case "GetConsumingEnumerable" when IsBlockingCollection(method.ContainingType):
                return TryGetConsumingLoop(invocation, out drain);
            default:
                return false;
        }
    }

    /// <summary>True when an argument of <paramref name="invocation"/> passes a cancellation token that can fire.</summary>
    public bool PassesToken(IInvocationOperation invocation)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.ArgumentKind == ArgumentKind.DefaultValue
                || !SymbolEqualityComparer.Default.Equals(argument.Parameter?.Type, CancellationToken))
            {
                continue;
            }

            var value = argument.Value;
            value = OperationWalk.Strip(value);

            var isNone = value is IDefaultValueOperation
                || value.ConstantValue.HasValue
                || value is IPropertyReferenceOperation { Property.Name: "None" } none && SymbolEqualityComparer.Default.Equals(none.Property.ContainingType, CancellationToken);
            if (!isNone)
            {
                return true;
            }
        }

        return false;
    }

    private bool IsChannelFactory(IMethodSymbol method) =>
        Channel is not null && SymbolEqualityComparer.Default.Equals(method.ContainingType, Channel);

    private bool TryGetAsyncForEach(IInvocationOperation readAll, out ChannelDrain drain)
    {
        drain = default;
        var takesToken = PassesToken(readAll);
        IOperation current = readAll;
        for (var guard = 0; guard < 8; guard++)
        {
            var parent = current.Parent;
            if (parent is IConversionOperation)
            {
                current = parent;
                continue;
            }

            // .WithCancellation(ct) / .ConfigureAwait(false): extension (argument) or instance (receiver) form.
            var wrapper = parent switch
            {
                IArgumentOperation { Parent: IInvocationOperation call } when call.TargetMethod.IsExtensionMethod => call,
                IInvocationOperation call when call.Instance == current => call,
                _ => null,
            };
            if (wrapper is not null && wrapper.TargetMethod.Name is "WithCancellation" or "ConfigureAwait")
            {
                takesToken |= PassesToken(wrapper);
                current = wrapper;
                continue;
            }

            if (parent is IForEachLoopOperation { IsAsynchronous: true } loop && loop.Collection == current)
            {
                drain = new ChannelDrain(loop, takesToken, "'await foreach' over ReadAllAsync()");
                return true;
            }

            return false;
        }

        return false;
    }

    private bool TryGetWaitLoop(IInvocationOperation waitToRead, out ChannelDrain drain)
    {
        drain = default;
        IOperation current = waitToRead;
        if (current.Parent is IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } configured && configured.Instance == current)
        {
            current = configured;
        }

        if (current.Parent is IAwaitOperation awaited && awaited.Parent is IWhileLoopOperation loop && loop.Condition == awaited)
        {
            drain = new ChannelDrain(loop, PassesToken(waitToRead), "a 'while (await WaitToReadAsync())' loop");
            return true;
        }

        return false;
    }

    private bool TryGetConsumingLoop(IInvocationOperation consuming, out ChannelDrain drain)
    {
        drain = default;
        var current = OperationWalk.Outermost(consuming);
        switch (current.Parent)
        {
            case IForEachLoopOperation loop when loop.Collection == current:
                drain = new ChannelDrain(loop, PassesToken(consuming), "a 'foreach' over GetConsumingEnumerable()");
                return true;
            case IArgumentOperation { Parent: IInvocationOperation call } when call.TargetMethod.Name == "ForEach"
                    && SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, Parallel):
                drain = new ChannelDrain(call, PassesToken(consuming), "Parallel.ForEach over GetConsumingEnumerable()");
                return true;
            default:
                return false;
        }
    }
}

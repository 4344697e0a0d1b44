using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// "Is this unbounded queue bounded some other way?" for CG4001 (channels) and CG4003 (BlockingCollection),
/// judged over one type (all partial parts: collect with the Record* methods in a symbol-start action, ask
/// <see cref="IsBoundedByDesign"/> at symbol end). A queue only grows without limit when some producer writes
/// without waiting for the consumer. It is bounded by design when:
/// <list type="bullet">
/// <item>the same member is given a bounded queue elsewhere in the type (a bounded constructor beside an
/// unbounded overload): the caller chooses, as with the <c>capacity &gt; 0 ? bounded : unbounded</c> factory;</item>
/// <item>every write to it (the queue never leaves the type) waits for the consumer: it is followed by an
/// <c>await</c> (or a <c>return</c>) of the written item's own completion (<c>await w.WriteAsync(op); await op.Done;</c>,
/// also of a value the item was built from), or preceded by taking a <c>SemaphoreSlim</c> permit that the writing
/// function does not give back (the consumer does): each item then stands for a waiting caller or a permit;</item>
/// <item>it is the task queue of a <c>TaskScheduler</c>: <c>QueueTask</c> can neither wait nor refuse, the bound
/// is whoever starts tasks on the scheduler.</item>
/// </list>
/// Anything the analysis cannot see (the queue or its writer copied, stored elsewhere, passed on) keeps the finding.
/// </summary>
public sealed class QueueProducers
{
    private readonly object _gate = new();
    private readonly INamedTypeSymbol _type;
    private readonly ChannelApi _api;
    private readonly INamedTypeSymbol? _semaphore;
    private readonly INamedTypeSymbol? _taskScheduler;
    private readonly WellKnownTypes _types;
    private readonly HashSet<ISymbol> _boundedMembers = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<ISymbol, Writes> _writes = new(SymbolEqualityComparer.Default);

    public QueueProducers(INamedTypeSymbol type, ChannelApi api, WellKnownTypes types)
    {
        _type = type;
        _api = api;
        _types = types;
        _semaphore = types.Get(WellKnownTypeNames.SemaphoreSlim);
        _taskScheduler = types.Get(WellKnownTypeNames.TaskScheduler);
    }

    private enum Writes
    {
        /// <summary>Every write seen so far waits for the consumer.</summary>
        AllWait,

        /// <summary>A write that does not wait, or a use we cannot follow.</summary>
        Unbounded,
    }

    /// <summary>
    /// Judges unbounded queue creations per type (all partial parts): <paramref name="analyze"/> queues each
    /// creation with its diagnostic, and at the type's end only those not bounded by design are reported.
    /// </summary>
    public static void RegisterPerType(
        CompilationStartAnalysisContext start,
        ChannelApi api,
        WellKnownTypes types,
        OperationKind creationKind,
        System.Action<OperationAnalysisContext, System.Collections.Concurrent.ConcurrentQueue<(IOperation Creation, Diagnostic Diagnostic)>> analyze)
    {
        start.RegisterSymbolStartAction(
            symbolStart =>
            {
                var producers = new QueueProducers((INamedTypeSymbol)symbolStart.Symbol, api, types);
                var pending = new System.Collections.Concurrent.ConcurrentQueue<(IOperation Creation, Diagnostic Diagnostic)>();
                symbolStart.RegisterOperationAction(c => analyze(c, pending), creationKind);
                producers.RegisterRecording(symbolStart);
                symbolStart.RegisterSymbolEndAction(c =>
                {
                    foreach (var (creation, diagnostic) in pending)
                    {
                        if (!producers.IsBoundedByDesign(creation))
                        {
                            c.ReportDiagnostic(diagnostic);
                        }
                    }
                });
            },
            SymbolKind.NamedType);
    }

    /// <summary>Records, within a symbol-start action for the type, the stores into and the uses of its queue members.</summary>
    public void RegisterRecording(SymbolStartAnalysisContext symbolStart)
    {
        symbolStart.RegisterOperationAction(
            c =>
            {
                switch (c.Operation)
                {
                    case IFieldInitializerOperation initializer:
                        foreach (var field in initializer.InitializedFields)
                        {
                            RecordStoreIfQueue(field, initializer.Value);
                        }

                        break;
                    case IPropertyInitializerOperation initializer:
                        foreach (var property in initializer.InitializedProperties)
                        {
                            RecordStoreIfQueue(property, initializer.Value);
                        }

                        break;
                    case IAssignmentOperation { Target: IMemberReferenceOperation target } assignment:
                        RecordStoreIfQueue(target.Member, assignment.Value);
                        break;
                    case IMemberReferenceOperation reference when reference is IFieldReferenceOperation or IPropertyReferenceOperation
                            && IsOwnQueue(reference.Member):
                        RecordUse(reference);
                        break;
                }
            },
            OperationKind.FieldInitializer,
            OperationKind.PropertyInitializer,
            OperationKind.SimpleAssignment,
            OperationKind.CoalesceAssignment,
            OperationKind.FieldReference,
            OperationKind.PropertyReference);
    }

    private bool IsOwnQueue(ISymbol member) =>
        SymbolEqualityComparer.Default.Equals(member.ContainingType?.OriginalDefinition, _type.OriginalDefinition)
        && _api.IsChannelLike(member switch
        {
            IFieldSymbol field => field.Type,
            IPropertySymbol property => property.Type,
            _ => null,
        });

    private void RecordStoreIfQueue(ISymbol member, IOperation value)
    {
        if (IsOwnQueue(member))
        {
            RecordStore(member, value);
        }
    }

    /// <summary>A store into a member of the type (field/property initializer, assignment): remembers members given a bounded queue.</summary>
    public void RecordStore(ISymbol member, IOperation value)
    {
        foreach (var operation in value.DescendantsAndSelf())
        {
            if (IsBoundedCreation(operation))
            {
                lock (_gate)
                {
                    _boundedMembers.Add(member.OriginalDefinition);
                }

                return;
            }
        }
    }

    /// <summary>A read of a queue-typed member of the type: a write (does it wait?), another use we understand, or an escape.</summary>
    public void RecordUse(IMemberReferenceOperation reference)
    {
        if (reference.Parent is IAssignmentOperation assignment && assignment.Target == reference)
        {
            return;
        }

        var outcome = Classify(reference);
        if (outcome is null)
        {
            return;
        }

        lock (_gate)
        {
            var member = reference.Member.OriginalDefinition;
            _writes[member] = _writes.TryGetValue(member, out var existing) && existing == Writes.Unbounded ? Writes.Unbounded : outcome.Value;
        }
    }

    /// <summary>Decides, at symbol end, whether the unbounded <paramref name="creation"/> is bounded by design (see the type summary).</summary>
    public bool IsBoundedByDesign(IOperation creation)
    {
        if (IsTaskSchedulerQueue(creation))
        {
            return true;
        }

        var use = Escapes.Classify(creation, ownerType: _type);
        switch (use.Kind)
        {
            case EscapeKind.StoredInPrivateMember or EscapeKind.StoredInNonPrivateMember when use.Target is { } member:
                lock (_gate)
                {
                    if (_boundedMembers.Contains(member.OriginalDefinition))
                    {
                        return true;
                    }

                    return use.Kind == EscapeKind.StoredInPrivateMember
                        && _writes.TryGetValue(member.OriginalDefinition, out var writes) && writes == Writes.AllWait;
                }

            case EscapeKind.CopiedToLocal when use.Target is ILocalSymbol local:
                return LocalWritesAllWait(local, creation);

            default:
                return false;
        }
    }

    private bool LocalWritesAllWait(ILocalSymbol local, IOperation creation)
    {
        var any = false;
        foreach (var operation in OperationWalk.Root(creation).Descendants())
        {
            if (operation is not ILocalReferenceOperation reference || !SymbolEqualityComparer.Default.Equals(reference.Local, local)
                || reference.Parent is IAssignmentOperation assignment && assignment.Target == reference)
            {
                continue;
            }

            switch (Classify(reference))
            {
                case Writes.Unbounded:
                    return false;
                case Writes.AllWait:
                    any = true;
                    break;
            }
        }

        return any;
    }

    /// <summary>AllWait for a write that waits for the consumer, Unbounded for one that does not (or an escape), null for other uses (reading, completing).</summary>
    private Writes? Classify(IOperation reference)
    {
        var use = Escapes.Classify(reference, _api.IsReaderOrWriter);
        switch (use.Kind)
        {
            case EscapeKind.None:
                return null;
            case EscapeKind.Receiver when use.Consumer is IInvocationOperation call:
                if (IsWrite(call.TargetMethod))
                {
                    return WaitsForConsumer(call) ? Writes.AllWait : Writes.Unbounded;
                }

                return null;
            case EscapeKind.Receiver when use.Consumer is IPropertyReferenceOperation or IFieldReferenceOperation:
                return null;
            default:
                return Writes.Unbounded;
        }
    }

    private bool IsWrite(IMethodSymbol method) =>
        method.Name switch
        {
            "WriteAsync" or "TryWrite" => WellKnownTypes.InheritsFrom(method.ContainingType, _api.Writer),
            "Add" or "TryAdd" => _api.IsBlockingCollection(method.ContainingType),
            _ => false,
        };

    /// <summary>The write is followed by awaiting (or returning) the item's own completion, or preceded by taking a semaphore permit the function keeps.</summary>
    private bool WaitsForConsumer(IInvocationOperation write)
    {
        var body = FunctionContext.GetFunctionBody(write);
        if (body is null || write.Arguments.Length == 0)
        {
            return false;
        }

        var itemRoots = ItemRoots(write.Arguments[0].Value);
        var position = write.Syntax.SpanStart;
        var permits = new List<ISymbol>();
        var released = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        var awaitsItem = false;
        foreach (var operation in body.Descendants())
        {
            switch (operation)
            {
                case IAwaitOperation awaited when operation.Syntax.SpanStart > position && IsRootedIn(awaited.Operation, itemRoots):
                case IReturnOperation { ReturnedValue: { } returned } when operation.Syntax.SpanStart > position
                        && _types.IsTaskLike(OperationWalk.Strip(returned).Type) && IsRootedIn(returned, itemRoots):
                    awaitsItem = true;
                    break;
                case IInvocationOperation { Instance: { } instance } call when _semaphore is not null
                        && SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, _semaphore)
                        && MemberOrLocal(instance) is { } semaphore:
                    if (call.TargetMethod.Name == "Release")
                    {
                        released.Add(semaphore);
                    }
                    else if (call.TargetMethod.Name is "Wait" or "WaitAsync" && operation.Syntax.SpanStart < position)
                    {
                        permits.Add(semaphore);
                    }

                    break;
            }
        }

        if (awaitsItem)
        {
            return true;
        }

        foreach (var permit in permits)
        {
            if (!released.Contains(permit))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The written item's variable, and the variables it was built from (<c>var op = new Op(future)</c>: <c>op</c> and <c>future</c>).</summary>
    private static HashSet<ISymbol> ItemRoots(IOperation item)
    {
        var roots = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        item = OperationWalk.Strip(item);
        IOperation? built = item is IObjectCreationOperation or ITupleOperation ? item : null;
        if (MemberOrLocal(item) is { } symbol and (ILocalSymbol or IParameterSymbol))
        {
            roots.Add(symbol);
            if (symbol is ILocalSymbol local)
            {
                built = LocalInitializer(local, item);
            }
        }

        if (built is IObjectCreationOperation creation)
        {
            foreach (var argument in creation.Arguments)
            {
                if (MemberOrLocal(OperationWalk.Strip(argument.Value)) is { } part and (ILocalSymbol or IParameterSymbol))
                {
                    roots.Add(part);
                }
            }
        }
        else if (built is ITupleOperation tuple)
        {
            // WriteAsync((done, request)): each part of the tuple is a value the item was built from.
            foreach (var element in tuple.Elements)
            {
                if (MemberOrLocal(OperationWalk.Strip(element)) is { } part and (ILocalSymbol or IParameterSymbol))
                {
                    roots.Add(part);
                }
            }
        }

        return roots;
    }

    private static IOperation? LocalInitializer(ILocalSymbol local, IOperation anyOperationInBody)
    {
        foreach (var operation in OperationWalk.Root(anyOperationInBody).Descendants())
        {
            if (operation is IVariableDeclaratorOperation declarator && SymbolEqualityComparer.Default.Equals(declarator.Symbol, local))
            {
                return OperationWalk.StripOrNull(declarator.Initializer?.Value);
            }
        }

        return null;
    }

    /// <summary>A member chain on one of <paramref name="roots"/>: <c>op.Completion</c>, <c>op.Task.ConfigureAwait(false)</c>, <c>op.WaitAsync()</c>, or the item itself.</summary>
    private static bool IsRootedIn(IOperation value, HashSet<ISymbol> roots)
    {
        var current = OperationWalk.Strip(value);
        for (var guard = 0; guard < 16; guard++)
        {
            switch (current)
            {
                case ILocalReferenceOperation or IParameterReferenceOperation:
                    return MemberOrLocal(current) is { } symbol && roots.Contains(symbol);
                case IInvocationOperation { Instance: { } instance }:
                    current = OperationWalk.Strip(instance);
                    continue;
                case IPropertyReferenceOperation { Instance: { } instance }:
                    current = OperationWalk.Strip(instance);
                    continue;
                case IFieldReferenceOperation { Instance: { } instance }:
                    current = OperationWalk.Strip(instance);
                    continue;
                default:
                    return false;
            }
        }

        return false;
    }

    private static ISymbol? MemberOrLocal(IOperation operation) => OperationWalk.Strip(operation) switch
    {
        ILocalReferenceOperation local => local.Local,
        IParameterReferenceOperation parameter => parameter.Parameter,
        IFieldReferenceOperation field => field.Field.OriginalDefinition,
        IPropertyReferenceOperation property => property.Property.OriginalDefinition,
        _ => null,
    };

    private bool IsBoundedCreation(IOperation operation) => operation switch
    {
        IInvocationOperation invocation => _api.IsBoundedCreation(invocation),
        IObjectCreationOperation creation => _api.IsBlockingCollection(creation.Type) && HasBoundedCapacity(creation.Constructor),
        _ => false,
    };

    /// <summary>A BlockingCollection constructor that takes <c>boundedCapacity</c>.</summary>
    public static bool HasBoundedCapacity(IMethodSymbol? constructor)
    {
        if (constructor is null)
        {
            return false;
        }

        foreach (var parameter in constructor.Parameters)
        {
            if (parameter.Type.SpecialType == SpecialType.System_Int32)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A queue of tasks held by a TaskScheduler subclass: created in it, or handed straight to its constructor
    /// (<c>new PriorityScheduler(Channel.CreateUnbounded&lt;Task&gt;())</c>).
    /// </summary>
    private bool IsTaskSchedulerQueue(IOperation creation)
    {
        var queueType = creation.Type as INamedTypeSymbol;
        if (_taskScheduler is null
            || queueType is not { TypeArguments.Length: > 0 }
            || !WellKnownTypes.InheritsFrom(queueType.TypeArguments[0], _types.Task))
        {
            return false;
        }

        if (WellKnownTypes.InheritsFrom(_type, _taskScheduler))
        {
            return true;
        }

        var use = Escapes.Classify(creation);
        return use is { Kind: EscapeKind.PassedToConstructor, Consumer: IObjectCreationOperation { Type: { } created } }
            && WellKnownTypes.InheritsFrom(created, _taskScheduler);
    }
}

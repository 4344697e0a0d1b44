using System.Collections.Generic;

namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// "Can completing this <c>TaskCompletionSource</c> run someone's continuation inline on the completing thread?"
/// (CG6005). Without <c>RunContinuationsAsynchronously</c>, <c>SetResult</c> runs the code awaiting the task
/// before it returns. That cannot happen when every use of the source is known and either
/// <list type="bullet">
/// <item>nothing attaches an inline continuation to its task: the task is only waited on synchronously
/// (<c>Wait</c>, <c>Result</c>, <c>GetAwaiter().GetResult()</c>, <c>Task.WaitAll</c>/<c>WaitAny</c>), its state
/// read (<c>IsCompleted</c>, <c>Status</c>...), or continued with <c>ContinueWith</c> without
/// <c>ExecuteSynchronously</c> (the continuation is queued to its scheduler); or</item>
/// <item>nothing completes it on a thread that has other work: it is never completed, or only from a delegate
/// started in the background whose whole body is the completion (<c>Task.Run(() =&gt; tcs.TrySetResult(r))</c>),
/// directly or through a method of this compilation that does only that with its parameter (a
/// <c>TrySetResultAsync</c> extension).</item>
/// </list>
/// The source is followed through the local or private field it is stored in (and locals or private fields it is
/// copied to); the scope of a private field is every member of its type. Passed to any other method, returned,
/// or stored elsewhere: unknown, so not exempt. One exception: passed as a plain <c>object</c> (a
/// <c>GCHandle</c>, a callback state), the code that completes it must cast it back; then every completion of a
/// source of that exact type in the owner type must be offloaded as above, and there must be one.
/// </summary>
public static class InlineContinuations
{
    private const int ExecuteSynchronously = 0x80000;
    private const int MaxAliases = 8;

    /// <summary>True when completing the source created by <paramref name="creation"/> certainly runs no continuation inline where it matters.</summary>
    public static bool NoneRunInline(IObjectCreationOperation creation, WellKnownTypes types)
    {
        try
        {
            return Analyze(creation, types);
        }
        catch (System.Exception)
        {
            return false;
        }
    }

    private static bool Analyze(IObjectCreationOperation creation, WellKnownTypes types)
    {
        if (creation.Type is not INamedTypeSymbol sourceType || creation.SemanticModel is null)
        {
            return false;
        }

        var owner = FindOwnerType(creation);
        if (owner is null)
        {
            return false;
        }

        var callees = CalleeSummaries.For(creation.SemanticModel.Compilation);
        var state = new State(sourceType, owner, types, callees);
        var first = Escapes.Classify(creation, ownerType: owner);
        if (!state.Follow(first, creation))
        {
            return false;
        }

        for (var i = 0; i < state.Holders.Count; i++)
        {
            if (i >= MaxAliases || !state.VisitHolder(state.Holders[i].Symbol, state.Holders[i].Scope))
            {
                return false;
            }
        }

        if (state.Erased && !state.CompletionsOfTypeOffloaded())
        {
            return false;
        }

        // Only its task was taken (`new TaskCompletionSource<T>().Task`): nobody holds the source, nobody can complete it.
        var unreachable = state.Holders.Count == 0 && !state.Erased && state.Completions == 0;
        return (!state.InlineConsumer && state.SafeConsumers > 0)
            || (!state.InlineCompletion && (state.Completions > 0 || unreachable));
    }

    private static INamedTypeSymbol? FindOwnerType(IOperation operation)
    {
        var symbol = operation.SemanticModel?.GetEnclosingSymbol(operation.Syntax.SpanStart);
        return symbol as INamedTypeSymbol ?? symbol?.ContainingType;
    }

    private sealed class State
    {
        private readonly INamedTypeSymbol _sourceType;
        private readonly INamedTypeSymbol _owner;
        private readonly WellKnownTypes _types;
        private readonly CalleeSummaries _callees;

        public State(INamedTypeSymbol sourceType, INamedTypeSymbol owner, WellKnownTypes types, CalleeSummaries callees)
        {
            _sourceType = sourceType;
            _owner = owner;
            _types = types;
            _callees = callees;
        }

        public List<(ISymbol Symbol, IOperation? Scope)> Holders { get; } = new();

        /// <summary>Something may attach a continuation that runs inline (an await, a returned or stored task...).</summary>
        public bool InlineConsumer { get; private set; }

        /// <summary>Some completion runs on a thread that may have other work.</summary>
        public bool InlineCompletion { get; private set; }

        /// <summary>Uses of the task that certainly run nothing inline.</summary>
        public int SafeConsumers { get; private set; }

        /// <summary>Completions seen (offloaded or not).</summary>
        public int Completions { get; private set; }

        /// <summary>The source was passed on as a plain <c>object</c>.</summary>
        public bool Erased { get; private set; }

        /// <summary>Records what one use of the source does; false when the use is not understood (the source escapes).</summary>
        public bool Follow(ValueUse use, IOperation value)
        {
            switch (use.Kind)
            {
                case EscapeKind.None:
                    return true;
                case EscapeKind.CopiedToLocal when use.Target is ILocalSymbol local:
                    AddHolder(local, FunctionContext.GetFunctionBody(value, outermost: true));
                    return true;
                case EscapeKind.StoredInPrivateMember when use.Target is IFieldSymbol or IPropertySymbol:
                    AddHolder(use.Target, null);
                    return true;
                case EscapeKind.Receiver:
                    return FollowMember(use.Consumer);
                case EscapeKind.PassedToMethod when use.Target is IParameterSymbol parameter:
                    if (parameter.Type.SpecialType == SpecialType.System_Object && parameter.RefKind == RefKind.None)
                    {
                        Erased = true;
                        return true;
                    }

                    if (use.Consumer is IInvocationOperation call && OnlyOffloadsCompletion(call.TargetMethod, parameter))
                    {
                        Completions++;
                        return true;
                    }

                    return false;
                default:
                    return false;
            }
        }

        private void AddHolder(ISymbol symbol, IOperation? scope)
        {
            foreach (var holder in Holders)
            {
                if (SymbolEqualityComparer.Default.Equals(holder.Symbol, symbol))
                {
                    return;
                }
            }

            Holders.Add((symbol, scope));
        }

        /// <summary>Every reference to <paramref name="holder"/> in its scope (the function for a local, the owner type's members for a field).</summary>
        public bool VisitHolder(ISymbol holder, IOperation? scope)
        {
            IEnumerable<IOperation> roots;
            if (holder is ILocalSymbol)
            {
                if (scope is null)
                {
                    return false;
                }

                roots = new[] { scope };
            }
            else
            {
                var bodies = _callees.GetMemberBodies(_owner);
                if (bodies.IsDefaultOrEmpty)
                {
                    return false;
                }

                roots = bodies;
            }

            foreach (var root in roots)
            {
                foreach (var op in root.DescendantsAndSelf())
                {
                    var referenced = op switch
                    {
                        ILocalReferenceOperation local => (ISymbol)local.Local,
                        IFieldReferenceOperation field => field.Field.OriginalDefinition,
                        IPropertyReferenceOperation property => property.Property.OriginalDefinition,
                        _ => null,
                    };
                    if (referenced is null || !SymbolEqualityComparer.Default.Equals(referenced, holder.OriginalDefinition))
                    {
                        continue;
                    }

                    if (op is IMemberReferenceOperation { Instance: { } instance } && instance is not IInstanceReferenceOperation)
                    {
                        // other._source: another instance's member, handed around outside this object.
                        return false;
                    }

                    if (IsAssignedTo(op))
                    {
                        continue;
                    }

                    if (!Follow(Escapes.Classify(op, ownerType: _owner), op))
                    {
                        return false;
                    }
                }
            }

            return true;
        }

        /// <summary><c>holder = value</c>: the write itself (the value assigned is analysed where it is created).</summary>
        private static bool IsAssignedTo(IOperation reference) =>
            reference.Parent is ISimpleAssignmentOperation assignment && ReferenceEquals(assignment.Target, reference)
            || reference is ILocalReferenceOperation { IsDeclaration: true };

        /// <summary>A member of the source used here: its <c>Task</c>, or a completion.</summary>
        private bool FollowMember(IOperation? member)
        {
            switch (member)
            {
                case IPropertyReferenceOperation { Property.Name: "Task" } task when IsSourceMember(task.Property):
                    if (TaskUseRunsNothingInline(task, 0))
                    {
                        SafeConsumers++;
                    }
                    else
                    {
                        InlineConsumer = true;
                    }

                    return true;
                case IInvocationOperation call when IsSourceMember(call.TargetMethod) && IsCompletion(call.TargetMethod):
                    Completions++;
                    if (!IsOffloadedCompletion(call))
                    {
                        InlineCompletion = true;
                    }

                    return true;
                case IInvocationOperation or IPropertyReferenceOperation or IMethodReferenceOperation:
                    // Anything else on the source itself (ToString, a method group of SetResult): unknown.
                    return member is IInvocationOperation other && IsObjectMember(other.TargetMethod);
                default:
                    return false;
            }
        }

        private bool IsSourceMember(ISymbol member) => IsSourceType(member.ContainingType);

        private bool IsSourceType(ITypeSymbol? type) =>
            type is INamedTypeSymbol named
            && (SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, _types.Get(WellKnownTypeNames.TaskCompletionSourceOfT))
                || SymbolEqualityComparer.Default.Equals(named, _types.Get(WellKnownTypeNames.TaskCompletionSource)));

        /// <summary><c>ToString</c>, <c>GetHashCode</c>, <c>Equals</c>: a member of <c>object</c> or an override of one.</summary>
        private static bool IsObjectMember(IMethodSymbol method)
        {
            for (var m = method; m is not null; m = m.OverriddenMethod)
            {
                if (m.ContainingType?.SpecialType == SpecialType.System_Object)
                {
                    return true;
                }
            }

            return false;
        }

        private bool IsTaskMember(IOperation? consumer) =>
            (consumer switch
            {
                IPropertyReferenceOperation property => property.Property.ContainingType,
                IInvocationOperation { Instance: not null } call => call.TargetMethod.ContainingType,
                _ => null,
            }) is { } type && _types.IsTask(type);

        private static bool IsCompletion(IMethodSymbol method) =>
            method.Name is "SetResult" or "TrySetResult" or "SetException" or "TrySetException" or "SetCanceled" or "TrySetCanceled";

        /// <summary>
        /// The task is only waited on synchronously, inspected, or continued with a queued <c>ContinueWith</c>:
        /// nothing it hands control to runs inline when the source completes.
        /// </summary>
        private bool TaskUseRunsNothingInline(IOperation task, int depth)
        {
            var use = Escapes.Classify(task);
            switch (use.Kind)
            {
                case EscapeKind.None:
                    return true;
                case EscapeKind.Receiver:
                    // A member of Task itself (an extension method or another type's member is an unknown use).
                    if (!IsTaskMember(use.Consumer))
                    {
                        return false;
                    }

                    return use.Consumer switch
                    {
                        IPropertyReferenceOperation property => property.Property.Name is "Result" or "IsCompleted" or "IsCompletedSuccessfully" or "IsFaulted" or "IsCanceled" or "Status" or "Exception" or "Id",
                        IInvocationOperation { TargetMethod.Name: "Wait" } => true,
                        IInvocationOperation { TargetMethod.Name: "GetAwaiter" } awaiter =>
                            awaiter.Parent is IInvocationOperation { TargetMethod.Name: "GetResult" } result && ReferenceEquals(result.Instance, awaiter),
                        IInvocationOperation { TargetMethod.Name: "ContinueWith" } continuation => IsQueuedContinuation(continuation),
                        _ => false,
                    };
                case EscapeKind.PassedToMethod:
                    return IsSynchronousWaitOnMany(use.Consumer);
                case EscapeKind.StoredElsewhere:
                    // Task.WaitAll(a, b): the params array or span (or `new[] { a, b }`) only carries the tasks to the wait.
                    var carrier = use.Consumer;
                    for (var hops = 0; carrier is not null and not IArgumentOperation && hops < 3; hops++)
                    {
                        // Array initializer and creation, conversion, a params span's collection (newer compilers): all only carry the tasks.
                        carrier = carrier is IBlockOperation or IExpressionStatementOperation or IInvocationOperation ? null : carrier.Parent;
                    }

                    return carrier is IArgumentOperation argument && IsSynchronousWaitOnMany(argument.Parent);
                case EscapeKind.CopiedToLocal when use.Target is ILocalSymbol local && depth < 2:
                    if (FunctionContext.GetFunctionBody(task, outermost: true) is not { } body)
                    {
                        return false;
                    }

                    foreach (var op in body.DescendantsAndSelf())
                    {
                        if (op is ILocalReferenceOperation { IsDeclaration: false } reference
                            && SymbolEqualityComparer.Default.Equals(reference.Local, local)
                            && !IsAssignedTo(reference)
                            && !TaskUseRunsNothingInline(reference, depth + 1))
                        {
                            return false;
                        }
                    }

                    return true;
                default:
                    return false;
            }
        }

        private bool IsSynchronousWaitOnMany(IOperation? call) =>
            call is IInvocationOperation { TargetMethod: { IsStatic: true, Name: "WaitAll" or "WaitAny" } waitAll }
            && _types.IsTask(waitAll.ContainingType);

        /// <summary><c>ContinueWith</c> whose options are constant and lack <c>ExecuteSynchronously</c> (none given: queued).</summary>
        private bool IsQueuedContinuation(IInvocationOperation continuation)
        {
            if (!_types.IsTaskLike(continuation.TargetMethod.ContainingType))
            {
                return false;
            }

            foreach (var argument in continuation.Arguments)
            {
                if (argument.Parameter?.Type is INamedTypeSymbol { TypeKind: TypeKind.Enum, Name: "TaskContinuationOptions" }
                    && !argument.IsImplicit)
                {
                    if (argument.Value.ConstantValue is not { HasValue: true, Value: int options } || (options & ExecuteSynchronously) != 0)
                    {
                        return false;
                    }
                }
            }

            return true;
        }

        /// <summary>
        /// The completion is the whole body of a delegate started in the background (<c>Task.Run(() =&gt; tcs.TrySetResult(r))</c>):
        /// the continuations run on that work item, which has nothing else to do.
        /// </summary>
        private bool IsOffloadedCompletion(IInvocationOperation completion)
        {
            if (FunctionContext.GetEnclosingFunctionOperation(completion, lambdasOnly: true) is not IAnonymousFunctionOperation lambda
                || !IsWholeBody(lambda.Body, completion))
            {
                return false;
            }

            var deferred = DeferredCode.GetOrCreate(_types);
            return deferred.TryGetBackgroundStart(lambda, out var kind, out _)
                && kind is BackgroundStartKind.TaskRun or BackgroundStartKind.TaskFactoryStartNew or BackgroundStartKind.ThreadPoolQueueUserWorkItem;
        }

        private static bool IsWholeBody(IBlockOperation body, IOperation completion)
        {
            var statements = 0;
            IOperation? only = null;
            foreach (var statement in body.Operations)
            {
                if (statement is IReturnOperation { ReturnedValue: null, IsImplicit: true })
                {
                    continue;
                }

                statements++;
                only = statement;
            }

            if (statements != 1 || only is null)
            {
                return false;
            }

            var value = only switch
            {
                IExpressionStatementOperation expression => expression.Operation,
                IReturnOperation { ReturnedValue: { } returned } => returned,
                _ => null,
            };
            return value is not null && ReferenceEquals(OperationWalk.Strip(value, Wrappers.ConversionsAndParentheses), completion);
        }

        /// <summary>
        /// A method of this compilation (an extension such as <c>TrySetResultAsync(this TaskCompletionSource&lt;T&gt; s, T r)
        /// =&gt; Task.Run(() =&gt; s.TrySetResult(r))</c>) that uses its source parameter only to complete it in the background.
        /// </summary>
        private bool OnlyOffloadsCompletion(IMethodSymbol method, IParameterSymbol parameter)
        {
            // Extension calls appear in operations in their static form: the receiver is the first argument.
            var definition = (method.ReducedFrom ?? method).OriginalDefinition;
            if (!IsSourceType(parameter.Type) || _callees.GetBody(definition) is not { } body)
            {
                return false;
            }

            var declared = parameter.OriginalDefinition;
            var uses = 0;
            foreach (var op in body.DescendantsAndSelf())
            {
                if (op is not IParameterReferenceOperation reference || !SymbolEqualityComparer.Default.Equals(reference.Parameter.OriginalDefinition, declared))
                {
                    continue;
                }

                uses++;
                if (reference.Parent is not IInvocationOperation call
                    || !ReferenceEquals(call.Instance, reference)
                    || !IsCompletion(call.TargetMethod)
                    || !IsOffloadedCompletion(call))
                {
                    return false;
                }
            }

            return uses > 0;
        }

        /// <summary>For a source passed on as <c>object</c>: every completion, in the owner type, of a source of this exact type is offloaded; at least one.</summary>
        public bool CompletionsOfTypeOffloaded()
        {
            var bodies = _callees.GetMemberBodies(_owner);
            var found = 0;
            foreach (var root in bodies)
            {
                foreach (var op in root.DescendantsAndSelf())
                {
                    if (op is IInvocationOperation { Instance: { } instance } call
                        && IsCompletion(call.TargetMethod)
                        && SymbolEqualityComparer.Default.Equals(instance.Type, _sourceType))
                    {
                        if (!IsOffloadedCompletion(call))
                        {
                            return false;
                        }

                        found++;
                    }
                }
            }

            Completions += found;
            return found > 0;
        }
    }
}

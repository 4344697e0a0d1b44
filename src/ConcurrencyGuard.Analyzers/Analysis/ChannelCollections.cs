using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// A type's own collections of channels (<c>List&lt;Channel&lt;T&gt;&gt;</c>, <c>ConcurrentDictionary&lt;K, Channel&lt;T&gt;&gt;</c>,
/// arrays): which channel a value read out of one may be, judged by every channel put into it. CG4004 uses it
/// so that a fan-out over per-subscriber channels that are all created unbounded is judged like one unbounded channel.
/// </summary>
public static class ChannelCollections
{
    /// <summary>A field or property of <paramref name="type"/> whose type holds channels (or their writers) as elements.</summary>
    public static bool IsChannelCollection(ISymbol member, ChannelApi api, INamedTypeSymbol type)
    {
        if (!SymbolEqualityComparer.Default.Equals(member.ContainingType?.OriginalDefinition, type.OriginalDefinition))
        {
            return false;
        }

        return IsCollectionOfChannels(member switch
        {
            IFieldSymbol field => field.Type,
            IPropertySymbol { IsIndexer: false } property => property.Type,
            _ => null,
        }, api);
    }

    private static bool IsCollectionOfChannels(ITypeSymbol? type, ChannelApi api)
    {
        switch (type)
        {
            case null:
                return false;
            case IArrayTypeSymbol array:
                return api.IsChannelLike(array.ElementType);
            case INamedTypeSymbol named when !api.IsChannelLike(named):
                foreach (var argument in named.TypeArguments)
                {
                    if (api.IsChannelLike(argument))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    /// <summary>
    /// The collection member of <paramref name="type"/> that <paramref name="source"/> (the channel a <c>TryWrite</c> goes to)
    /// was read from: <c>_subs[key]</c>, a <c>foreach</c> variable over <c>_subs</c> (or <c>_subs.Values</c>), an
    /// <c>out</c> variable of <c>_subs.TryGetValue</c>, a local initialized from one of these; null otherwise.
    /// </summary>
    public static ISymbol? CollectionOfElement(IOperation source, ChannelApi api, INamedTypeSymbol type, int depth = 0)
    {
        source = OperationWalk.Strip(source);
        switch (source)
        {
            case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: { } instance }:
                return CollectionMember(instance, api, type);
            case IArrayElementReferenceOperation element:
                return CollectionMember(element.ArrayReference, api, type);
            case IPropertyReferenceOperation { Instance: { } entry } when depth < 3:
                // kv.Value of a dictionary entry read out of the collection.
                return CollectionOfElement(entry, api, type, depth + 1);
            case IInvocationOperation call:
                return CollectionMember(call.Instance ?? (call.TargetMethod.IsExtensionMethod && call.Arguments.Length > 0 ? call.Arguments[0].Value : null), api, type);
            case ILocalReferenceOperation local when depth < 3:
                foreach (var operation in OperationWalk.Root(source).Descendants())
                {
                    switch (operation)
                    {
                        case IForEachLoopOperation loop when loop.Locals.Contains(local.Local):
                            return CollectionMember(loop.Collection, api, type);
                        case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, local.Local)
                                && declarator.Initializer?.Value is { } initializer:
                            return CollectionOfElement(initializer, api, type, depth + 1);
                        case IArgumentOperation { Parameter.RefKind: RefKind.Out, Parent: IInvocationOperation call } argument
                                when (argument.Value is IDeclarationExpressionOperation { Expression: var declared } ? declared : argument.Value) is ILocalReferenceOperation byRef
                                    && SymbolEqualityComparer.Default.Equals(byRef.Local, local.Local):
                            return CollectionOfElement(call, api, type, depth + 1);
                    }
                }

                return null;
            default:
                return null;
        }
    }

    /// <summary>The collection member behind <c>_subs</c>, <c>_subs.Values</c>, <c>_subs.ToArray()</c>.</summary>
    private static ISymbol? CollectionMember(IOperation? operation, ChannelApi api, INamedTypeSymbol type)
    {
        for (var guard = 0; guard < 8 && operation is not null; guard++)
        {
            operation = OperationWalk.Strip(operation);
            switch (operation)
            {
                case IMemberReferenceOperation { Member: var member } when IsChannelCollection(member, api, type):
                    return member;
                case IPropertyReferenceOperation { Property.IsIndexer: false, Instance: { } instance }:
                    operation = instance;
                    continue;
                case IInvocationOperation { Instance: { } instance }:
                    operation = instance;
                    continue;
                case IInvocationOperation { TargetMethod.IsExtensionMethod: true, Arguments.Length: > 0 } extension:
                    operation = extension.Arguments[0].Value;
                    continue;
                default:
                    return null;
            }
        }

        return null;
    }

    /// <summary>
    /// The channels one reference to a collection member puts into it (<c>Add</c>, <c>TryAdd</c>, <c>GetOrAdd</c>'s factory,
    /// an indexer or array element assignment, an assignment of a whole collection), each with <c>known = true</c>; a use
    /// that hands the collection to other code (or adds a whole other collection) yields the reference with <c>known = false</c>.
    /// </summary>
    public static IEnumerable<(IOperation Value, bool Known)> ValuesPutInto(IMemberReferenceOperation reference, ChannelApi api)
    {
        if (reference.Parent is IAssignmentOperation assignment && assignment.Target == reference)
        {
            foreach (var value in ValuesIn(assignment.Value, api))
            {
                yield return value;
            }

            yield break;
        }

        if (OperationWalk.ParentSkipping(reference) is IArrayElementReferenceOperation element && element.ArrayReference == OperationWalk.Outermost(reference))
        {
            if (element.Parent is IAssignmentOperation store && store.Target == element)
            {
                yield return (store.Value, true);
            }

            yield break;
        }

        var use = Escapes.Classify(reference);
        IInvocationOperation? call = null;
        var firstArgument = 0;
        switch (use.Kind)
        {
            case EscapeKind.None:
                yield break;
            case EscapeKind.Receiver when use.Consumer is IPropertyReferenceOperation { Property.IsIndexer: true } indexer:
                if (indexer.Parent is IAssignmentOperation indexed && indexed.Target == indexer)
                {
                    yield return (indexed.Value, true);
                }

                yield break;
            case EscapeKind.Receiver when use.Consumer is IPropertyReferenceOperation or IFieldReferenceOperation or IForEachLoopOperation:
                yield break;
            case EscapeKind.Receiver when use.Consumer is IInvocationOperation instanceCall:
                call = instanceCall;
                break;
            case EscapeKind.PassedToMethod when use.Consumer is IInvocationOperation { TargetMethod.IsExtensionMethod: true } extension
                    && extension.Arguments.Length > 0 && OperationWalk.Strip(extension.Arguments[0].Value) == OperationWalk.Strip(use.Value):
                call = extension;
                firstArgument = 1;
                break;
        }

        if (call is null)
        {
            yield return (reference, false);
            yield break;
        }

        if (!PutsElements(call.TargetMethod))
        {
            yield break;
        }

        for (var i = firstArgument; i < call.Arguments.Length; i++)
        {
            if (call.Arguments[i].Parameter?.RefKind is RefKind.Out or RefKind.Ref)
            {
                continue;
            }

            var value = OperationWalk.Strip(call.Arguments[i].Value, Wrappers.Conversions | Wrappers.DelegateCreations);
            if (value is IAnonymousFunctionOperation lambda)
            {
                foreach (var operation in lambda.Body.Descendants())
                {
                    if (operation is IReturnOperation { ReturnedValue: { } returned } && api.IsChannelLike(returned.Type))
                    {
                        yield return (returned, true);
                    }
                }
            }
            else if (api.IsChannelLike(value.Type))
            {
                yield return (value, true);
            }
            else if (IsCollectionOfChannels(value.Type, api))
            {
                yield return (value, false);
            }
        }
    }

    /// <summary>
    /// The collection methods that put elements in (the System.Collections API, by its method names: <c>Add</c>, <c>TryAdd</c>,
    /// <c>GetOrAdd</c>, <c>AddOrUpdate</c>, <c>Insert</c>, <c>Enqueue</c>, <c>Push</c>, <c>TryUpdate</c>, <c>SetItem</c>...);
    /// lookups and removals (<c>TryGetValue</c>, <c>Remove</c>, <c>Contains</c>) take a channel without storing it.
    /// </summary>
    private static bool PutsElements(IMethodSymbol method)
    {
        var name = method.Name;
        return name.StartsWith("Add", System.StringComparison.Ordinal)
            || name is "TryAdd" or "GetOrAdd" or "Insert" or "InsertRange" or "Enqueue" or "TryUpdate" or "SetItem" or "SetItems" or "Push" or "PushRange" or "Prepend" or "Append";
    }

    /// <summary>The channels a collection value is built with: creations are known, other channel values are not.</summary>
    public static IEnumerable<(IOperation Value, bool Known)> ValuesIn(IOperation value, ChannelApi api)
    {
        foreach (var operation in value.DescendantsAndSelf())
        {
            if (operation is IInvocationOperation invocation && api.IsCreation(invocation))
            {
                yield return (invocation, true);
            }
            else if (operation is ILocalReferenceOperation or IParameterReferenceOperation or IFieldReferenceOperation or IPropertyReferenceOperation
                && (api.IsChannelLike(operation.Type) || IsCollectionOfChannels(operation.Type, api)))
            {
                yield return (operation, false);
            }
        }
    }
}

using System.Collections.Generic;

namespace ConcurrencyGuard.Analyzers.Channels;

/// <summary>
/// CG4004: <c>writer.TryWrite(item);</c> as a statement on a channel that is bounded with <c>FullMode = Wait</c>
/// (or whose kind we cannot see). When the channel is full, <c>TryWrite</c> returns <c>false</c> and the item is
/// silently lost. Silent for channels known to accept every write: unbounded ones, and bounded ones with a Drop*
/// mode. Locals are resolved in the method; fields of the type across its partial parts (symbol start/end).
/// An explicit discard (<c>_ = writer.TryWrite(item)</c>) states the intent and is not flagged.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class IgnoredTryWriteAnalyzer : ConcurrencyGuardAnalyzer
{
    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.IgnoredTryWrite,
        title: "Result of TryWrite ignored on a bounded channel",
        messageFormat: "The result of '{0}.TryWrite' is ignored: when the channel is full the item is silently dropped",
        DiagnosticSeverity.Info,
        description: "On a bounded channel (FullMode = Wait, the default) TryWrite returns false when the channel is full. Ignoring the result loses items exactly when the system is under load. Await WriteAsync to wait for room, or handle the false result.");

    private enum Origin
    {
        /// <summary>Every write succeeds (unbounded, or bounded with a Drop* mode).</summary>
        AcceptsAll,

        /// <summary>Bounded with Wait, or not known.</summary>
        MayRefuse,
    }

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        var api = ChannelApi.Create(types);
        if (api?.Writer is null)
        {
            return;
        }

        start.RegisterSymbolStartAction(
            symbolStart =>
            {
                var type = (INamedTypeSymbol)symbolStart.Symbol;
                var state = new TypeState();
                symbolStart.RegisterOperationAction(c => AnalyzeStatement(c, api, type, state), OperationKind.ExpressionStatement);
                symbolStart.RegisterOperationAction(c => RecordFieldInitializer(c, api, type, state), OperationKind.FieldInitializer, OperationKind.PropertyInitializer);
                symbolStart.RegisterOperationAction(c => RecordFieldAssignment(c, api, type, state), OperationKind.SimpleAssignment, OperationKind.CoalesceAssignment);
                symbolStart.RegisterOperationAction(c => RecordCollectionUse(c, api, type, state), OperationKind.FieldReference, OperationKind.PropertyReference);
                symbolStart.RegisterSymbolEndAction(c => state.Report(c));
            },
            SymbolKind.NamedType);
    }

    private static void AnalyzeStatement(OperationAnalysisContext context, ChannelApi api, INamedTypeSymbol type, TypeState state)
    {
        var statement = (IExpressionStatementOperation)context.Operation;
        // `writer?.TryWrite(x);` drops the result exactly as `writer.TryWrite(x);` does: judged the same way.
        var call = statement.Operation is IConditionalAccessOperation { WhenNotNull: IInvocationOperation whenNotNull }
            ? (Invocation: whenNotNull, Receiver: whenNotNull.Instance)
            : (Invocation: statement.Operation as IInvocationOperation, Receiver: (statement.Operation as IInvocationOperation)?.Instance);
        if (call.Invocation is not { TargetMethod.Name: "TryWrite" } invocation
            || !WellKnownTypes.InheritsFrom(invocation.TargetMethod.ContainingType, api.Writer)
            || call.Receiver is null
            || invocation.Syntax.ContainsDiagnostics)
        {
            return;
        }

        var source = ChannelSource(call.Receiver, api);
        var name = source switch
        {
            ILocalReferenceOperation local => local.Local.Name,
            IFieldReferenceOperation field => field.Field.Name,
            IParameterReferenceOperation parameter => parameter.Parameter.Name,
            IPropertyReferenceOperation property => property.Property.Name,
            _ => "writer",
        };
        if (call.Receiver is IPropertyReferenceOperation { Property.Name: "Writer" } && source != call.Receiver)
        {
            name += ".Writer";
        }

        var diagnostic = DiagnosticReporting.Create(Rule, (ReferenceEquals(invocation, statement.Operation) ? invocation : statement.Operation).Syntax.GetLocation(), null, null, name);
        if (ChannelCollections.CollectionOfElement(source, api, type) is { } collection && IsTracked(collection, type))
        {
            // An element of the type's own collection of channels: judged by every channel put into it.
            state.AddPending(collection.OriginalDefinition, diagnostic);
            return;
        }

        if (source is IFieldReferenceOperation or IPropertyReferenceOperation && IsTracked(((IMemberReferenceOperation)source).Member, type))
        {
            state.AddPending(((IMemberReferenceOperation)source).Member.OriginalDefinition, diagnostic);
            return;
        }

        if (source is ILocalReferenceOperation localReference && LocalOrigin(localReference.Local, statement, api) == Origin.AcceptsAll)
        {
            return;
        }

        if (source is not ILocalReferenceOperation && OriginOf(source, api) == Origin.AcceptsAll)
        {
            return;
        }

        context.ReportDiagnostic(diagnostic);
    }

    private static void RecordFieldInitializer(OperationAnalysisContext context, ChannelApi api, INamedTypeSymbol type, TypeState state)
    {
        var initializer = (ISymbolInitializerOperation)context.Operation;
        var members = initializer switch
        {
            IFieldInitializerOperation field => field.InitializedFields.CastArray<ISymbol>(),
            IPropertyInitializerOperation property => property.InitializedProperties.CastArray<ISymbol>(),
            _ => ImmutableArray<ISymbol>.Empty,
        };
        foreach (var member in members)
        {
            if (api.IsChannelLike(MemberType(member)) && IsTracked(member, type))
            {
                state.AddOrigin(member.OriginalDefinition, OriginOf(initializer.Value, api));
            }
            else if (ChannelCollections.IsChannelCollection(member, api, type) && IsTracked(member, type))
            {
                foreach (var (value, known) in ChannelCollections.ValuesIn(initializer.Value, api))
                {
                    state.AddOrigin(member.OriginalDefinition, known ? OriginOf(value, api) : Origin.MayRefuse);
                }
            }
        }
    }

    private static void RecordFieldAssignment(OperationAnalysisContext context, ChannelApi api, INamedTypeSymbol type, TypeState state)
    {
        var assignment = (IAssignmentOperation)context.Operation;
        if (assignment.Target is IFieldReferenceOperation or IPropertyReferenceOperation { Arguments.Length: 0 }
            && ((IMemberReferenceOperation)assignment.Target).Member is var member
            && api.IsChannelLike(MemberType(member)) && IsTracked(member, type))
        {
            state.AddOrigin(member.OriginalDefinition, OriginOf(assignment.Value, api));
        }
    }

    /// <summary>
    /// A use of one of the type's collections of channels: a channel put into it (<c>Add</c>, <c>TryAdd</c>, <c>GetOrAdd</c>'s
    /// factory, an indexer or initializer) records its origin; a use that hands the collection to other code makes
    /// its elements unknown.
    /// </summary>
    private static void RecordCollectionUse(OperationAnalysisContext context, ChannelApi api, INamedTypeSymbol type, TypeState state)
    {
        var reference = (IMemberReferenceOperation)context.Operation;
        if (!ChannelCollections.IsChannelCollection(reference.Member, api, type) || !IsTracked(reference.Member, type))
        {
            return;
        }

        var member = reference.Member.OriginalDefinition;
        foreach (var (value, known) in ChannelCollections.ValuesPutInto(reference, api))
        {
            state.AddOrigin(member, known ? OriginOf(value, api) : Origin.MayRefuse);
        }
    }

    /// <summary>
    /// Fields and auto-properties whose every assignment is in this type: readonly fields, get-only auto-properties
    /// (assignable only by this type's constructors), properties whose setter is private, and private/internal members.
    /// </summary>
    private static bool IsTracked(ISymbol member, INamedTypeSymbol type)
    {
        if (!SymbolEqualityComparer.Default.Equals(member.ContainingType?.OriginalDefinition, type.OriginalDefinition))
        {
            return false;
        }

        return member switch
        {
            IFieldSymbol field => field.IsReadOnly || Escapes.IsPrivateMemberOf(field, type, internalIsPrivate: true),
            IPropertySymbol { IsAbstract: false, IsVirtual: false, IsOverride: false, IsIndexer: false } property =>
                property.SetMethod is null or { DeclaredAccessibility: Accessibility.Private } || Escapes.IsPrivateMemberOf(property, type, internalIsPrivate: true),
            _ => false,
        };
    }

    private static ITypeSymbol? MemberType(ISymbol member) => member switch
    {
        IFieldSymbol field => field.Type,
        IPropertySymbol property => property.Type,
        _ => null,
    };

    /// <summary>The channel or writer variable behind <c>x.Writer</c> / <c>x</c>.</summary>
    private static IOperation ChannelSource(IOperation receiver, ChannelApi api)
    {
        var current = receiver;
        while (true)
        {
            switch (current)
            {
                case IConversionOperation conversion:
                    current = conversion.Operand;
                    continue;
                case IConditionalAccessInstanceOperation when FindConditionalAccess(current) is { } access:
                    // x?.Writer.TryWrite(...): the receiver is x.
                    current = access.Operation;
                    continue;
                case IPropertyReferenceOperation property when api.IsReaderOrWriter(property.Property) && property.Instance is not null:
                    current = property.Instance;
                    continue;
                default:
                    return current;
            }
        }
    }

    private static IConditionalAccessOperation? FindConditionalAccess(IOperation instance)
    {
        for (var current = instance.Parent; current is not null; current = current.Parent)
        {
            if (current is IConditionalAccessOperation access)
            {
                return access;
            }
        }

        return null;
    }

    /// <summary>What kind of channel the value is, when it is a creation (or a local/field aliasing one, one step).</summary>
    private static Origin OriginOf(IOperation? value, ChannelApi api, int depth = 0)
    {
        if (value is null)
        {
            return Origin.MayRefuse;
        }

        value = ChannelSource(value, api);
        if (value is ILocalReferenceOperation local && depth < 4)
        {
            // _writer = channel.Writer; where `var channel = Channel.CreateUnbounded<T>()` in the same method.
            return LocalOrigin(local.Local, value, api, depth + 1);
        }

        if (value is not IInvocationOperation invocation)
        {
            return Origin.MayRefuse;
        }

        if (api.IsUnboundedCreation(invocation))
        {
            return Origin.AcceptsAll;
        }

        if (!api.IsBoundedCreation(invocation) || invocation.Arguments.Length == 0)
        {
            return Origin.MayRefuse;
        }

        var options = invocation.Arguments[0].Value;
        options = OperationWalk.Strip(options);

        if (options is IObjectCreationOperation { Initializer: { } initializer })
        {
            foreach (var member in initializer.Initializers)
            {
                if (member is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "FullMode" }, Value: { ConstantValue: { HasValue: true, Value: int mode } } }
                    && mode != 0)
                {
                    // DropNewest / DropOldest / DropWrite: TryWrite always returns true.
                    return Origin.AcceptsAll;
                }
            }
        }

        return Origin.MayRefuse;
    }

    /// <summary>Every value stored in the local in its method accepts all writes.</summary>
    private static Origin LocalOrigin(ILocalSymbol local, IOperation anyOperationInBlock, ChannelApi api, int depth = 0)
    {
        var root = OperationWalk.Root(anyOperationInBlock);

        var found = false;
        foreach (var operation in root.DescendantsAndSelf())
        {
            IOperation? value = operation switch
            {
                IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, local) =>
                    declarator.Initializer?.Value ?? (declarator.Parent as IVariableDeclarationOperation)?.Initializer?.Value,
                IAssignmentOperation { Target: ILocalReferenceOperation target } assignment when SymbolEqualityComparer.Default.Equals(target.Local, local) => assignment.Value,
                IArgumentOperation { Parameter.RefKind: RefKind.Out or RefKind.Ref, Value: ILocalReferenceOperation byRef } when SymbolEqualityComparer.Default.Equals(byRef.Local, local) => byRef,
                _ => null,
            };
            if (value is null)
            {
                continue;
            }

            found = true;
            if (value.Parent is IArgumentOperation || OriginOf(value, api, depth + 1) != Origin.AcceptsAll)
            {
                return Origin.MayRefuse;
            }
        }

        return found ? Origin.AcceptsAll : Origin.MayRefuse;
    }

    private sealed class TypeState
    {
        private readonly object _gate = new();
        private readonly Dictionary<ISymbol, Origin> _origins = new(SymbolEqualityComparer.Default);
        private readonly List<(ISymbol Member, Diagnostic Diagnostic)> _pending = new();

        public void AddOrigin(ISymbol field, Origin origin)
        {
            lock (_gate)
            {
                _origins[field] = _origins.TryGetValue(field, out var existing) && existing == Origin.MayRefuse ? Origin.MayRefuse : origin;
            }
        }

        public void AddPending(ISymbol field, Diagnostic diagnostic)
        {
            lock (_gate)
            {
                _pending.Add((field, diagnostic));
            }
        }

        public void Report(SymbolAnalysisContext context)
        {
            lock (_gate)
            {
                foreach (var (field, diagnostic) in _pending)
                {
                    if (!_origins.TryGetValue(field, out var origin) || origin == Origin.MayRefuse)
                    {
                        context.ReportDiagnostic(diagnostic);
                    }
                }
            }
        }
    }
}

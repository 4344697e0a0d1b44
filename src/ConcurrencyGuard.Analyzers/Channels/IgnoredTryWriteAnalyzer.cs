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
                symbolStart.RegisterOperationAction(c => RecordFieldInitializer(c, api, type, state), OperationKind.FieldInitializer);
                symbolStart.RegisterOperationAction(c => RecordFieldAssignment(c, api, type, state), OperationKind.SimpleAssignment, OperationKind.CoalesceAssignment);
                symbolStart.RegisterSymbolEndAction(c => state.Report(c));
            },
            SymbolKind.NamedType);
    }

    private static void AnalyzeStatement(OperationAnalysisContext context, ChannelApi api, INamedTypeSymbol type, TypeState state)
    {
        var statement = (IExpressionStatementOperation)context.Operation;
        if (statement.Operation is not IInvocationOperation { TargetMethod.Name: "TryWrite" } invocation
            || !WellKnownTypes.InheritsFrom(invocation.TargetMethod.ContainingType, api.Writer)
            || invocation.Instance is null
            || invocation.Syntax.ContainsDiagnostics)
        {
            return;
        }

        var source = ChannelSource(invocation.Instance, api);
        var name = source switch
        {
            ILocalReferenceOperation local => local.Local.Name,
            IFieldReferenceOperation field => field.Field.Name,
            IParameterReferenceOperation parameter => parameter.Parameter.Name,
            IPropertyReferenceOperation property => property.Property.Name,
            _ => "writer",
        };
        if (invocation.Instance is IPropertyReferenceOperation { Property.Name: "Writer" } && source != invocation.Instance)
        {
            name += ".Writer";
        }

        var diagnostic = DiagnosticReporting.Create(Rule, invocation.Syntax.GetLocation(), null, null, name);
        if (source is IFieldReferenceOperation fieldReference && IsTracked(fieldReference.Field, type))
        {
            state.AddPending(fieldReference.Field.OriginalDefinition, diagnostic);
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
        var initializer = (IFieldInitializerOperation)context.Operation;
        foreach (var field in initializer.InitializedFields)
        {
            if (api.IsChannelLike(field.Type) && IsTracked(field, type))
            {
                state.AddOrigin(field.OriginalDefinition, OriginOf(initializer.Value, api));
            }
        }
    }

    private static void RecordFieldAssignment(OperationAnalysisContext context, ChannelApi api, INamedTypeSymbol type, TypeState state)
    {
        var assignment = (IAssignmentOperation)context.Operation;
        if (assignment.Target is IFieldReferenceOperation target && api.IsChannelLike(target.Field.Type) && IsTracked(target.Field, type))
        {
            state.AddOrigin(target.Field.OriginalDefinition, OriginOf(assignment.Value, api));
        }
    }

    /// <summary>Fields whose every assignment is in this type: readonly ones, and private/internal ones.</summary>
    private static bool IsTracked(IFieldSymbol field, INamedTypeSymbol type) =>
        SymbolEqualityComparer.Default.Equals(field.ContainingType?.OriginalDefinition, type.OriginalDefinition)
        && (field.IsReadOnly || Escapes.IsPrivateMemberOf(field, type, internalIsPrivate: true));

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
                case IPropertyReferenceOperation property when api.IsReaderOrWriter(property.Property) && property.Instance is not null:
                    current = property.Instance;
                    continue;
                default:
                    return current;
            }
        }
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
        private readonly Dictionary<IFieldSymbol, Origin> _origins = new(SymbolEqualityComparer.Default);
        private readonly List<(IFieldSymbol Field, Diagnostic Diagnostic)> _pending = new();

        public void AddOrigin(IFieldSymbol field, Origin origin)
        {
            lock (_gate)
            {
                _origins[field] = _origins.TryGetValue(field, out var existing) && existing == Origin.MayRefuse ? Origin.MayRefuse : origin;
            }
        }

        public void AddPending(IFieldSymbol field, Diagnostic diagnostic)
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

using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis.Text;

namespace ConcurrencyGuard.Analyzers.Channels;

/// <summary>
/// CG4002: a channel (or BlockingCollection) read to the end (<c>await foreach</c> over <c>ReadAllAsync</c>,
/// <c>while (await WaitToReadAsync())</c>, <c>foreach</c> over <c>GetConsumingEnumerable</c>) whose writer is never
/// completed anywhere in its scope. Locals: the scope is the method (lambdas and local functions included) and any
/// drain counts. Private/internal fields: the scope is the type with all its partial parts (collected in a
/// symbol-start/end pair) and only a drain without a cancellation token counts. Silent as soon as the channel, its
/// reader or its writer escapes (see <see cref="Escapes"/>). Reported on the creation, with the drain as additional location.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ChannelNeverCompletedAnalyzer : ConcurrencyGuardAnalyzer
{
    /// <summary>Property set on diagnostics for locals: the fix wraps the producer in try/finally only there.</summary>
    public const string LocalProperty = "Local";

    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.ChannelWriterNeverCompleted,
        title: "Channel writer is never completed",
        messageFormat: "'{0}' is read to the end by {1}, but {2} is never called: the loop never finishes and its task leaks",
        DiagnosticSeverity.Warning,
        description: "A reader that drains a channel to the end (ReadAllAsync, a WaitToReadAsync loop, GetConsumingEnumerable) only stops when the writer is completed. If nothing ever completes it, the consumer waits forever: the task (or thread) and everything it holds leak, and code awaiting it hangs.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        var api = ChannelApi.Create(types);
        if (api is null)
        {
            return;
        }

        start.RegisterSymbolStartAction(
            symbolStart =>
            {
                var state = new TypeState((INamedTypeSymbol)symbolStart.Symbol);
                // Plain operation actions (no per-block state): creations and channel fields are rare, and only
                // then is the enclosing body walked for the locals that alias them.
                symbolStart.RegisterOperationAction(c => AnalyzeCreation(c, api, state), OperationKind.Invocation, OperationKind.ObjectCreation);
                symbolStart.RegisterOperationAction(c => AnalyzeFieldReference(c, api, state), OperationKind.FieldReference);
                symbolStart.RegisterSymbolEndAction(end => state.Report(end));
            },
            SymbolKind.NamedType);
    }

    /// <summary>Channel-typed locals of the body around <paramref name="operation"/> (lambdas and local functions included).</summary>
    private static Dictionary<ILocalSymbol, List<ILocalReferenceOperation>> CollectLocalReferences(IOperation operation, ChannelApi api)
    {
        var root = OperationWalk.Root(operation);

        var localRefs = new Dictionary<ILocalSymbol, List<ILocalReferenceOperation>>(SymbolEqualityComparer.Default);
        foreach (var descendant in root.DescendantsAndSelf())
        {
            if (descendant is ILocalReferenceOperation local && api.IsChannelLike(local.Local.Type))
            {
                if (!localRefs.TryGetValue(local.Local, out var list))
                {
                    localRefs[local.Local] = list = new List<ILocalReferenceOperation>();
                }

                list.Add(local);
            }
        }

        return localRefs;
    }

    private static void AnalyzeCreation(OperationAnalysisContext context, ChannelApi api, TypeState state)
    {
        var creation = context.Operation;
        if (!api.IsCreation(creation))
        {
            return;
        }

        var use = Escapes.Classify(creation, api.IsReaderOrWriter, state.Type, internalIsPrivate: true);
        switch (use.Kind)
        {
            case EscapeKind.CopiedToLocal when use.Target is ILocalSymbol local:
                var facts = AnalyzeLocalGroup(local, creation, CollectLocalReferences(creation, api), api, state);
                if (facts.Escaped)
                {
                    break;
                }

                if (facts.StoredIn.Count > 0)
                {
                    // var ch = Channel.Create...(); _reader = ch.Reader; _writer = ch.Writer; -> the fields own it.
                    var owner = facts.StoredIn[0];
                    state.AddCreation(owner, creation);
                    foreach (var other in facts.StoredIn)
                    {
                        state.Alias(owner, other);
                    }

                    state.AddFacts(owner, facts);
                    break;
                }

                if (facts.Completed || facts.Drains.Count == 0)
                {
                    break;
                }

                var properties = ImmutableDictionary<string, string?>.Empty.Add(LocalProperty, local.Name);
                context.Report(
                    Rule,
                    creation.Syntax.GetLocation(),
                    facts.Drains.Select(d => LoopLocation(d.Loop)),
                    properties,
                    local.Name,
                    facts.Drains[0].Description,
                    CompletionName(creation, api));
                break;
            case EscapeKind.StoredInPrivateMember when use.Target is IFieldSymbol field && state.IsCandidate(field, api):
                state.AddCreation(field, creation);
                break;
        }
    }

    private static void AnalyzeFieldReference(OperationAnalysisContext context, ChannelApi api, TypeState state)
    {
        var reference = (IFieldReferenceOperation)context.Operation;
        if (!state.IsCandidate(reference.Field, api))
        {
            return;
        }

        var field = reference.Field.OriginalDefinition;
        if (reference.Parent is IAssignmentOperation assignment && assignment.Target == reference)
        {
            // Written: a creation, another channel field or a local are followed from their side; anything else comes from outside.
            var value = assignment.Value;
            value = OperationWalk.Strip(value);

            while (value is IPropertyReferenceOperation property && api.IsReaderOrWriter(property.Property) && property.Instance is not null)
            {
                value = property.Instance;
            }

            if (!api.IsCreation(value) && value is not ILocalReferenceOperation && !(value is IFieldReferenceOperation other && state.IsCandidate(other.Field, api)))
            {
                state.MarkEscaped(field);
            }

            return;
        }

        var use = Escapes.Classify(reference, api.IsReaderOrWriter, state.Type, internalIsPrivate: true);
        switch (use.Kind)
        {
            case EscapeKind.Receiver:
                if (api.IsCompletion(use.Consumer))
                {
                    state.MarkCompleted(field);
                }
                else if (api.TryGetDrain(use.Consumer, out var drain))
                {
                    state.AddDrain(field, drain);
                }

                break;
            case EscapeKind.None:
                break;
            case EscapeKind.CopiedToLocal when use.Target is ILocalSymbol local:
                var facts = AnalyzeLocalGroup(local, null, CollectLocalReferences(reference, api), api, state);
                foreach (var other in facts.StoredIn)
                {
                    state.Alias(field, other);
                }

                state.AddFacts(field, facts);
                break;
            case EscapeKind.StoredInPrivateMember when use.Target is IFieldSymbol other && state.IsCandidate(other, api):
                state.Alias(field, other);
                break;
            default:
                state.MarkEscaped(field);
                break;
        }
    }

    /// <summary>Follows a local and the locals it is copied into (<c>var reader = ch.Reader;</c>) through the block.</summary>
    private static LocalFacts AnalyzeLocalGroup(ILocalSymbol seed, IOperation? creation, Dictionary<ILocalSymbol, List<ILocalReferenceOperation>> localRefs, ChannelApi api, TypeState state)
    {
        var facts = new LocalFacts();
        var group = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default) { seed };
        var work = new Queue<ILocalSymbol>();
        work.Enqueue(seed);
        while (work.Count > 0 && !facts.Escaped)
        {
            var local = work.Dequeue();
            if (!localRefs.TryGetValue(local, out var references))
            {
                continue;
            }

            foreach (var reference in references)
            {
                if (reference.Parent is IAssignmentOperation assignment && assignment.Target == reference)
                {
                    // `ch = <the creation>` is the creation's own store; any other write makes the local's value unknown.
                    if (creation is null || !IsSameValue(assignment.Value, creation))
                    {
                        facts.Escaped = true;
                    }

                    continue;
                }

                if (reference.IsDeclaration)
                {
                    continue;
                }

                var use = Escapes.Classify(reference, api.IsReaderOrWriter, state.Type, internalIsPrivate: true);
                switch (use.Kind)
                {
                    case EscapeKind.Receiver:
                        if (api.IsCompletion(use.Consumer))
                        {
                            facts.Completed = true;
                        }
                        else if (api.TryGetDrain(use.Consumer, out var drain))
                        {
                            facts.Drains.Add(drain);
                        }

                        break;
                    case EscapeKind.None:
                        break;
                    case EscapeKind.CopiedToLocal when use.Target is ILocalSymbol alias:
                        if (group.Add(alias))
                        {
                            work.Enqueue(alias);
                        }

                        break;
                    case EscapeKind.StoredInPrivateMember when use.Target is IFieldSymbol field && state.IsCandidate(field, api):
                        facts.StoredIn.Add(field.OriginalDefinition);
                        break;
                    default:
                        facts.Escaped = true;
                        break;
                }
            }
        }

        return facts;
    }

    private static bool IsSameValue(IOperation value, IOperation creation)
    {
        value = OperationWalk.Strip(value);

        return value == creation;
    }

    private static string CompletionName(IOperation creation, ChannelApi api) =>
        api.IsBlockingCollection(creation.Type) ? "CompleteAdding()" : "Writer.Complete()";

    /// <summary>The loop's header (<c>await foreach (...)</c>, <c>while (...)</c>) rather than its whole body.</summary>
    private static Location LoopLocation(IOperation loop)
    {
        var syntax = loop.Syntax;
        var span = syntax switch
        {
            CommonForEachStatementSyntax forEach => TextSpan.FromBounds(forEach.SpanStart, forEach.CloseParenToken.Span.End),
            WhileStatementSyntax whileStatement => TextSpan.FromBounds(whileStatement.SpanStart, whileStatement.CloseParenToken.Span.End),
            DoStatementSyntax doStatement => doStatement.WhileKeyword.Span,
            _ => syntax.Span,
        };
        return Location.Create(syntax.SyntaxTree, span);
    }

    private sealed class LocalFacts
    {
        public bool Escaped { get; set; }
        public bool Completed { get; set; }
        public List<ChannelDrain> Drains { get; } = new();
        public List<IFieldSymbol> StoredIn { get; } = new();
    }

    /// <summary>What the type's blocks found about its channel fields; judged once every part has been analyzed.</summary>
    private sealed class TypeState
    {
        private readonly object _gate = new();
        private readonly Dictionary<IFieldSymbol, IFieldSymbol> _parent = new(SymbolEqualityComparer.Default);
        private readonly HashSet<IFieldSymbol> _escaped = new(SymbolEqualityComparer.Default);
        private readonly HashSet<IFieldSymbol> _completed = new(SymbolEqualityComparer.Default);
        private readonly List<(IFieldSymbol Field, ChannelDrain Drain)> _drains = new();
        private readonly List<(IFieldSymbol Field, IOperation Creation)> _creations = new();
        private readonly ConcurrentDictionary<IFieldSymbol, bool> _candidates = new(SymbolEqualityComparer.Default);

        public TypeState(INamedTypeSymbol type) => Type = type;

        public INamedTypeSymbol Type { get; }

        /// <summary>A private or internal channel-typed field of this type.</summary>
        public bool IsCandidate(IFieldSymbol field, ChannelApi api) =>
            _candidates.GetOrAdd(field.OriginalDefinition, f =>
                Escapes.IsPrivateMemberOf(f, Type, internalIsPrivate: true) && api.IsChannelLike(f.Type));

        public void AddCreation(IFieldSymbol field, IOperation creation)
        {
            lock (_gate)
            {
                _creations.Add((field.OriginalDefinition, creation));
            }
        }

        public void AddDrain(IFieldSymbol field, ChannelDrain drain)
        {
            lock (_gate)
            {
                _drains.Add((field.OriginalDefinition, drain));
            }
        }

        public void MarkEscaped(IFieldSymbol field)
        {
            lock (_gate)
            {
                _escaped.Add(field.OriginalDefinition);
            }
        }

        public void MarkCompleted(IFieldSymbol field)
        {
            lock (_gate)
            {
                _completed.Add(field.OriginalDefinition);
            }
        }

        public void AddFacts(IFieldSymbol field, LocalFacts facts)
        {
            if (facts.Escaped)
            {
                MarkEscaped(field);
            }

            if (facts.Completed)
            {
                MarkCompleted(field);
            }

            foreach (var drain in facts.Drains)
            {
                AddDrain(field, drain);
            }
        }

        public void Alias(IFieldSymbol a, IFieldSymbol b)
        {
            lock (_gate)
            {
                var ra = Find(a.OriginalDefinition);
                var rb = Find(b.OriginalDefinition);
                if (!SymbolEqualityComparer.Default.Equals(ra, rb))
                {
                    _parent[ra] = rb;
                }
            }
        }

        public void Report(SymbolAnalysisContext context)
        {
            lock (_gate)
            {
                if (_creations.Count == 0)
                {
                    return;
                }

                var escaped = new HashSet<IFieldSymbol>(_escaped.Select(Find), SymbolEqualityComparer.Default);
                var completed = new HashSet<IFieldSymbol>(_completed.Select(Find), SymbolEqualityComparer.Default);
                foreach (var (field, creation) in _creations)
                {
                    var root = Find(field);
                    if (escaped.Contains(root) || completed.Contains(root) || GroupUsedInNestedType(root, context.CancellationToken))
                    {
                        continue;
                    }

                    // A long-lived queue drained until a token fires (the hosted-service pattern) is fine; only a drain nothing can stop counts.
                    var drains = _drains.Where(d => !d.Drain.TakesToken && SymbolEqualityComparer.Default.Equals(Find(d.Field), root)).Select(d => d.Drain).ToList();
                    if (drains.Count == 0)
                    {
                        continue;
                    }

                    context.Report(
                        Rule,
                        creation.Syntax.GetLocation(),
                        drains.Select(d => LoopLocation(d.Loop)),
                        field.Name,
                        drains[0].Description,
                        creation is IObjectCreationOperation ? "CompleteAdding()" : "Writer.Complete()");
                }
            }
        }

        /// <summary>
        /// Nested types can use the private fields of their container, but their code is analyzed in their own
        /// symbol-start scope: if one names a field of the group, we cannot see what it does, so stay silent.
        /// </summary>
        private bool GroupUsedInNestedType(IFieldSymbol root, System.Threading.CancellationToken ct)
        {
            var nested = Type.GetTypeMembers();
            if (nested.IsEmpty)
            {
                return false;
            }

            var names = new HashSet<string>(_candidates.Where(c => c.Value && SymbolEqualityComparer.Default.Equals(Find(c.Key), root)).Select(c => c.Key.Name));
            names.Add(root.Name);
            foreach (var type in nested)
            {
                foreach (var reference in type.DeclaringSyntaxReferences)
                {
                    foreach (var token in reference.GetSyntax(ct).DescendantTokens())
                    {
                        if (token.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.IdentifierToken) && names.Contains(token.ValueText))
                        {
                            return true;
                        }
                    }
                }
            }

            return false;
        }

        private IFieldSymbol Find(IFieldSymbol field)
        {
            var current = field;
            while (_parent.TryGetValue(current, out var next))
            {
                current = next;
            }

            return current;
        }
    }
}

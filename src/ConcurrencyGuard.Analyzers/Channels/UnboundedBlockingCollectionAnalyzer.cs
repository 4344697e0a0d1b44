using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;

namespace ConcurrencyGuard.Analyzers.Channels;

/// <summary>
/// CG4003: <c>new BlockingCollection&lt;T&gt;()</c> (or over a given collection) without <c>boundedCapacity</c>: a
/// producer/consumer queue without backpressure. The diagnostic carries the configured capacity for the fix.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UnboundedBlockingCollectionAnalyzer : ConcurrencyGuardAnalyzer
{
    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.UnboundedBlockingCollection,
        title: "BlockingCollection without a bound",
        messageFormat: "BlockingCollection '{0}' has no boundedCapacity: when its consumers fall behind, Add never blocks and it grows until the process runs out of memory",
        DiagnosticSeverity.Info,
        description: "A BlockingCollection created without boundedCapacity never makes producers wait. Under load a slow consumer turns into an ever-growing queue, then into an out-of-memory crash. Give it a bound: Add then blocks while the collection is full.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        var api = ChannelApi.Create(types);
        if (api?.BlockingCollection is null)
        {
            return;
        }

        // Judged per type, as CG4001: see QueueProducers for when an unbounded queue is bounded by design.
        QueueProducers.RegisterPerType(start, api, types, OperationKind.ObjectCreation, (c, pending) => Analyze(c, api, pending));
    }

    private static void Analyze(OperationAnalysisContext context, ChannelApi api, ConcurrentQueue<(IOperation, Diagnostic)> pending)
    {
        var creation = (IObjectCreationOperation)context.Operation;
        if (creation.Constructor is not { } constructor
            || !SymbolEqualityComparer.Default.Equals(constructor.ContainingType.OriginalDefinition, api.BlockingCollection)
            || creation.Syntax.ContainsDiagnostics
            || QueueProducers.HasBoundedCapacity(constructor))
        {
            return;
        }

        var capacity = context.Options.GetIntOption(creation.Syntax.SyntaxTree, OptionKeys.ChannelCapacity, UnboundedChannelAnalyzer.DefaultCapacity);
        var properties = ImmutableDictionary<string, string?>.Empty.Add(UnboundedChannelAnalyzer.CapacityProperty, capacity.ToString(CultureInfo.InvariantCulture));
        var name = ChannelNames.NameOf(creation, "new " + creation.Type!.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + "()");
        pending.Enqueue((creation, DiagnosticReporting.Create(Rule, creation.Syntax.GetLocation(), null, properties, name)));
    }
}

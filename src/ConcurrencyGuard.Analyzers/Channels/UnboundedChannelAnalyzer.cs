using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;

namespace ConcurrencyGuard.Analyzers.Channels;

/// <summary>
/// CG4001: <c>Channel.CreateUnbounded</c> (and <c>CreateUnboundedPrioritized</c>): a queue with no backpressure.
/// When consumers fall behind, producers never wait and memory grows until the process dies. The diagnostic
/// carries the configured capacity (<c>concurrency_guard.channel_capacity</c>) for the fix.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UnboundedChannelAnalyzer : ConcurrencyGuardAnalyzer
{
    public const string CapacityProperty = "Capacity";
    public const int DefaultCapacity = 1000;

    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.UnboundedChannel,
        title: "Unbounded channel",
        messageFormat: "Channel '{0}' is unbounded: when its consumers fall behind, producers never wait and it grows until the process runs out of memory",
        DiagnosticSeverity.Info,
        description: "An unbounded channel has no backpressure. Under load a slow consumer turns into an ever-growing queue, then into an out-of-memory crash. A bounded channel with FullMode = Wait makes producers wait instead.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        var api = ChannelApi.Create(types);
        if (api?.Channel is null)
        {
            return;
        }

        // Judged per type (all partial parts): whether a queue is bounded by design depends on every write to it.
        QueueProducers.RegisterPerType(start, api, types, OperationKind.Invocation, (c, pending) => Analyze(c, api, pending));
    }

    private static void Analyze(OperationAnalysisContext context, ChannelApi api, ConcurrentQueue<(IOperation, Diagnostic)> pending)
    {
        var invocation = (IInvocationOperation)context.Operation;
        // A call still being typed (syntax errors) is left alone until it is complete.
        if (!api.IsUnboundedCreation(invocation) || invocation.Syntax.ContainsDiagnostics)
        {
            return;
        }

        if (IsChosenAgainstBounded(invocation, api))
        {
            return;
        }

        var capacity = context.Options.GetIntOption(invocation.Syntax.SyntaxTree, OptionKeys.ChannelCapacity, DefaultCapacity);
        var properties = ImmutableDictionary<string, string?>.Empty.Add(CapacityProperty, capacity.ToString(CultureInfo.InvariantCulture));
        var name = ChannelNames.NameOf(invocation, "Channel." + invocation.TargetMethod.Name + "<" + invocation.TargetMethod.TypeArguments[0].ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + ">()");
        pending.Enqueue((invocation, DiagnosticReporting.Create(Rule, invocation.Syntax.GetLocation(), null, properties, name)));
    }

    /// <summary>
    /// <c>capacity > 0 ? Channel.CreateBounded&lt;T&gt;(capacity) : Channel.CreateUnbounded&lt;T&gt;()</c>: the code already
    /// chooses at run time (a factory honouring its caller's setting); unbounded is configuration there, not an oversight.
    /// </summary>
    private static bool IsChosenAgainstBounded(IInvocationOperation invocation, ChannelApi api)
    {
        for (var current = invocation.Parent; current is IConversionOperation or IConditionalOperation; current = current.Parent)
        {
            if (current is IConditionalOperation conditional)
            {
                foreach (var branch in new[] { conditional.WhenTrue, conditional.WhenFalse })
                {
                    if (branch is null)
                    {
                        continue;
                    }

                    foreach (var operation in branch.DescendantsAndSelf())
                    {
                        if (operation is IInvocationOperation other && api.IsBoundedCreation(other))
                        {
                            return true;
                        }
                    }
                }
            }
        }

        return false;
    }
}

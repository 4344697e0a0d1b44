using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace ConcurrencyGuard.Analyzers.Channels;

/// <summary>
/// CG4001: <c>Channel.CreateUnbounded</c> (and <c>CreateUnboundedPrioritized</c>): a queue with no backpressure.
/// When consumers fall behind, producers never wait and memory grows until the process dies. The diagnostic
/// carries the configured capacity (<c>concurrency_guard.channel_capacity</c>) for the fix.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UnboundedChannelAnalyzer : DiagnosticAnalyzer
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

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var api = ChannelApi.Create(WellKnownTypes.GetOrCreate(start.Compilation));
            if (api?.Channel is null)
            {
                return;
            }

            start.RegisterOperationAction(c => Analyze(c, api), OperationKind.Invocation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, ChannelApi api)
    {
        var invocation = (IInvocationOperation)context.Operation;
        // A call still being typed (syntax errors) is left alone until it is complete.
        if (!api.IsUnboundedCreation(invocation) || invocation.Syntax.ContainsDiagnostics)
        {
            return;
        }

        var capacity = context.Options.GetIntOption(invocation.Syntax.SyntaxTree, OptionKeys.ChannelCapacity, DefaultCapacity);
        var properties = ImmutableDictionary<string, string?>.Empty.Add(CapacityProperty, capacity.ToString(CultureInfo.InvariantCulture));
        var name = ChannelNames.NameOf(invocation, "Channel." + invocation.TargetMethod.Name + "<" + invocation.TargetMethod.TypeArguments[0].ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + ">()");
        context.ReportDiagnostic(Diagnostic.Create(Rule, invocation.Syntax.GetLocation(), properties, name));
    }
}

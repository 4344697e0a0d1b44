namespace ConcurrencyGuard.Analyzers.Blocking;

/// <summary>
/// CG6005: <c>new TaskCompletionSource(...)</c> / <c>TaskCompletionSource&lt;T&gt;</c> without
/// <c>TaskCreationOptions.RunContinuationsAsynchronously</c>. The awaiting code then runs inline, on
/// the thread that calls <c>SetResult</c>, inside its locks. Also catches the <c>TaskContinuationOptions</c>
/// value passed where the constructor takes it as the <c>state</c> object (CA2247's case). Options that are
/// not constant are left alone.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TaskCompletionSourceInlineContinuationsAnalyzer : ConcurrencyGuardAnalyzer
{
    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.TaskCompletionSourceInlineContinuations,
        title: "TaskCompletionSource without RunContinuationsAsynchronously",
        messageFormat: "'{0}' is created without TaskCreationOptions.RunContinuationsAsynchronously: {1}",
        DiagnosticSeverity.Info,
        description: "Without RunContinuationsAsynchronously, the code awaiting the task runs synchronously on the thread that completes it, inside whatever lock or loop that thread is in: a stalled or deadlocked producer, and stack dives under load. Pass the option.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        var tcs = types.Get(WellKnownTypeNames.TaskCompletionSourceOfT);
        var tcsNonGeneric = types.Get(WellKnownTypeNames.TaskCompletionSource);
        var creationOptions = types.Get(WellKnownTypeNames.TaskCreationOptions);
        var continuationOptions = types.Get(WellKnownTypeNames.TaskContinuationOptions);
        if (tcs is null || creationOptions is null)
        {
            return;
        }

        start.RegisterOperationAction(c => Analyze(c, types, tcs, tcsNonGeneric, creationOptions, continuationOptions), OperationKind.ObjectCreation);
    }

    private static void Analyze(OperationAnalysisContext context, WellKnownTypes types, INamedTypeSymbol tcs, INamedTypeSymbol? tcsNonGeneric, INamedTypeSymbol creationOptions, INamedTypeSymbol? continuationOptions)
    {
        var creation = (IObjectCreationOperation)context.Operation;
        if (creation.Type is not INamedTypeSymbol type
            || !(SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, tcs) || SymbolEqualityComparer.Default.Equals(type, tcsNonGeneric)))
        {
            return;
        }

        const int RunContinuationsAsynchronously = 64;
        var misplacedOption = false;
        foreach (var argument in creation.Arguments)
        {
            var value = argument.Value;
            if (SymbolEqualityComparer.Default.Equals(argument.Parameter?.Type, creationOptions))
            {
                if (!value.ConstantValue.HasValue || value.ConstantValue.Value is not int options)
                {
                    return;
                }

                if ((options & RunContinuationsAsynchronously) != 0)
                {
                    return;
                }
            }
            else if (argument.Parameter?.Type.SpecialType == SpecialType.System_Object
                && value is IConversionOperation { Operand: { Type: { } stateType } operand }
                && continuationOptions is not null
                && SymbolEqualityComparer.Default.Equals(stateType, continuationOptions))
            {
                misplacedOption = true;
            }
        }

        // The misplaced-option case is a plain mistake: reported whatever the uses.
        if (!misplacedOption && InlineContinuations.NoneRunInline(creation, types))
        {
            return;
        }

        var reason = misplacedOption
            ? "the TaskContinuationOptions value is taken as the state object, not as an option"
            : "the code awaiting it runs inline on the thread that completes it";
        context.Report(Rule, creation.Syntax.GetLocation(), type.Name, reason);
    }
}

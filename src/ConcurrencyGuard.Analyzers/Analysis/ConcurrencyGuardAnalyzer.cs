namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// The frame every rule shares: concurrent execution, generated code skipped, and one compilation-start action
/// that receives the compilation's <see cref="WellKnownTypes"/>. A rule registers its actions in
/// <see cref="OnCompilationStart"/> (and returns early when the types it needs are missing).
/// </summary>
public abstract class ConcurrencyGuardAnalyzer : DiagnosticAnalyzer
{
    public sealed override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start => OnCompilationStart(start, WellKnownTypes.GetOrCreate(start.Compilation)));
    }

    /// <summary>Registers the rule's actions for one compilation.</summary>
    protected abstract void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types);
}

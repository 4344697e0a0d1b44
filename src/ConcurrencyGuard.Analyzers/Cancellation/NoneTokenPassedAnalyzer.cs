namespace ConcurrencyGuard.Analyzers.Cancellation;

/// <summary>
/// CG2002: <c>CancellationToken.None</c>, <c>default</c> or <c>new CancellationToken()</c> passed while a
/// token is in scope (see <see cref="TokenInScope"/>). Not in <c>catch</c>/<c>finally</c> blocks, and not
/// to calls whose whole point is to run to the end: <c>ContinueWith</c>/<c>StartNew</c> scheduling and
/// shutdown methods (<c>StopAsync</c>, <c>CloseAsync</c>, <c>ShutdownAsync</c>, <c>DisposeAsync</c>).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class NoneTokenPassedAnalyzer : ConcurrencyGuardAnalyzer
{
    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.NoneTokenPassed,
        title: "CancellationToken.None / default passed while a token is in scope",
        messageFormat: "'{0}' is passed to '{1}' while {2} is in scope: when the caller cancels, this call keeps running",
        DiagnosticSeverity.Info,
        description: "Passing CancellationToken.None or default where a real token is available silently opts the call out of cancellation. Pass the token in scope; if the call must run to the end, store the intent in a named local (var noCancellation = CancellationToken.None) or suppress the diagnostic.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        if (types.CancellationToken is null)
        {
            return;
        }

        start.RegisterOperationAction(c => Analyze(c, types), OperationKind.Argument);
    }

    private static void Analyze(OperationAnalysisContext context, WellKnownTypes types)
    {
        var argument = (IArgumentOperation)context.Operation;
        if (argument.ArgumentKind != ArgumentKind.Explicit
            || !TokenInScope.IsToken(argument.Parameter?.Type, types)
            || NoneText(argument.Value, types) is not { } none
            || argument.Parent is not IInvocationOperation and not IObjectCreationOperation)
        {
            return;
        }

        var target = argument.Parent is IInvocationOperation invocation ? invocation.TargetMethod : ((IObjectCreationOperation)argument.Parent).Constructor;
        if (target is null
            || IsRunToEndCall(target, types)
            || TokenExclusions.IsRunToEndBookkeeping(target, argument, context.ContainingSymbol)
            || CleanupCode.IsInCleanupCode(argument)
            || (argument.Parent is IInvocationOperation call && TokenExclusions.SchedulesWorkThatOwnsItsCancellation(call, types)))
        {
            return;
        }

        var scope = TokenInScope.Find(argument, context.ContainingSymbol, types);
        if (!scope.HasToken)
        {
            return;
        }

        var name = target.MethodKind == MethodKind.Constructor ? target.ContainingType.Name : target.Name;
        context.Report(Rule, argument.Value.Syntax.GetLocation(), scope.ToProperties(), none, name, scope.DisplayText);
    }

    /// <summary>How the "no token" value is written, or null when the value is a real token.</summary>
    private static string? NoneText(IOperation value, WellKnownTypes types)
    {
        value = OperationWalk.Strip(value, Wrappers.ImplicitConversions);

        switch (value)
        {
            case IPropertyReferenceOperation { Property: { Name: "None", IsStatic: true } property }
                when SymbolEqualityComparer.Default.Equals(property.ContainingType, types.CancellationToken):
                return "CancellationToken.None";
            case IDefaultValueOperation:
                return value.Syntax.ToString();
            case IObjectCreationOperation creation when SymbolEqualityComparer.Default.Equals(creation.Type, types.CancellationToken)
                && (creation.Arguments.Length == 0 || creation.Arguments[0].Value.ConstantValue is { HasValue: true, Value: false }):
                return value.Syntax.ToString();
            default:
                return null;
        }
    }

    /// <summary>Calls that take <c>None</c> on purpose: continuation scheduling and linking (shutdown and completion bookkeeping: <see cref="TokenExclusions.IsRunToEndBookkeeping"/>).</summary>
    private static bool IsRunToEndCall(IMethodSymbol method, WellKnownTypes types)
    {
        switch (method.Name)
        {
            case "CreateLinkedTokenSource":
                return true;
            case "ContinueWith":
            case "StartNew":
                return types.IsTask(method.ContainingType) || types.IsTaskFactory(method.ContainingType);
            default:
                return false;
        }
    }
}

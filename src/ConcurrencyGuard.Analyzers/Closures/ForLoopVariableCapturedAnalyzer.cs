using System.Collections.Generic;
using System.Linq;

namespace ConcurrencyGuard.Analyzers.Closures;

/// <summary>
/// CG5001: a <c>for</c> loop variable captured by deferred code. The loop has one variable for all its
/// iterations (unlike <c>foreach</c>), so every closure that runs after its iteration reads the value the
/// variable has by then, usually the final one.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ForLoopVariableCapturedAnalyzer : ConcurrencyGuardAnalyzer
{
    /// <summary>Property carrying the loop variable's name to the fixer.</summary>
    public const string VariableNameProperty = "Variable";

    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.ForLoopVariableCaptured,
        title: "'for' loop variable captured by deferred code",
        messageFormat: "The for loop variable '{0}' is captured by code that runs later ({1}): the loop has one '{0}' for every iteration, so the closure sees the value it has by then, usually the last",
        DiagnosticSeverity.Warning,
        description: "A for loop declares one variable and changes it on every iteration. A lambda that runs after its iteration (Task.Run, a timer, a stored callback, a lazy query) reads the current value, not the one of its iteration: work is done twice for the last index or fails out of range. Copy the variable to a local inside the loop body and capture the copy.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        var deferredCode = DeferredCode.GetOrCreate(types);
        start.RegisterOperationAction(c => Analyze(c, deferredCode), OperationKind.AnonymousFunction, OperationKind.DelegateCreation);
    }

    private static void Analyze(OperationAnalysisContext context, DeferredCode deferredCode)
    {
        var operation = context.Operation;
        if (operation is IDelegateCreationOperation { Target: IAnonymousFunctionOperation })
        {
            return; // analyzed as the anonymous function
        }

        // Cheap first: is there a for loop with its own variables around us?
        List<IForLoopOperation>? loops = null;
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            if (current is IForLoopOperation { Locals.Length: > 0 } loop && loop.Body.Syntax.Span.Contains(operation.Syntax.Span))
            {
                (loops ??= new List<IForLoopOperation>()).Add(loop);
            }
        }

        if (loops is null || DeferredCode.GetFunction(operation) is not { } function)
        {
            return;
        }

        var captured = DeferredCode.GetCapturedVariables(function);
        Deferral? deferral = null;
        foreach (var variable in captured)
        {
            if (variable.Symbol is not ILocalSymbol local || loops.FirstOrDefault(l => l.Locals.Contains(local, SymbolEqualityComparer.Default)) is not { } loop)
            {
                continue;
            }

            deferral ??= deferredCode.Classify(operation);
            if (!deferral.Value.IsDeferred || RunsWithinIteration(deferral.Value, loop, deferredCode))
            {
                return;
            }

            context.Report(
                Rule,
                DeferredCode.GetReportLocation(operation),
                variable.References.Select(r => r.Syntax.GetLocation()),
                ImmutableDictionary<string, string?>.Empty.Add(VariableNameProperty, local.Name),
                local.Name,
                deferral.Value.Describe());
        }
    }

    /// <summary>The deferred code cannot outlive the iteration: the loop is left right after, or its holder/task stays in the iteration.</summary>
    private static bool RunsWithinIteration(Deferral deferral, IForLoopOperation loop, DeferredCode deferredCode)
    {
        if (deferral.Kind == DeferralKind.Returned && deferral.Site is IReturnOperation { Kind: OperationKind.Return })
        {
            return true; // return leaves the loop: the variable never changes again
        }

        if (deferral.Site is { } site && LeavesLoopRightAfter(site, loop))
        {
            return true;
        }

        var body = loop.Body;
        if (deferral.HoldingLocal is { } holder
            && body.Syntax.Span.Contains(holder.DeclaringSyntaxReferences.FirstOrDefault()?.Span ?? default)
            && holder.DeclaringSyntaxReferences.Length > 0
            && !deferredCode.LocalEscapes(holder, body)
            && deferral.Kind is not DeferralKind.BackgroundStart and not DeferralKind.Continuation and not DeferralKind.UnawaitedTaskCall)
        {
            return true; // held by a local of this iteration that goes nowhere
        }

        return deferredCode.IsTaskAwaitedBefore(deferral, body, body.Syntax.Span.End);
    }

    /// <summary>The statement holding <paramref name="site"/> is followed by <c>break</c> or <c>return</c> in the loop body.</summary>
    private static bool LeavesLoopRightAfter(IOperation site, IForLoopOperation loop)
    {
        var statement = site;
        while (statement.Parent is { } parent && parent is not IBlockOperation && !ReferenceEquals(parent, loop))
        {
            statement = parent;
        }

        if (statement.Parent is not IBlockOperation block)
        {
            return false;
        }

        var index = block.Operations.IndexOf(statement);
        return index >= 0
            && index + 1 < block.Operations.Length
            && block.Operations[index + 1] is IBranchOperation { BranchKind: BranchKind.Break } or IReturnOperation { Kind: OperationKind.Return };
    }
}

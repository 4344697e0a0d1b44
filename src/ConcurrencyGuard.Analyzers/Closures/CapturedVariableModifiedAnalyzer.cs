using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace ConcurrencyGuard.Analyzers.Closures;

/// <summary>
/// CG5002: a local or parameter captured by deferred code is assigned again after the capture (later in
/// the method, or on a later iteration of a loop around the lambda) while the deferred code may still run.
/// The closure reads the variable, not a snapshot, so it sees the new value.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CapturedVariableModifiedAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Property carrying the variable's name to the fixer.</summary>
    public const string VariableNameProperty = "Variable";

    /// <summary>Present (value "true") when the deferred code writes the variable too: no copy fix then.</summary>
    public const string WrittenInsideProperty = "WrittenInside";

    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.CapturedVariableModified,
        title: "Captured variable is modified after capture",
        messageFormat: "'{0}' is captured by code that runs later ({1}) and is assigned again afterwards: the deferred code reads the new value, not the one it was created with",
        DiagnosticSeverity.Warning,
        description: "A closure captures the variable itself, not its value. When the method (or the next loop iteration) assigns the variable after creating a lambda that runs later, the lambda sees whichever value is there when it runs: under load, usually the newer one. Copy the value to a local that is never reassigned and capture the copy.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var deferredCode = DeferredCode.GetOrCreate(WellKnownTypes.GetOrCreate(start.Compilation));
            start.RegisterOperationAction(c => Analyze(c, deferredCode), OperationKind.AnonymousFunction, OperationKind.DelegateCreation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, DeferredCode deferredCode)
    {
        var operation = context.Operation;
        if (operation is IDelegateCreationOperation { Target: IAnonymousFunctionOperation } || DeferredCode.GetFunction(operation) is not { } function)
        {
            return;
        }

        var candidates = DeferredCode.GetCapturedVariables(function).Where(IsCandidate).ToList();
        if (candidates.Count == 0)
        {
            return;
        }

        var deferral = deferredCode.Classify(operation);
        if (!deferral.IsDeferred)
        {
            return;
        }

        var root = operation;
        while (root.Parent is not null)
        {
            root = root.Parent;
        }

        var functionSpan = function.Syntax.Span;
        var writes = CollectWrites(root, candidates.Select(c => c.Symbol), functionSpan);
        if (writes.Count == 0)
        {
            return;
        }

        foreach (var variable in candidates)
        {
            if (!writes.TryGetValue(variable.Symbol, out var variableWrites) || IsPolledInALoop(variable, function))
            {
                continue;
            }

            var loopAround = LoopAroundWithin(operation, variable.Symbol);
            var modifiedAfter = variableWrites.Any(write =>
                (write.Syntax.SpanStart >= functionSpan.End || (loopAround is not null && loopAround.Syntax.Span.Contains(write.Syntax.Span)))
                && !deferredCode.IsTaskAwaitedBefore(deferral, root, write.Syntax.SpanStart)
                && HolderStillUsedAfter(deferral, root, write));
            if (!modifiedAfter)
            {
                continue;
            }

            var properties = ImmutableDictionary<string, string?>.Empty.Add(VariableNameProperty, variable.Symbol.Name);
            if (IsWrittenInside(variable))
            {
                properties = properties.Add(WrittenInsideProperty, "true");
            }

            context.Report(
                Rule,
                DeferredCode.GetReportLocation(operation),
                variable.References.Select(r => r.Syntax.GetLocation()),
                properties,
                variable.Symbol.Name,
                deferral.Describe());
        }
    }

    /// <summary>Locals and parameters that can be reassigned; <c>for</c> variables are CG5001's.</summary>
    private static bool IsCandidate(CapturedVariable variable) => variable.Symbol switch
    {
        ILocalSymbol local => !local.IsConst && !local.IsUsing && !local.IsRef && !IsForLoopVariable(local),
        IParameterSymbol parameter => parameter.RefKind == RefKind.None && !parameter.IsThis,
        _ => false,
    };

    private static bool IsForLoopVariable(ILocalSymbol local)
    {
        var declaration = local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax();
        return declaration?.Parent is VariableDeclarationSyntax { Parent: ForStatementSyntax };
    }

    /// <summary>Every write of the candidates outside <paramref name="functionSpan"/> and outside other nested functions, in one walk.</summary>
    private static Dictionary<ISymbol, List<IOperation>> CollectWrites(IOperation root, IEnumerable<ISymbol> candidates, Microsoft.CodeAnalysis.Text.TextSpan functionSpan)
    {
        var wanted = new HashSet<ISymbol>(candidates, SymbolEqualityComparer.Default);
        var writes = new Dictionary<ISymbol, List<IOperation>>(SymbolEqualityComparer.Default);
        foreach (var op in root.DescendantsAndSelf())
        {
            IOperation? target = op switch
            {
                IAssignmentOperation assignment => assignment.Target,
                IIncrementOrDecrementOperation increment => increment.Target,
                IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } argument => argument.Value,
                _ => null,
            };
            if (target is null)
            {
                continue;
            }

            foreach (var reference in target is ITupleOperation tuple ? tuple.Elements : ImmutableArray.Create(target))
            {
                var symbol = reference switch
                {
                    ILocalReferenceOperation { IsDeclaration: false } local => (ISymbol)local.Local,
                    IParameterReferenceOperation parameter => parameter.Parameter,
                    _ => null,
                };
                if (symbol is null || !wanted.Contains(symbol) || functionSpan.Contains(op.Syntax.Span) || IsInNestedFunction(op, root))
                {
                    continue;
                }

                if (!writes.TryGetValue(symbol, out var list))
                {
                    list = new List<IOperation>();
                    writes.Add(symbol, list);
                }

                list.Add(op);
            }
        }

        return writes;
    }

    private static bool IsInNestedFunction(IOperation operation, IOperation root)
    {
        for (var current = operation.Parent; current is not null && !ReferenceEquals(current, root); current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The outermost loop around the lambda whose body does not declare the variable: each iteration reassigns it for the earlier closures.</summary>
    private static ILoopOperation? LoopAroundWithin(IOperation operation, ISymbol variable)
    {
        var declaration = variable.DeclaringSyntaxReferences.FirstOrDefault()?.Span;
        ILoopOperation? found = null;
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            if (current is ILoopOperation loop && declaration is { } span && !loop.Syntax.Span.Contains(span))
            {
                found = loop;
            }
        }

        return found;
    }

    /// <summary>
    /// A lazily used holder (a stored query, a delegate in a local) only sees the write when it is used after it.
    /// Other deferrals (tasks, stored callbacks) may run at any time.
    /// </summary>
    private static bool HolderStillUsedAfter(Deferral deferral, IOperation root, IOperation write)
    {
        if (deferral.Kind is not (DeferralKind.DeferredQuery or DeferralKind.StoredInLocal) || deferral.HoldingLocal is not { } holder)
        {
            return true;
        }

        foreach (var op in root.DescendantsAndSelf())
        {
            if (op is ILocalReferenceOperation reference
                && SymbolEqualityComparer.Default.Equals(reference.Local, holder)
                && reference.Syntax.SpanStart > write.Syntax.SpanStart)
            {
                return true;
            }
        }

        return LoopAroundWithin(write, holder) is not null;
    }

    /// <summary>
    /// <c>while (!stop)</c> or <c>if (stop) break;</c> inside the deferred code: the variable is a deliberate
    /// (if fragile: see CG6xxx and <c>CancellationToken</c>) stop signal, not a stale value.
    /// </summary>
    private static bool IsPolledInALoop(CapturedVariable variable, IOperation function) =>
        variable.References.Any(reference =>
        {
            for (var current = reference.Parent; current is not null && !ReferenceEquals(current, function); current = current.Parent)
            {
                switch (current)
                {
                    case IWhileLoopOperation { Condition: { } condition } when condition.Syntax.Span.Contains(reference.Syntax.Span):
                    case IForLoopOperation { Condition: { } forCondition } when forCondition.Syntax.Span.Contains(reference.Syntax.Span):
                        return true;
                    case ILoopOperation when variable.Type?.SpecialType == SpecialType.System_Boolean:
                        return true;
                }
            }

            return false;
        });

    private static bool IsWrittenInside(CapturedVariable variable) =>
        variable.References.Any(reference => reference.Parent switch
        {
            IAssignmentOperation assignment => ReferenceEquals(assignment.Target, reference),
            IIncrementOrDecrementOperation => true,
            IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } => true,
            _ => false,
        });
}

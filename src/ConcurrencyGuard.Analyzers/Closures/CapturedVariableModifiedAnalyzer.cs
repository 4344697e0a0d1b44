using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;

namespace ConcurrencyGuard.Analyzers.Closures;

/// <summary>
/// CG5002: a local or parameter captured by deferred code is assigned again after the capture (later in
/// the method, or on a later iteration of a loop around the lambda) while the deferred code may still run.
/// The closure reads the variable, not a snapshot, so it sees the new value.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CapturedVariableModifiedAnalyzer : ConcurrencyGuardAnalyzer
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

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        var deferredCode = DeferredCode.GetOrCreate(types);
        // Writes per method body, computed once and shared by every lambda of that body.
        var writesCache = new ConditionalWeakTable<IOperation, Dictionary<ISymbol, List<Write>>>();
        start.RegisterOperationAction(c => Analyze(c, deferredCode, writesCache), OperationKind.AnonymousFunction, OperationKind.DelegateCreation);
    }

    private static void Analyze(OperationAnalysisContext context, DeferredCode deferredCode, ConditionalWeakTable<IOperation, Dictionary<ISymbol, List<Write>>> writesCache)
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

        var root = OperationWalk.Root(operation);

        var functionSpan = function.Syntax.Span;
        var allWrites = writesCache.GetValue(root, CollectWrites);
        if (allWrites.Count == 0)
        {
            return;
        }

        foreach (var variable in candidates)
        {
            if (!allWrites.TryGetValue(variable.Symbol, out var candidateWrites) || IsPolledInALoop(variable, function))
            {
                continue;
            }

            // Writes by the function that declares the variable; not by the lambda itself or by other lambdas (they may never run).
            var variableWrites = candidateWrites
                .Where(w => !functionSpan.Contains(w.Operation.Syntax.Span) && IsWrittenByDeclaringFunction(w, variable.Symbol))
                .Select(w => w.Operation)
                .ToList();
            if (variableWrites.Count == 0)
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

    internal readonly struct Write
    {
        public Write(IOperation operation, IMethodSymbol? function)
        {
            Operation = operation;
            Function = function;
        }

        public IOperation Operation { get; }

        /// <summary>The method, lambda or local function whose code performs the write.</summary>
        public IMethodSymbol? Function { get; }
    }

    /// <summary>
    /// Every write of a local or parameter in the operation tree, with the function that performs it: one walk
    /// per method body, shared by all the lambdas in it (cost stays linear on large methods).
    /// </summary>
    private static Dictionary<ISymbol, List<Write>> CollectWrites(IOperation root)
    {
        var writes = new Dictionary<ISymbol, List<Write>>(SymbolEqualityComparer.Default);
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
                if (symbol is null)
                {
                    continue;
                }

                if (!writes.TryGetValue(symbol, out var list))
                {
                    list = new List<Write>();
                    writes.Add(symbol, list);
                }

                list.Add(new Write(op, FunctionContext.GetEnclosingFunction(op, null)));
            }
        }

        return writes;
    }

    private static bool IsWrittenByDeclaringFunction(Write write, ISymbol variable) =>
        write.Function is null
            ? variable.ContainingSymbol is IMethodSymbol { MethodKind: not (MethodKind.AnonymousFunction or MethodKind.LocalFunction) }
            : SymbolEqualityComparer.Default.Equals(write.Function, variable.ContainingSymbol);

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

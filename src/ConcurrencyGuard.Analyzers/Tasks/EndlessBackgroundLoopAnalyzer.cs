using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;

namespace ConcurrencyGuard.Analyzers.Tasks;

/// <summary>
/// CG1005: a loop with no way out in work that runs in the background, the .NET form of
/// <c>go func() { for { } }()</c>. The loop has no exit (no break, return, throw, goto or yield break out of
/// it; a constant-true condition, or one made only of this function's locals that nothing changes) and no
/// cancellation check (nothing in it reads a CancellationToken). Background work is: a lambda, anonymous
/// method or local function started by Task.Run / Task.Factory.StartNew / new Thread /
/// ThreadPool.QueueUserWorkItem / new Timer (<see cref="DeferredCode.TryGetBackgroundStart"/>),
/// <c>BackgroundService.ExecuteAsync</c>, and a private or internal method of the same type whose every
/// use starts it that way or drops its task (<c>_ = PumpAsync();</c>, <c>PumpAsync();</c>).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class EndlessBackgroundLoopAnalyzer : ConcurrencyGuardAnalyzer
{
    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.EndlessBackgroundLoop,
        title: "Background loop with no way out",
        messageFormat: "This loop in {0} never ends and checks no cancellation token: nothing can stop it, not even shutdown",
        DiagnosticSeverity.Warning,
        description: "A background loop with no exit and no cancellation check runs until the process dies: shutdown waits for it or kills it mid-work, tests leak it, and every restart of the component starts another one. Loop on !token.IsCancellationRequested, pass the token to the awaits inside, or give the loop an exit.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        if (types.Task is null)
        {
            return;
        }

        var deferred = DeferredCode.GetOrCreate(types);
        start.RegisterSymbolStartAction(symbolStart => AnalyzeType(symbolStart, types, deferred), SymbolKind.NamedType);
    }

    private static void AnalyzeType(SymbolStartAnalysisContext symbolStart, WellKnownTypes types, DeferredCode deferred)
    {
        // Loops in private/internal methods wait for the end of the type: were all uses background starts or dropped tasks?
        var pending = new ConcurrentBag<(IMethodSymbol Method, ILoopOperation Loop, ISymbol? Containing)>();
        var backgroundUses = new ConcurrentDictionary<IMethodSymbol, bool>(SymbolEqualityComparer.Default);
        var otherUses = new ConcurrentDictionary<IMethodSymbol, bool>(SymbolEqualityComparer.Default);

        symbolStart.RegisterOperationAction(c =>
        {
            var loop = (ILoopOperation)c.Operation;
            if (!IsEndless(loop, types))
            {
                return;
            }

            var function = FunctionContext.GetEnclosingFunctionOperation(loop);
            if (function is not null)
            {
                if (IsStartedInBackground(function, deferred, out var where))
                {
                    Report(c, loop, types, where);
                }

                return;
            }

            if (c.ContainingSymbol is IMethodSymbol method)
            {
                if (IsBackgroundServiceExecute(method, types))
                {
                    Report(c, loop, types, "BackgroundService.ExecuteAsync");
                }
                else if (method.DeclaredAccessibility is Accessibility.Private or Accessibility.Internal && method.MethodKind == MethodKind.Ordinary)
                {
                    pending.Add((method.OriginalDefinition, loop, c.ContainingSymbol));
                }
            }
        }, OperationKind.Loop);

        symbolStart.RegisterOperationAction(c =>
        {
            var (method, background) = c.Operation switch
            {
                IInvocationOperation invocation => (invocation.TargetMethod, IsDropped(invocation, types)),
                IMethodReferenceOperation reference => (reference.Method, reference.Parent is IDelegateCreationOperation creation && deferred.TryGetBackgroundStart(creation, out _, out _)),
                _ => (null, false),
            };
            if (method is null || method.MethodKind != MethodKind.Ordinary)
            {
                return;
            }

            (background ? backgroundUses : otherUses)[method.OriginalDefinition] = true;
        }, OperationKind.Invocation, OperationKind.MethodReference);

        symbolStart.RegisterSymbolEndAction(end =>
        {
            foreach (var (method, loop, _) in pending)
            {
                if (backgroundUses.ContainsKey(method) && !otherUses.ContainsKey(method))
                {
                    end.Report(
                        Rule,
                        LoopKeywordLocation(loop),
                        TokenInScope.Find(loop, method, types).ToProperties(),
                        "'" + method.Name + "' (started in the background by every caller)");
                }
            }
        });
    }

    private static void Report(OperationAnalysisContext context, ILoopOperation loop, WellKnownTypes types, string where)
    {
        var properties = TokenInScope.Find(loop, context.ContainingSymbol, types).ToProperties();
        context.Report(Rule, LoopKeywordLocation(loop), properties, where);
    }

    private static Location LoopKeywordLocation(ILoopOperation loop) => loop.Syntax switch
    {
        Microsoft.CodeAnalysis.CSharp.Syntax.WhileStatementSyntax w => w.WhileKeyword.GetLocation(),
        Microsoft.CodeAnalysis.CSharp.Syntax.DoStatementSyntax d => d.DoKeyword.GetLocation(),
        Microsoft.CodeAnalysis.CSharp.Syntax.ForStatementSyntax f => f.ForKeyword.GetLocation(),
        _ => loop.Syntax.GetLocation(),
    };

    /// <summary>A lambda given to a background start, or a local function that is started that way (or whose task is dropped) wherever it is used.</summary>
    private static bool IsStartedInBackground(IOperation function, DeferredCode deferred, out string where)
    {
        where = string.Empty;
        if (function is IAnonymousFunctionOperation lambda)
        {
            if (deferred.TryGetBackgroundStart(lambda, out _, out _))
            {
                where = new Deferral(DeferralKind.BackgroundStart, null, null, null, Kind(deferred, lambda)).Describe();
                return true;
            }

            return false;
        }

        var local = ((ILocalFunctionOperation)function).Symbol;
        var root = OperationWalk.Root(function);

        var background = false;
        foreach (var op in root.Descendants())
        {
            switch (op)
            {
                case IMethodReferenceOperation reference when SymbolEqualityComparer.Default.Equals(reference.Method.OriginalDefinition, local):
                    if (reference.Parent is not IDelegateCreationOperation creation || !deferred.TryGetBackgroundStart(creation, out _, out _))
                    {
                        return false;
                    }

                    background = true;
                    break;
                case IInvocationOperation invocation when SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.OriginalDefinition, local):
                    if (!IsDropped(invocation, deferred.Types))
                    {
                        return false;
                    }

                    background = true;
                    break;
            }
        }

        where = "'" + local.Name + "' (started in the background)";
        return background;
    }

    private static BackgroundStartKind Kind(DeferredCode deferred, IOperation lambda) =>
        deferred.TryGetBackgroundStart(lambda, out var kind, out _) ? kind : BackgroundStartKind.None;

    /// <summary>The call's task is dropped: a statement, or discarded with <c>_ =</c>.</summary>
    private static bool IsDropped(IInvocationOperation invocation, WellKnownTypes types)
    {
        if (!Awaitables.IsAwaitable(invocation.Type, types))
        {
            return false;
        }

        var value = OperationWalk.Outermost(invocation);
        return value.Parent is IExpressionStatementOperation
            || value.Parent is ISimpleAssignmentOperation { Target: IDiscardOperation };
    }

    private static bool IsBackgroundServiceExecute(IMethodSymbol method, WellKnownTypes types)
    {
        if (method.Name != "ExecuteAsync" || !method.IsOverride)
        {
            return false;
        }

        var backgroundService = types.Get(WellKnownTypeNames.BackgroundService);
        for (var m = method.OverriddenMethod; m is not null; m = m.OverriddenMethod)
        {
            if (SymbolEqualityComparer.Default.Equals(m.ContainingType, backgroundService))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>No exit out of the loop and no cancellation check inside it.</summary>
    public static bool IsEndless(ILoopOperation loop, WellKnownTypes types)
    {
        IOperation? condition;
        switch (loop)
        {
            case IWhileLoopOperation whileLoop:
                condition = whileLoop.Condition;
                break;
            case IForLoopOperation forLoop:
                condition = forLoop.Condition;
                break;
            default:
                return false;
        }

        if (condition is not null && !IsConstantTrue(condition) && !IsUnchangingLocalCondition(condition, loop))
        {
            return false;
        }

        foreach (var op in loop.Descendants())
        {
            switch (op)
            {
                case IBranchOperation { BranchKind: BranchKind.Break } branch when SymbolEqualityComparer.Default.Equals(branch.Target, loop.ExitLabel):
                case IBranchOperation { BranchKind: BranchKind.GoTo }:
                case IReturnOperation:
                case IThrowOperation:
                    if (!IsInNestedFunction(op, loop))
                    {
                        return false;
                    }

                    break;
                case IInvalidOperation:
                    return false;
            }

            if (op.Type is { } type && TokenInScope.IsToken(type, types))
            {
                return false;
            }

            if (op is IPropertyReferenceOperation { Property.Name: "IsCancellationRequested" or "Token" })
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsInNestedFunction(IOperation op, IOperation loop)
    {
        for (var current = op.Parent; current is not null && current != loop; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsConstantTrue(IOperation condition) =>
        condition.ConstantValue is { HasValue: true, Value: true };

    /// <summary>
    /// A condition made only of locals of the loop's own function (and constants, operators), none of which is
    /// written inside the loop, passed by reference, or used by a nested function.
    /// </summary>
    private static bool IsUnchangingLocalCondition(IOperation condition, ILoopOperation loop)
    {
        var locals = new List<ILocalSymbol>();
        foreach (var op in condition.DescendantsAndSelf())
        {
            switch (op)
            {
                case ILocalReferenceOperation local:
                    locals.Add(local.Local);
                    break;
                case ILiteralOperation:
                case IUnaryOperation:
                case IBinaryOperation:
                case IConversionOperation:
                case IParenthesizedOperation:
                    break;
                default:
                    return false;
            }
        }

        if (locals.Count == 0)
        {
            return false;
        }

        var function = FunctionContext.GetEnclosingFunctionOperation(loop) ?? OperationWalk.Root(loop);
        foreach (var local in locals)
        {
            // A local of an outer function can be changed by that function while the loop runs.
            if (local.DeclaringSyntaxReferences.Length == 0 || !function.Syntax.Span.Contains(local.DeclaringSyntaxReferences[0].Span))
            {
                return false;
            }
        }

        foreach (var op in function.Descendants())
        {
            if (op is not ILocalReferenceOperation reference || !locals.Contains(reference.Local, SymbolEqualityComparer.Default))
            {
                continue;
            }

            var written = reference.Parent switch
            {
                IAssignmentOperation assignment => assignment.Target == reference,
                IIncrementOrDecrementOperation => true,
                IArgumentOperation argument => argument.Parameter?.RefKind is RefKind.Ref or RefKind.Out,
                _ => false,
            };
            if (written && IsInside(reference, loop) || IsInNestedFunction(reference, function) || reference.Parent is IAddressOfOperation)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsInside(IOperation op, IOperation ancestor)
    {
        for (var current = op.Parent; current is not null; current = current.Parent)
        {
            if (current == ancestor)
            {
                return true;
            }
        }

        return false;
    }

}

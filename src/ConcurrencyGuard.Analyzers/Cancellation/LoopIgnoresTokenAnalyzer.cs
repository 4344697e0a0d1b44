namespace ConcurrencyGuard.Analyzers.Cancellation;

/// <summary>
/// CG2003: a <c>while</c>/<c>do</c>/<c>for(;;)</c> loop that awaits or blocks, with a token in scope, where
/// neither the condition nor the body touches any token. Only loops whose end is not driven by data:
/// a missing or constant condition, or one made of flags (<c>while (_running)</c>). Loops over a counter
/// (<c>i &lt; n</c>), a collection or a reader (<c>while (await reader.ReadAsync())</c>) end by themselves;
/// CG2001 covers the calls in them.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LoopIgnoresTokenAnalyzer : ConcurrencyGuardAnalyzer
{
    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.LoopIgnoresToken,
        title: "Loop never observes the token in scope",
        messageFormat: "This '{0}' loop waits on every pass but never checks {1}: after cancellation it keeps running",
        DiagnosticSeverity.Info,
        description: "A polling or worker loop that never looks at the token keeps running after the request is aborted or the host stops; shutdown then waits for the host timeout and the work is killed mid-flight. Check the token at the top of each pass or loop on !token.IsCancellationRequested.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        if (types.CancellationToken is null)
        {
            return;
        }

        start.RegisterOperationAction(c => Analyze(c, types), OperationKind.Loop);
    }

    private static void Analyze(OperationAnalysisContext context, WellKnownTypes types)
    {
        IOperation? condition;
        SyntaxToken keyword;
        switch (context.Operation)
        {
            case IWhileLoopOperation loop when loop.Syntax is WhileStatementSyntax s:
                (condition, keyword) = (loop.Condition, s.WhileKeyword);
                break;
            case IWhileLoopOperation loop when loop.Syntax is DoStatementSyntax s:
                (condition, keyword) = (loop.Condition, s.DoKeyword);
                break;
            case IForLoopOperation loop when loop.Syntax is ForStatementSyntax s && (loop.Condition is null || IsConstantTrue(loop.Condition)):
                (condition, keyword) = (loop.Condition, s.ForKeyword);
                break;
            default:
                return;
        }

        var sourceType = types.Get(WellKnownTypeNames.CancellationTokenSource);
        if (condition is not null && !IsConstantTrue(condition) && (!IsFlagCondition(condition) || AssignsConditionLocal(context.Operation, condition))
            || !Waits(context.Operation, types)
            || UsesToken(context.Operation, types, sourceType))
        {
            return;
        }

        var scope = TokenInScope.Find(context.Operation, context.ContainingSymbol, types);
        if (!scope.HasToken)
        {
            return;
        }

        context.Report(Rule, keyword.GetLocation(), scope.ToProperties(), keyword.ValueText, scope.DisplayText);
    }

    /// <summary><c>do { ... found = ...; } while (!found)</c>: a local set by the body is data, not a stop signal.</summary>
    private static bool AssignsConditionLocal(IOperation loop, IOperation condition)
    {
        var locals = new System.Collections.Generic.HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
        foreach (var reference in condition.DescendantsAndSelf())
        {
            if (reference is ILocalReferenceOperation local)
            {
                locals.Add(local.Local);
            }
        }

        if (locals.Count == 0)
        {
            return false;
        }

        foreach (var operation in ((ILoopOperation)loop).Body.DescendantsAndSelf())
        {
            if (operation is IAssignmentOperation { Target: ILocalReferenceOperation target } && locals.Contains(target.Local))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsConstantTrue(IOperation condition) => condition.ConstantValue is { HasValue: true, Value: true };

    /// <summary><c>_running</c>, <c>!_stopped</c>, <c>!done &amp;&amp; _enabled</c>: flags, not data.</summary>
    private static bool IsFlagCondition(IOperation condition)
    {
        switch (condition)
        {
            case IConversionOperation { IsImplicit: true } conversion:
                return IsFlagCondition(conversion.Operand);
            case IParenthesizedOperation parenthesized:
                return IsFlagCondition(parenthesized.Operand);
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not:
                return IsFlagCondition(not.Operand);
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.ConditionalOr } binary:
                return IsFlagCondition(binary.LeftOperand) && IsFlagCondition(binary.RightOperand);
            case IFieldReferenceOperation:
            case ILocalReferenceOperation:
            case IParameterReferenceOperation:
            case IPropertyReferenceOperation { Arguments.Length: 0 }:
                return condition.Type?.SpecialType == SpecialType.System_Boolean;
            case ILiteralOperation:
                return true;
            default:
                return false;
        }
    }

    /// <summary>An await (or <c>await foreach</c>), or a blocking wait, outside nested functions.</summary>
    private static bool Waits(IOperation loop, WellKnownTypes types)
    {
        foreach (var operation in Descendants(loop))
        {
            switch (operation)
            {
                case IAwaitOperation:
                case IForEachLoopOperation { IsAsynchronous: true }:
                    return true;
                case IInvocationOperation invocation when IsBlockingCall(invocation.TargetMethod, types):
                    return true;
                case IPropertyReferenceOperation { Property.Name: "Result" } property
                    when SymbolEqualityComparer.Default.Equals(property.Property.ContainingType?.OriginalDefinition, types.TaskOfT):
                    return true;
            }
        }

        return false;
    }

    private static bool IsBlockingCall(IMethodSymbol method, WellKnownTypes types)
    {
        var containing = method.ContainingType;
        return method.Name switch
        {
            "Sleep" or "Join" => types.Is(containing, WellKnownTypeNames.Thread),
            "Wait" => types.IsTask(containing)
                || types.Is(containing, WellKnownTypeNames.SemaphoreSlim) || types.Is(containing, WellKnownTypeNames.Monitor) || types.Is(containing, WellKnownTypeNames.ManualResetEventSlim),
            "WaitAll" or "WaitAny" => SymbolEqualityComparer.Default.Equals(containing, types.Task),
            "WaitOne" => true,
            "GetResult" => containing?.ToDisplayString().StartsWith("System.Runtime.CompilerServices.", System.StringComparison.Ordinal) == true,
            "Take" => types.Is(containing, WellKnownTypeNames.BlockingCollectionOfT),
            _ => false,
        };
    }

    /// <summary>Any token or token source anywhere in the loop, nested functions included.</summary>
    private static bool UsesToken(IOperation loop, WellKnownTypes types, INamedTypeSymbol? sourceType)
    {
        foreach (var operation in loop.Descendants())
        {
            var type = operation.Type;
            if (type is null || operation is IDefaultValueOperation or IConversionOperation { IsImplicit: true } || operation is IPropertyReferenceOperation { Property: { Name: "None", IsStatic: true } })
            {
                continue;
            }

            if (TokenInScope.IsToken(type, types)
                || (sourceType is not null && operation is ILocalReferenceOperation or IFieldReferenceOperation or IParameterReferenceOperation or IPropertyReferenceOperation
                    && WellKnownTypes.InheritsFrom(type, sourceType)))
            {
                return true;
            }
        }

        return false;
    }

    private static System.Collections.Generic.IEnumerable<IOperation> Descendants(IOperation root)
    {
        var stack = new System.Collections.Generic.Stack<IOperation>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            foreach (var child in current.ChildOperations)
            {
                if (child is IAnonymousFunctionOperation or ILocalFunctionOperation)
                {
                    continue;
                }

                yield return child;
                stack.Push(child);
            }
        }
    }
}

namespace ConcurrencyGuard.Analyzers.Cancellation;

/// <summary>
/// CG2006: a <c>new CancellationTokenSource(timeout)</c> (or one given <c>CancelAfter</c>) whose <c>Token</c>
/// is passed on, where a caller's token is in scope (a parameter, <c>RequestAborted</c>; not another local
/// source) and the new source is not linked to it. Linking it is the cure, not the hazard:
/// <c>CreateLinkedTokenSource(token, timeout.Token)</c>, or <c>token.Register(() =&gt; timeout.Cancel())</c>.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TimeoutDropsCallerTokenAnalyzer : ConcurrencyGuardAnalyzer
{
    /// <summary>Diagnostic property set when the fix can rewrite the declaration.</summary>
    public const string CanRewriteProperty = "cg.rewrite";

    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.TimeoutDropsCallerToken,
        title: "Timeout token drops the caller's token",
        messageFormat: "'{0}' only cancels on its timeout: {1} is not linked to it, so when the caller cancels, the work runs on until the timeout",
        DiagnosticSeverity.Info,
        description: "A fresh CancellationTokenSource with a timeout gives the work a deadline but cuts it off from the caller's token: an aborted request or a stopping host no longer stops it. Create it with CancellationTokenSource.CreateLinkedTokenSource(token) and call CancelAfter(timeout).");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        var sourceType = types.Get(WellKnownTypeNames.CancellationTokenSource);
        if (sourceType is null || types.CancellationToken is null)
        {
            return;
        }

        start.RegisterOperationAction(c => AnalyzeDeclarator(c, types, sourceType), OperationKind.VariableDeclarator);
        start.RegisterOperationAction(c => AnalyzeInlineCreation(c, types, sourceType), OperationKind.ObjectCreation);
    }

    private static void AnalyzeDeclarator(OperationAnalysisContext context, WellKnownTypes types, INamedTypeSymbol sourceType)
    {
        var declarator = (IVariableDeclaratorOperation)context.Operation;
        if (declarator.Initializer?.Value is not { } value
            || TokenSources.CreationKind(value, sourceType) is not { } kind
            || kind == TokenSourceKind.Linked
            || declarator.Syntax is not VariableDeclaratorSyntax syntax)
        {
            return;
        }

        var root = declarator;
        var top = OperationWalk.Root(root);

        var local = declarator.Symbol;
        bool passedOn = false, linked = false;
        foreach (var operation in top.Descendants())
        {
            if (operation is not ILocalReferenceOperation reference || !SymbolEqualityComparer.Default.Equals(reference.Local, local))
            {
                continue;
            }

            if (IsInsideRegisterCallback(reference, types))
            {
                linked = true;
                break;
            }

            if (reference.Parent is IPropertyReferenceOperation { Property.Name: "Token" } token)
            {
                switch (PassedTo(token))
                {
                    case Use.Linked:
                        linked = true;
                        break;
                    case Use.PassedOn:
                        passedOn = true;
                        break;
                }
            }
        }

        if (linked || !passedOn)
        {
            return;
        }

        var usage = TokenSources.Classify(local, top, declarator);
        if (kind != TokenSourceKind.Timed && !usage.CancelAfter)
        {
            return;
        }

        var scope = CallerToken(declarator, context.ContainingSymbol, types);
        if (!scope.HasToken)
        {
            return;
        }

        var creation = OperationWalk.Strip(value);
        var properties = scope.ToProperties();
        if (CanRewrite(syntax, creation, usage))
        {
            properties = properties.Add(CanRewriteProperty, "true");
        }

        context.Report(Rule, creation.Syntax.GetLocation(), properties, local.Name, scope.DisplayText);
    }

    /// <summary><c>Call(new CancellationTokenSource(5000).Token)</c>: reported, no fix (and it is never disposed either).</summary>
    private static void AnalyzeInlineCreation(OperationAnalysisContext context, WellKnownTypes types, INamedTypeSymbol sourceType)
    {
        var creation = (IObjectCreationOperation)context.Operation;
        if (creation.Arguments.Length == 0
            || !SymbolEqualityComparer.Default.Equals(creation.Type, sourceType)
            || creation.Parent is not IPropertyReferenceOperation { Property.Name: "Token" } token
            || PassedTo(token) != Use.PassedOn)
        {
            return;
        }

        var scope = CallerToken(creation, context.ContainingSymbol, types);
        if (scope.HasToken)
        {
            context.Report(Rule, creation.Syntax.GetLocation(), "new CancellationTokenSource(...)", scope.DisplayText);
        }
    }

    private enum Use
    {
        Other,
        PassedOn,
        Linked,
    }

    private static Use PassedTo(IOperation token)
    {
        var parent = OperationWalk.ParentSkipping(token, Wrappers.ConversionsAndParentheses);

        // params CancellationToken[]: the argument is an implicit array creation.
        if (parent is IArrayInitializerOperation { Parent: IArrayCreationOperation array })
        {
            parent = array.Parent;
        }

        if (parent is not IArgumentOperation argument)
        {
            return Use.Other;
        }

        return argument.Parent is IInvocationOperation { TargetMethod.Name: "CreateLinkedTokenSource" } ? Use.Linked : Use.PassedOn;
    }

    private static bool IsInsideRegisterCallback(IOperation reference, WellKnownTypes types)
    {
        for (var current = reference.Parent; current is not null; current = current.Parent)
        {
            if (current is IInvocationOperation { TargetMethod.Name: "Register" or "UnsafeRegister" } invocation
                && SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, types.CancellationToken))
            {
                return true;
            }

            if (current is IBlockOperation { Parent: IMethodBodyOperation or null })
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>The caller's token: a parameter or <c>RequestAborted</c>, not another local source.</summary>
    private static TokenInScopeResult CallerToken(IOperation operation, ISymbol? containingSymbol, WellKnownTypes types)
    {
        var scope = TokenInScope.Find(operation, containingSymbol, types);
        return scope.HasToken && scope.Candidates[0].Origin == TokenOrigin.LocalSource ? TokenInScopeResult.None : scope;
    }


    private static bool CanRewrite(VariableDeclaratorSyntax syntax, IOperation creation, TokenSourceUsage usage) =>
        !usage.Reassigned
        && creation is IObjectCreationOperation { Arguments.Length: <= 1 }
        && syntax.Parent is VariableDeclarationSyntax { Variables.Count: 1 }
        && syntax.Parent.Parent is LocalDeclarationStatementSyntax { Parent: BlockSyntax or GlobalStatementSyntax };
}

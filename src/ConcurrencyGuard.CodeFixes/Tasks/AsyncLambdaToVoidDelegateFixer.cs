using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;

namespace ConcurrencyGuard.CodeFixes.Tasks;

/// <summary>
/// Fixes CG1004 where the void delegate comes from a loop API, in an async function, when the call is a statement:
/// <list type="bullet">
/// <item><c>list.ForEach(async x =&gt; body);</c> (List&lt;T&gt;.ForEach) becomes <c>foreach (var x in list) { body }</c> with
/// the lambda's <c>return;</c> turned into <c>continue;</c> (no fix when a return sits inside a loop of the lambda, or
/// when a name the body declares is already taken outside). The items now run one after another.</item>
/// <item><c>Parallel.ForEach(source, [options,] async x =&gt; body);</c> becomes
/// <c>await Parallel.ForEachAsync(source, [options,] async (x, ct) =&gt; body);</c> (IEnumerable sources only).</item>
/// </list>
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AsyncLambdaToVoidDelegateFixer)), Shared]
public sealed class AsyncLambdaToVoidDelegateFixer : ConcurrencyGuardFixer
{
    public AsyncLambdaToVoidDelegateFixer()
        : base(RuleIdentifiers.AsyncLambdaToVoidDelegate)
    {
    }

    protected override IEnumerable<CodeAction> GetFixes(FixScope scope, Diagnostic diagnostic)
    {
        var model = scope.Model!;
        var node = scope.FindNode(diagnostic);
        if (node.FirstAncestorOrSelf<LambdaExpressionSyntax>() is not { } lambda
            || lambda.Parent is not ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax invocation } } argument
            || invocation.Parent is not ExpressionStatementSyntax statement
            || model.GetSymbolInfo(invocation, scope.CancellationToken).Symbol is not IMethodSymbol method
            || !FixHelpers.CanAwaitAt(statement, model, scope.CancellationToken))
        {
            yield break;
        }

        var parameter = SingleParameter(lambda);
        if (parameter is null)
        {
            yield break;
        }

        var types = WellKnownTypes.GetOrCreate(model.Compilation);
        if (method.Name == "ForEach" && types.Is(method.ContainingType, WellKnownTypeNames.ListOfT)
            && invocation.Expression is MemberAccessExpressionSyntax { Expression: { } list }
            && CanInline(lambda, parameter, statement, model, scope.CancellationToken))
        {
            yield return CodeAction.Create("Use foreach with await", ct => ToForeachAsync(scope.Document, statement, list, lambda, parameter, ct), equivalenceKey: "Foreach");
        }
        else if (method.Name == "ForEach" && types.Is(method.ContainingType, WellKnownTypeNames.Parallel)
            && (method.Parameters.Length == 2 || method.Parameters.Length == 3 && types.Is(method.Parameters[1].Type, WellKnownTypeNames.ParallelOptions))
            && method.Parameters[0].Type.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T
            && method.Parameters[method.Parameters.Length - 1].Type is INamedTypeSymbol { DelegateInvokeMethod.Parameters.Length: 1 }
            && argument == invocation.ArgumentList.Arguments.Last()
            && argument.NameColon is null
            && method.ContainingType.GetMembers("ForEachAsync").Any()
            && invocation.Expression is MemberAccessExpressionSyntax)
        {
            yield return CodeAction.Create("Use await Parallel.ForEachAsync", ct => ToForEachAsync(scope.Document, statement, invocation, lambda, parameter, ct), equivalenceKey: "ForEachAsync");
        }
    }

    private static ParameterSyntax? SingleParameter(LambdaExpressionSyntax lambda) => lambda switch
    {
        SimpleLambdaExpressionSyntax simple => simple.Parameter,
        ParenthesizedLambdaExpressionSyntax { ParameterList.Parameters.Count: 1 } parenthesized => parenthesized.ParameterList.Parameters[0],
        _ => null,
    };

    /// <summary>The body can move into a foreach: returns are not inside a loop of the lambda, and no name it declares is taken outside.</summary>
    private static bool CanInline(LambdaExpressionSyntax lambda, ParameterSyntax parameter, StatementSyntax statement, SemanticModel model, CancellationToken ct)
    {
        if (lambda.Modifiers.Any(SyntaxKind.StaticKeyword))
        {
            return false;
        }

        var names = new List<string> { parameter.Identifier.ValueText };
        foreach (var node in OwnNodes(lambda.Body))
        {
            switch (node)
            {
                case ReturnStatementSyntax ret:
                    if (ret.Expression is not null || ret.Ancestors().TakeWhile(a => a != lambda).Any(a => a is ForStatementSyntax or ForEachStatementSyntax or WhileStatementSyntax or DoStatementSyntax or CommonForEachStatementSyntax))
                    {
                        return false;
                    }

                    break;
                case VariableDeclaratorSyntax declarator:
                    names.Add(declarator.Identifier.ValueText);
                    break;
                case SingleVariableDesignationSyntax designation:
                    names.Add(designation.Identifier.ValueText);
                    break;
                case ForEachStatementSyntax forEach:
                    names.Add(forEach.Identifier.ValueText);
                    break;
                case CatchDeclarationSyntax { Identifier.RawKind: not 0 } catchDeclaration:
                    names.Add(catchDeclaration.Identifier.ValueText);
                    break;
            }
        }

        foreach (var name in names)
        {
            if (name != "_" && model.LookupSymbols(statement.SpanStart, name: name).Any(s => s is ILocalSymbol or IParameterSymbol or IRangeVariableSymbol))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Nodes of the body, not descending into nested functions.</summary>
    private static IEnumerable<SyntaxNode> OwnNodes(SyntaxNode body) =>
        body.DescendantNodesAndSelf(n => n == body || n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax));

    private static async Task<Document> ToForeachAsync(Document document, ExpressionStatementSyntax statement, ExpressionSyntax list, LambdaExpressionSyntax lambda, ParameterSyntax parameter, CancellationToken ct)
    {
        var editor = await DocumentEditor.CreateAsync(document, ct).ConfigureAwait(false);
        BlockSyntax body;
        if (lambda.Body is BlockSyntax block)
        {
            var returns = OwnNodes(block).OfType<ReturnStatementSyntax>().ToList();
            body = block.ReplaceNodes(returns, (old, _) => SyntaxFactory.ContinueStatement().WithTriviaFrom(old));
        }
        else
        {
            var expression = (ExpressionSyntax)lambda.Body;
            body = SyntaxFactory.Block(SyntaxFactory.ExpressionStatement(expression.WithoutTrivia()));
        }

        var type = parameter.Type ?? SyntaxFactory.IdentifierName("var");
        var loop = SyntaxFactory.ForEachStatement(
                type.WithoutTrivia(),
                parameter.Identifier.WithoutTrivia(),
                list.WithoutTrivia(),
                body.WithoutTrivia())
            .WithTriviaFrom(statement)
            .WithAdditionalAnnotations(Formatter.Annotation);
        editor.ReplaceNode(statement, loop);
        return editor.GetChangedDocument();
    }

    private static async Task<Document> ToForEachAsync(Document document, ExpressionStatementSyntax statement, InvocationExpressionSyntax invocation, LambdaExpressionSyntax lambda, ParameterSyntax parameter, CancellationToken ct)
    {
        var editor = await DocumentEditor.CreateAsync(document, ct).ConfigureAwait(false);
        var model = editor.SemanticModel;
        var tokenName = FreeName(model, lambda, "ct", "cancellationToken", "token");
        var tokenParameter = SyntaxFactory.Parameter(SyntaxFactory.Identifier(tokenName));
        if (parameter.Type is not null)
        {
            tokenParameter = tokenParameter.WithType(SyntaxFactory.ParseTypeName("global::System.Threading.CancellationToken").WithAdditionalAnnotations(Simplifier.Annotation));
        }

        var parameters = SyntaxFactory.ParameterList(SyntaxFactory.SeparatedList(new[] { parameter.WithoutTrivia(), tokenParameter }));
        var newLambda = SyntaxFactory.ParenthesizedLambdaExpression(lambda.AsyncKeyword, parameters, lambda.ArrowToken, lambda.Block, lambda.ExpressionBody)
            .WithTriviaFrom(lambda);
        var access = (MemberAccessExpressionSyntax)invocation.Expression;
        var newInvocation = invocation
            .ReplaceNode(lambda, newLambda)
            .WithExpression(access.WithName(SyntaxFactory.IdentifierName("ForEachAsync").WithTriviaFrom(access.Name)));
        var awaited = SyntaxFactory.AwaitExpression(newInvocation.WithoutLeadingTrivia()).WithLeadingTrivia(invocation.GetLeadingTrivia());
        editor.ReplaceNode(invocation, awaited);
        return editor.GetChangedDocument();
    }

    private static string FreeName(SemanticModel model, LambdaExpressionSyntax lambda, params string[] candidates)
    {
        var inside = new HashSet<string>(lambda.DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText));
        foreach (var name in candidates)
        {
            if (!inside.Contains(name) && model.LookupSymbols(lambda.SpanStart, name: name).IsEmpty)
            {
                return name;
            }
        }

        for (var i = 1; ; i++)
        {
            var name = "ct" + i;
            if (!inside.Contains(name) && model.LookupSymbols(lambda.SpanStart, name: name).IsEmpty)
            {
                return name;
            }
        }
    }
}

using Microsoft.CodeAnalysis.Editing;

namespace ConcurrencyGuard.CodeFixes.Tasks;

/// <summary>
/// Fixes CG1005 when the diagnostic carries the token in scope (<see cref="TokenInScope"/>): the loop
/// runs while <c>!token.IsCancellationRequested</c>. <c>while (true)</c>/<c>do ... while (true)</c>/<c>for (;;)</c>
/// get that condition; an unchanging condition gets <c>&amp;&amp; !token.IsCancellationRequested</c>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(EndlessBackgroundLoopFixer)), Shared]
public sealed class EndlessBackgroundLoopFixer : ConcurrencyGuardFixer
{
    public EndlessBackgroundLoopFixer()
        : base(RuleIdentifiers.EndlessBackgroundLoop)
    {
    }

    protected override CodeAction? GetFix(FixScope scope, Diagnostic diagnostic)
    {
        var model = scope.Model!;
        if (!TokenInScope.TryGetTokenExpression(diagnostic, out var token))
        {
            return null;
        }

        var loop = scope.Root.FindToken(diagnostic.Location.SourceSpan.Start).Parent;
        if (loop is not (WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax) || !EndMayBeReachable(loop, model, scope.CancellationToken))
        {
            return null;
        }

        return CodeAction.Create($"Loop while '{token}' is not cancelled", ct => AddCheckAsync(scope.Document, loop, token, ct), equivalenceKey: "LoopUntilCancelled");
    }

    private static async Task<Document> AddCheckAsync(Document document, SyntaxNode loop, ExpressionSyntax token, CancellationToken ct)
    {
        var editor = await DocumentEditor.CreateAsync(document, ct).ConfigureAwait(false);
        var notCancelled = SyntaxFactory.PrefixUnaryExpression(
            SyntaxKind.LogicalNotExpression,
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, token.WithoutTrivia(), SyntaxFactory.IdentifierName("IsCancellationRequested")));

        switch (loop)
        {
            case WhileStatementSyntax whileLoop:
                editor.ReplaceNode(whileLoop.Condition, Combine(whileLoop.Condition, notCancelled).WithTriviaFrom(whileLoop.Condition));
                break;
            case DoStatementSyntax doLoop:
                editor.ReplaceNode(doLoop.Condition, Combine(doLoop.Condition, notCancelled).WithTriviaFrom(doLoop.Condition));
                break;
            case ForStatementSyntax { Condition: { } condition }:
                editor.ReplaceNode(condition, Combine(condition, notCancelled).WithTriviaFrom(condition));
                break;
            case ForStatementSyntax { Declaration: null, Initializers.Count: 0, Incrementors.Count: 0 } forLoop:
                var asWhile = SyntaxFactory.WhileStatement(notCancelled, forLoop.Statement)
                    .WithWhileKeyword(SyntaxFactory.Token(SyntaxKind.WhileKeyword).WithTriviaFrom(forLoop.ForKeyword))
                    .WithOpenParenToken(forLoop.OpenParenToken)
                    .WithCloseParenToken(forLoop.CloseParenToken);
                editor.ReplaceNode(forLoop, asWhile);
                break;
            case ForStatementSyntax forLoop:
                editor.ReplaceNode(forLoop, forLoop.WithCondition(notCancelled)
                    .WithFirstSemicolonToken(forLoop.FirstSemicolonToken.WithTrailingTrivia(SyntaxFactory.Space)));
                break;
        }

        return editor.GetChangedDocument();
    }

    /// <summary>
    /// After the fix the loop can end, so the end of its function can be reached: fine for void functions and
    /// async functions returning Task/ValueTask, a compile error (or another overload) for anything that must return a value.
    /// </summary>
    private static bool EndMayBeReachable(SyntaxNode loop, SemanticModel model, CancellationToken ct)
    {
        var function = loop.Ancestors().FirstOrDefault(a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or CompilationUnitSyntax);
        if (function is null or CompilationUnitSyntax)
        {
            return false;
        }

        var symbol = function is AnonymousFunctionExpressionSyntax
            ? model.GetSymbolInfo(function, ct).Symbol as IMethodSymbol
            : model.GetDeclaredSymbol(function, ct) as IMethodSymbol;
        if (symbol is null)
        {
            return false;
        }

        var types = WellKnownTypes.GetOrCreate(model.Compilation);
        return symbol.ReturnsVoid
            || symbol.IsAsync && (SymbolEqualityComparer.Default.Equals(symbol.ReturnType, types.Task) || SymbolEqualityComparer.Default.Equals(symbol.ReturnType, types.ValueTask))
            || IsTaskRunLambdaThatNeverReturns(function, symbol, model, ct);
    }

    /// <summary>
    /// <c>Task.Run(() =&gt; { while (true) { ... } })</c>: a lambda whose end cannot be reached binds to
    /// <c>Func&lt;Task&gt;</c>; once the loop can end it binds to <c>Task.Run(Action)</c>, which returns the same Task.
    /// </summary>
    private static bool IsTaskRunLambdaThatNeverReturns(SyntaxNode function, IMethodSymbol symbol, SemanticModel model, CancellationToken ct)
    {
        if (symbol.IsAsync
            || function is not AnonymousFunctionExpressionSyntax { Block: { } block, Parent: ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax invocation } } }
            || block.DescendantNodes(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)).OfType<ReturnStatementSyntax>().Any())
        {
            return false;
        }

        return model.GetSymbolInfo(invocation, ct).Symbol is IMethodSymbol { IsGenericMethod: false } run && WellKnownTypes.GetOrCreate(model.Compilation).IsTaskRun(run);
    }

    private static ExpressionSyntax Combine(ExpressionSyntax condition, ExpressionSyntax notCancelled)
    {
        if (condition is LiteralExpressionSyntax { RawKind: (int)SyntaxKind.TrueLiteralExpression })
        {
            return notCancelled;
        }

        var left = condition is BinaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalOrExpression } or ConditionalExpressionSyntax or AssignmentExpressionSyntax
            ? SyntaxFactory.ParenthesizedExpression(condition.WithoutTrivia())
            : condition.WithoutTrivia();
        return SyntaxFactory.BinaryExpression(SyntaxKind.LogicalAndExpression, left, notCancelled);
    }
}

using ConcurrencyGuard.Analyzers.Closures;
using Microsoft.CodeAnalysis.Editing;

namespace ConcurrencyGuard.CodeFixes.Closures;

/// <summary>
/// Fixes CG5003 where it can: the work is started by a statement (<c>Task.Run(...);</c> or
/// <c>_ = Task.Run(...);</c>) inside an async function, so it becomes <c>await Task.Run(...);</c> and
/// finishes inside the resource's scope. Elsewhere (a stored task, a timer, a sync method) no fix is offered:
/// the right change (await later, acquire the resource inside the lambda) needs a human.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DisposedResourceCapturedFixer)), Shared]
public sealed class DisposedResourceCapturedFixer : DocumentFixer
{
    private const string EquivalenceKey = "AwaitInsideScope";

    public DisposedResourceCapturedFixer()
        : base(RuleIdentifiers.DisposedResourceCaptured)
    {
    }

    protected override CodeAction? GetFix(FixScope scope, Diagnostic diagnostic)
    {
        var model = scope.Model!;
        if (Resolve(scope.Root, model, diagnostic, scope.CancellationToken) is null)
        {
            return null;
        }

        return FixOne(scope, diagnostic, "Await the work inside the resource's scope", EquivalenceKey);
    }

    private static ExpressionStatementSyntax? Resolve(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken ct)
    {
        if (!diagnostic.Properties.ContainsKey(DisposedResourceCapturedAnalyzer.AwaitableStatementProperty))
        {
            return null;
        }

        var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        var function = node.AncestorsAndSelf().FirstOrDefault(n => n is AnonymousFunctionExpressionSyntax or ArgumentSyntax);
        var statement = function?.Ancestors().OfType<StatementSyntax>().FirstOrDefault() as ExpressionStatementSyntax;
        if (statement is null || !FixHelpers.CanAwaitAt(statement, model, ct))
        {
            return null;
        }

        return statement;
    }

    protected override async Task<Document> FixDocumentAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken ct)
    {
        var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(ct).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return document;
        }

        var statements = new HashSet<ExpressionStatementSyntax>(diagnostics.Select(d => Resolve(root, model, d, ct)).OfType<ExpressionStatementSyntax>());
        if (statements.Count == 0)
        {
            return document;
        }

        var editor = await DocumentEditor.CreateAsync(document, ct).ConfigureAwait(false);
        foreach (var statement in statements)
        {
            var expression = statement.Expression is AssignmentExpressionSyntax { Left: IdentifierNameSyntax { Identifier.ValueText: "_" } } discard
                ? discard.Right
                : statement.Expression;
            var awaited = SyntaxFactory.AwaitExpression(expression.WithoutLeadingTrivia()).WithLeadingTrivia(statement.Expression.GetLeadingTrivia());
            editor.ReplaceNode(statement.Expression, awaited);
        }

        return editor.GetChangedDocument();
    }
}

using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;

namespace ConcurrencyGuard.CodeFixes.Tasks;

/// <summary>
/// Fixes CG1001 and the compiler's CS4014: <c>await</c> the task where the function is async,
/// track it with the runtime guard's <c>Forget()</c> when that package is referenced, or discard it
/// explicitly (<c>_ = ...;</c>) to state the intent.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DroppedTaskFixer)), Shared]
public sealed class DroppedTaskFixer : ConcurrencyGuardFixer
{
    public const string CompilerUnawaitedCallId = "CS4014";

    public DroppedTaskFixer()
        : base(RuleIdentifiers.DroppedTask, CompilerUnawaitedCallId)
    {
    }

    protected override IEnumerable<CodeAction> GetFixes(FixScope scope, Diagnostic diagnostic)
    {
        var model = scope.Model!;
        var node = scope.FindNode(diagnostic);
        var statement = node.FirstAncestorOrSelf<ExpressionStatementSyntax>();
        if (statement is null || statement.Expression.Span != diagnostic.Location.SourceSpan && !statement.Expression.Span.Contains(diagnostic.Location.SourceSpan))
        {
            yield break;
        }

        if (FixHelpers.CanAwaitAt(statement, model, scope.CancellationToken))
        {
            yield return CodeAction.Create("Await the task", ct => AwaitAsync(scope.Document, statement, ct), equivalenceKey: "Await");
        }

        if (FixHelpers.HasRuntimeForget(model.Compilation))
        {
            yield return CodeAction.Create("Track the task with Forget()", ct => ForgetAsync(scope.Document, statement, ct), equivalenceKey: "Forget");
        }

        yield return CodeAction.Create("Discard the task explicitly (_ =)", ct => DiscardAsync(scope.Document, statement, ct), equivalenceKey: "Discard");
    }

    private static async Task<Document> AwaitAsync(Document document, ExpressionStatementSyntax statement, CancellationToken ct)
    {
        var editor = await DocumentEditor.CreateAsync(document, ct).ConfigureAwait(false);
        var expression = statement.Expression.WithoutLeadingTrivia();
        var awaited = SyntaxFactory.AwaitExpression(expression).WithLeadingTrivia(statement.Expression.GetLeadingTrivia());
        editor.ReplaceNode(statement.Expression, awaited);
        return editor.GetChangedDocument();
    }

    private static async Task<Document> DiscardAsync(Document document, ExpressionStatementSyntax statement, CancellationToken ct)
    {
        var editor = await DocumentEditor.CreateAsync(document, ct).ConfigureAwait(false);
        var discard = FixHelpers.Discard(statement.Expression.WithoutLeadingTrivia())
            .WithLeadingTrivia(statement.Expression.GetLeadingTrivia());
        editor.ReplaceNode(statement.Expression, discard);
        return editor.GetChangedDocument();
    }

    private static async Task<Document> ForgetAsync(Document document, ExpressionStatementSyntax statement, CancellationToken ct)
    {
        var editor = await DocumentEditor.CreateAsync(document, ct).ConfigureAwait(false);
        var tracked = FixHelpers.CallForget(statement.Expression.WithoutTrivia()).WithTriviaFrom(statement.Expression);
        editor.ReplaceNode(statement.Expression, tracked);
        var root = editor.GetChangedRoot();
        var changed = document.WithSyntaxRoot(root);
        return await FixHelpers.AddUsingAsync(changed, FixHelpers.RuntimeNamespace, ct).ConfigureAwait(false);
    }
}

using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyGuard.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;

namespace ConcurrencyGuard.CodeFixes.Tasks;

/// <summary>
/// Fixes CG1001 and the compiler's CS4014: <c>await</c> the task where the function is async,
/// track it with the runtime guard's <c>Forget()</c> when that package is referenced, or discard it
/// explicitly (<c>_ = ...;</c>) to state the intent.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DroppedTaskFixer)), Shared]
public sealed class DroppedTaskFixer : CodeFixProvider
{
    public const string CompilerUnawaitedCallId = "CS4014";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(RuleIdentifiers.DroppedTask, CompilerUnawaitedCallId);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            var statement = node.FirstAncestorOrSelf<ExpressionStatementSyntax>();
            if (statement is null || statement.Expression.Span != diagnostic.Location.SourceSpan && !statement.Expression.Span.Contains(diagnostic.Location.SourceSpan))
            {
                continue;
            }

            if (FixHelpers.CanAwaitAt(statement, model, context.CancellationToken))
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Await the task", ct => AwaitAsync(context.Document, statement, ct), equivalenceKey: "Await"),
                    diagnostic);
            }

            if (FixHelpers.HasRuntimeForget(model.Compilation))
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Track the task with Forget()", ct => ForgetAsync(context.Document, statement, ct), equivalenceKey: "Forget"),
                    diagnostic);
            }

            context.RegisterCodeFix(
                CodeAction.Create("Discard the task explicitly (_ =)", ct => DiscardAsync(context.Document, statement, ct), equivalenceKey: "Discard"),
                diagnostic);
        }
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

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
using Microsoft.CodeAnalysis.Operations;

namespace ConcurrencyGuard.CodeFixes.Blocking;

/// <summary>
/// Fixes CG6005: adds <c>TaskCreationOptions.RunContinuationsAsynchronously</c> (as the only argument, after the
/// state, or combined with the existing options), and replaces a <c>TaskContinuationOptions.RunContinuationsAsynchronously</c>
/// passed as the state by the <c>TaskCreationOptions</c> value it was meant to be.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(TaskCompletionSourceInlineContinuationsFixer)), Shared]
public sealed class TaskCompletionSourceInlineContinuationsFixer : CodeFixProvider
{
    private const string EquivalenceKey = "RunContinuationsAsynchronously";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.TaskCompletionSourceInlineContinuations);

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
            var creation = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<BaseObjectCreationExpressionSyntax>();
            if (creation is null || model.GetOperation(creation, context.CancellationToken) is not IObjectCreationOperation operation
                || Rewrite(creation, operation) is not { } replacement)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create("Add TaskCreationOptions.RunContinuationsAsynchronously", ct => ReplaceAsync(context.Document, creation, replacement, ct), EquivalenceKey),
                diagnostic);
        }
    }

    private static SyntaxNode? Rewrite(BaseObjectCreationExpressionSyntax creation, IObjectCreationOperation operation)
    {
        var option = AwaitSyntax.QualifiedMember("System.Threading.Tasks.TaskCreationOptions", "RunContinuationsAsynchronously");
        var argumentList = creation.ArgumentList ?? SyntaxFactory.ArgumentList();
        foreach (var argument in operation.Arguments)
        {
            if (argument.Syntax is not ArgumentSyntax syntax)
            {
                continue;
            }

            if (syntax.NameColon is not null)
            {
                return null;
            }

            if (argument.Parameter?.Type.Name == "TaskCreationOptions")
            {
                var combined = SyntaxFactory.BinaryExpression(SyntaxKind.BitwiseOrExpression, syntax.Expression.WithoutTrivia(), option).WithTriviaFrom(syntax.Expression);
                return creation.ReplaceNode(syntax.Expression, combined);
            }

            if (argument.Value is IConversionOperation { Operand: IFieldReferenceOperation { Field: { Name: "RunContinuationsAsynchronously", ContainingType.Name: "TaskContinuationOptions" } } })
            {
                return creation.ReplaceNode(syntax.Expression, option.WithTriviaFrom(syntax.Expression));
            }
        }

        if (argumentList.Arguments.Count > 1)
        {
            return null;
        }

        var newList = argumentList.AddArguments(SyntaxFactory.Argument(option));
        return creation.ArgumentList is null && creation is ObjectCreationExpressionSyntax objectCreation
            ? objectCreation.WithType(objectCreation.Type.WithoutTrailingTrivia()).WithArgumentList(newList.WithTrailingTrivia(objectCreation.Type.GetTrailingTrivia()))
            : creation.WithArgumentList(newList);
    }

    private static async Task<Document> ReplaceAsync(Document document, SyntaxNode oldNode, SyntaxNode newNode, CancellationToken ct)
    {
        var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        return root is null ? document : document.WithSyntaxRoot(root.ReplaceNode(oldNode, newNode));
    }
}

using Microsoft.CodeAnalysis.Operations;

namespace ConcurrencyGuard.CodeFixes.Blocking;

/// <summary>
/// Fixes CG6005: adds <c>TaskCreationOptions.RunContinuationsAsynchronously</c> (as the only argument, after the
/// state, or combined with the existing options), and replaces a <c>TaskContinuationOptions.RunContinuationsAsynchronously</c>
/// passed as the state by the <c>TaskCreationOptions</c> value it was meant to be.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(TaskCompletionSourceInlineContinuationsFixer)), Shared]
public sealed class TaskCompletionSourceInlineContinuationsFixer : ConcurrencyGuardFixer
{
    private const string EquivalenceKey = "RunContinuationsAsynchronously";

    public TaskCompletionSourceInlineContinuationsFixer()
        : base(RuleIdentifiers.TaskCompletionSourceInlineContinuations)
    {
    }

    protected override CodeAction? GetFix(FixScope scope, Diagnostic diagnostic)
    {
        var model = scope.Model!;
        var creation = scope.FindNode(diagnostic).FirstAncestorOrSelf<BaseObjectCreationExpressionSyntax>();
        if (creation is null || model.GetOperation(creation, scope.CancellationToken) is not IObjectCreationOperation operation
            || Rewrite(creation, operation) is not { } replacement)
        {
            return null;
        }

        return scope.Replace("Add TaskCreationOptions.RunContinuationsAsynchronously", creation, replacement, EquivalenceKey);
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
}

using ConcurrencyGuard.Analyzers.Tasks;
using Microsoft.CodeAnalysis.Editing;

namespace ConcurrencyGuard.CodeFixes.Tasks;

/// <summary>
/// Fixes CG1006: <c>Task.Factory.StartNew(async ...)</c> becomes <c>Task.Run(async ...)</c> (only when the
/// call passes nothing Task.Run cannot express: no state, no options but DenyChildAttach, no scheduler but
/// TaskScheduler.Default), or gets <c>.Unwrap()</c>. Both change the result from <c>Task&lt;Task&gt;</c> to
/// <c>Task</c>, so the analyzer offers them only where that keeps the code compiling.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(StartNewAsyncDelegateFixer)), Shared]
public sealed class StartNewAsyncDelegateFixer : ConcurrencyGuardFixer
{
    public StartNewAsyncDelegateFixer()
        : base(RuleIdentifiers.StartNewAsyncDelegate)
    {
    }

    protected override bool UsesSemanticModel => false;

    protected override IEnumerable<CodeAction> GetFixes(FixScope scope, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.ContainsKey(StartNewAsyncDelegateAnalyzer.CanUnwrapProperty))
        {
            yield break;
        }

        var node = scope.FindNode(diagnostic);
        if (node.FirstAncestorOrSelf<InvocationExpressionSyntax>() is not { Expression: MemberAccessExpressionSyntax access } invocation
            || invocation.Expression.Span != diagnostic.Location.SourceSpan)
        {
            yield break;
        }

        if (diagnostic.Properties.ContainsKey(StartNewAsyncDelegateAnalyzer.CanUseTaskRunProperty)
            && access.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Factory" })
        {
            yield return CodeAction.Create("Use Task.Run", ct => UseTaskRunAsync(scope.Document, invocation, ct), equivalenceKey: "TaskRun");
        }

        yield return CodeAction.Create("Call Unwrap()", ct => UnwrapAsync(scope.Document, invocation, ct), equivalenceKey: "Unwrap");
    }

    private static async Task<Document> UseTaskRunAsync(Document document, InvocationExpressionSyntax invocation, CancellationToken ct)
    {
        var editor = await DocumentEditor.CreateAsync(document, ct).ConfigureAwait(false);
        var access = (MemberAccessExpressionSyntax)invocation.Expression;
        var factory = (MemberAccessExpressionSyntax)access.Expression;
        var run = access.WithExpression(factory.Expression).WithName(SyntaxFactory.IdentifierName("Run").WithTriviaFrom(access.Name));

        // Keep the delegate and the token; the options and scheduler are what Task.Run already does.
        var kept = SyntaxFactory.SeparatedList<ArgumentSyntax>();
        foreach (var argument in invocation.ArgumentList.Arguments)
        {
            var type = editor.SemanticModel.GetTypeInfo(argument.Expression, ct).ConvertedType;
            if (type?.Name is "TaskCreationOptions" or "TaskScheduler")
            {
                continue;
            }

            kept = kept.Add(argument);
        }

        var replacement = invocation
            .WithExpression(run)
            .WithArgumentList(invocation.ArgumentList.WithArguments(kept));
        editor.ReplaceNode(invocation, replacement);
        return editor.GetChangedDocument();
    }

    private static async Task<Document> UnwrapAsync(Document document, InvocationExpressionSyntax invocation, CancellationToken ct)
    {
        var editor = await DocumentEditor.CreateAsync(document, ct).ConfigureAwait(false);
        var model = editor.SemanticModel;
        var unwrapped = SyntaxFactory.InvocationExpression(
                SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, invocation.WithoutTrailingTrivia(), SyntaxFactory.IdentifierName("Unwrap")))
            .WithTrailingTrivia(invocation.GetTrailingTrivia());
        editor.ReplaceNode(invocation, unwrapped);
        var changed = editor.GetChangedDocument();

        // Unwrap is an extension method of System.Threading.Tasks.TaskExtensions.
        var nested = model.GetTypeInfo(invocation, ct).Type;
        var visible = nested is not null
            && model.LookupSymbols(invocation.SpanStart, nested, "Unwrap", includeReducedExtensionMethods: true).Any();
        return visible ? changed : await FixHelpers.AddUsingAsync(changed, "System.Threading.Tasks", ct).ConfigureAwait(false);
    }
}

using ConcurrencyGuard.Analyzers.Channels;

namespace ConcurrencyGuard.CodeFixes.Channels;

/// <summary>
/// Fixes CG4003: adds <c>boundedCapacity: N</c> to the BlockingCollection constructor (after the collection
/// argument when there is one). N comes from <c>concurrency_guard.channel_capacity</c> (default 1000).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UnboundedBlockingCollectionFixer)), Shared]
public sealed class UnboundedBlockingCollectionFixer : ConcurrencyGuardFixer
{
    public UnboundedBlockingCollectionFixer()
        : base(RuleIdentifiers.UnboundedBlockingCollection)
    {
    }

    protected override bool UsesSemanticModel => false;

    protected override CodeAction? GetFix(FixScope scope, Diagnostic diagnostic)
    {
        if (scope.FindNode(diagnostic).FirstAncestorOrSelf<BaseObjectCreationExpressionSyntax>() is not { } creation
            || creation.Span != diagnostic.Location.SourceSpan
            || creation.ArgumentList is { Arguments.Count: > 1 })
        {
            return null;
        }

        var capacity = diagnostic.Properties.TryGetValue(UnboundedChannelAnalyzer.CapacityProperty, out var raw) && int.TryParse(raw, out var n) && n > 0
            ? n
            : UnboundedChannelAnalyzer.DefaultCapacity;
        return CodeAction.Create(
            $"Bound the collection (boundedCapacity: {capacity}, Add blocks when full)",
            _ => Task.FromResult(scope.Document.WithSyntaxRoot(scope.Root.ReplaceNode(creation, AddCapacity(creation, capacity)))),
            equivalenceKey: "BoundedCapacity");
    }

    private static BaseObjectCreationExpressionSyntax AddCapacity(BaseObjectCreationExpressionSyntax creation, int capacity)
    {
        var argument = SyntaxFactory.Argument(SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(capacity)))
            .WithNameColon(SyntaxFactory.NameColon(SyntaxFactory.IdentifierName("boundedCapacity")).WithTrailingTrivia(SyntaxFactory.Space));
        if (creation.ArgumentList is null)
        {
            // new BlockingCollection<T> { 1, 2 }: the type's trailing trivia moves after the new argument list.
            var typed = (ObjectCreationExpressionSyntax)creation;
            return typed
                .WithType(typed.Type.WithoutTrailingTrivia())
                .WithArgumentList(SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(argument)).WithTrailingTrivia(typed.Type.GetTrailingTrivia()));
        }

        var arguments = creation.ArgumentList.Arguments.Count == 0
            ? SyntaxFactory.SingletonSeparatedList(argument)
            : creation.ArgumentList.Arguments.Add(argument);
        if (arguments.SeparatorCount > 0)
        {
            arguments = arguments.ReplaceSeparator(arguments.GetSeparator(0), SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space));
        }

        return creation.WithArgumentList(creation.ArgumentList.WithArguments(arguments));
    }
}

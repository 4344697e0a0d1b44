using ConcurrencyGuard.Analyzers.Channels;
using Microsoft.CodeAnalysis.Simplification;

namespace ConcurrencyGuard.CodeFixes.Channels;

/// <summary>
/// Fixes CG4001: <c>Channel.CreateUnbounded&lt;T&gt;(options)</c> becomes
/// <c>Channel.CreateBounded&lt;T&gt;(new BoundedChannelOptions(N) { FullMode = BoundedChannelFullMode.Wait, ... })</c>,
/// carrying over SingleReader, SingleWriter and AllowSynchronousContinuations. N comes from the diagnostic
/// (<c>concurrency_guard.channel_capacity</c>, default 1000). Not offered for <c>CreateUnboundedPrioritized</c>
/// (the framework has no bounded prioritized channel) nor when the options expression cannot be carried over.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UnboundedChannelFixer)), Shared]
public sealed class UnboundedChannelFixer : ConcurrencyGuardFixer
{
    private const string OptionsType = "System.Threading.Channels.BoundedChannelOptions";
    private const string FullModeType = "System.Threading.Channels.BoundedChannelFullMode";
    private static readonly string[] CarriedOptions = { "SingleReader", "SingleWriter", "AllowSynchronousContinuations" };

    public UnboundedChannelFixer()
        : base(RuleIdentifiers.UnboundedChannel)
    {
    }

    protected override CodeAction? GetFix(FixScope scope, Diagnostic diagnostic)
    {
        var model = scope.Model!;
        if (scope.FindNode(diagnostic).FirstAncestorOrSelf<InvocationExpressionSyntax>() is not { } invocation
            || invocation.Span != diagnostic.Location.SourceSpan)
        {
            return null;
        }

        var capacity = diagnostic.Properties.TryGetValue(UnboundedChannelAnalyzer.CapacityProperty, out var raw) && int.TryParse(raw, out var n) && n > 0
            ? n
            : UnboundedChannelAnalyzer.DefaultCapacity;
        var replacement = TryBuildBounded(invocation, model, capacity, scope.CancellationToken);
        if (replacement is null)
        {
            return null;
        }

        return CodeAction.Create(
            $"Use a bounded channel (capacity {capacity}, producers wait when full)",
            _ => Task.FromResult(scope.Document.WithSyntaxRoot(scope.Root.ReplaceNode(invocation, replacement))),
            equivalenceKey: "BoundedChannel");
    }

    private static InvocationExpressionSyntax? TryBuildBounded(InvocationExpressionSyntax invocation, SemanticModel model, int capacity, CancellationToken ct)
    {
        if (model.GetSymbolInfo(invocation, ct).Symbol is not IMethodSymbol { Name: "CreateUnbounded" })
        {
            return null;
        }

        var name = invocation.Expression switch
        {
            MemberAccessExpressionSyntax { Name: GenericNameSyntax generic } => generic,
            GenericNameSyntax generic => generic,
            _ => null,
        };
        if (name is null || invocation.ArgumentList.Arguments.Count > 1)
        {
            return null;
        }

        var fullMode = SyntaxFactory.AssignmentExpression(
            SyntaxKind.SimpleAssignmentExpression,
            SyntaxFactory.IdentifierName("FullMode"),
            SyntaxFactory.ParseExpression("global::" + FullModeType + ".Wait").WithAdditionalAnnotations(Simplifier.Annotation));

        ExpressionSyntax? options;
        if (invocation.ArgumentList.Arguments.Count == 0)
        {
            options = NewOptions(capacity, NewInitializer(new ExpressionSyntax[] { fullMode }));
        }
        else
        {
            options = CarryOver(invocation.ArgumentList.Arguments[0].Expression, capacity, fullMode);
            if (options is null)
            {
                return null;
            }
        }

        var argument = invocation.ArgumentList.Arguments.Count == 0
            ? SyntaxFactory.Argument(options)
            : invocation.ArgumentList.Arguments[0].WithExpression(options.WithTriviaFrom(invocation.ArgumentList.Arguments[0].Expression));
        var newName = name.WithIdentifier(SyntaxFactory.Identifier("CreateBounded").WithTriviaFrom(name.Identifier));
        return invocation
            .ReplaceNode(name, newName)
            .WithArgumentList(invocation.ArgumentList.WithArguments(SyntaxFactory.SingletonSeparatedList(argument)));
    }

    /// <summary>Keeps the settings of an <c>UnboundedChannelOptions</c> argument.</summary>
    private static ExpressionSyntax? CarryOver(ExpressionSyntax options, int capacity, ExpressionSyntax fullMode)
    {
        switch (options)
        {
            case BaseObjectCreationExpressionSyntax creation when creation.ArgumentList is null or { Arguments.Count: 0 }:
                var existing = creation.Initializer;
                if (existing is null || existing.Expressions.Count == 0)
                {
                    return NewOptions(capacity, NewInitializer(new[] { fullMode })).WithTriviaFrom(creation);
                }

                if (!existing.Expressions.All(e => e is AssignmentExpressionSyntax { Left: IdentifierNameSyntax id } && CarriedOptions.Contains(id.Identifier.ValueText)))
                {
                    return null;
                }

                // FullMode first, laid out like the first existing entry; the user's entries and separators stay as written.
                var first = existing.Expressions[0];
                var separatorTrivia = existing.Expressions.SeparatorCount > 0
                    ? existing.Expressions.GetSeparator(0).TrailingTrivia
                    : SyntaxFactory.TriviaList(SyntaxFactory.Space);
                var nodes = new List<SyntaxNodeOrToken>
                {
                    fullMode.WithLeadingTrivia(first.GetLeadingTrivia()),
                    SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(separatorTrivia),
                };
                nodes.AddRange(existing.Expressions.GetWithSeparators());
                var initializer = existing.WithExpressions(SyntaxFactory.SeparatedList<ExpressionSyntax>(nodes));

                // Keep the user's layout: the trivia before '{' (a line break in Allman style) stays where it was.
                var beforeBrace = creation.ArgumentList?.GetTrailingTrivia()
                    ?? (creation as ObjectCreationExpressionSyntax)?.Type.GetTrailingTrivia()
                    ?? creation.NewKeyword.TrailingTrivia;
                return SyntaxFactory.ObjectCreationExpression(
                        creation.NewKeyword.WithTrailingTrivia(SyntaxFactory.Space),
                        FixHelpers.QualifiedType(OptionsType),
                        CapacityArguments(capacity).WithTrailingTrivia(beforeBrace),
                        initializer)
                    .WithTriviaFrom(creation)
                    .WithAdditionalAnnotations(Simplifier.Annotation);

            case IdentifierNameSyntax or MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax or ThisExpressionSyntax }:
                // A variable: read its settings (no side effects, evaluated once per setting).
                var list = new List<ExpressionSyntax> { fullMode };
                foreach (var option in CarriedOptions)
                {
                    list.Add(SyntaxFactory.AssignmentExpression(
                        SyntaxKind.SimpleAssignmentExpression,
                        SyntaxFactory.IdentifierName(option),
                        SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, options.WithoutTrivia(), SyntaxFactory.IdentifierName(option))));
                }

                return NewOptions(capacity, NewInitializer(list));

            default:
                return null;
        }
    }

    private static ExpressionSyntax NewOptions(int capacity, InitializerExpressionSyntax initializer) =>
        SyntaxFactory.ObjectCreationExpression(
                SyntaxFactory.Token(SyntaxKind.NewKeyword).WithTrailingTrivia(SyntaxFactory.Space),
                FixHelpers.QualifiedType(OptionsType),
                CapacityArguments(capacity).WithTrailingTrivia(SyntaxFactory.Space),
                initializer)
            .WithAdditionalAnnotations(Simplifier.Annotation);

    private static ArgumentListSyntax CapacityArguments(int capacity) =>
        SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(
            SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(capacity)))));

    private static InitializerExpressionSyntax NewInitializer(IEnumerable<ExpressionSyntax> expressions)
    {
        var items = expressions.ToList();
        var separators = Enumerable.Repeat(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space), items.Count - 1);
        return SyntaxFactory.InitializerExpression(
            SyntaxKind.ObjectInitializerExpression,
            SyntaxFactory.Token(SyntaxKind.OpenBraceToken).WithTrailingTrivia(SyntaxFactory.Space),
            SyntaxFactory.SeparatedList(items.Select(i => i.WithoutTrivia()), separators),
            SyntaxFactory.Token(SyntaxKind.CloseBraceToken).WithLeadingTrivia(SyntaxFactory.Space));
    }
}

using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyGuard.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ConcurrencyGuard.CodeFixes.Cancellation;

/// <summary>
/// Fixes CG2001: passes the token in scope, positionally when it lands in its parameter's place, as a
/// named argument otherwise; <c>await foreach</c> gets <c>.WithCancellation(token)</c>. Not offered when
/// the token was ambiguous, or when the new call would bind to something else.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(TokenNotForwardedFixer)), Shared]
public sealed class TokenNotForwardedFixer : CodeFixProvider
{
    public const string EquivalenceKey = "PassToken";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.TokenNotForwarded);

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
            if (!TokenInScope.TryGetTokenExpression(diagnostic, out var token))
            {
                continue;
            }

            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            diagnostic.Properties.TryGetValue(TokenForwarding.KindProperty, out var kind);
            if (kind == nameof(MissingTokenKind.AsyncEnumeration))
            {
                if (node is ExpressionSyntax collection && collection.Parent is CommonForEachStatementSyntax)
                {
                    context.RegisterCodeFix(
                        CodeAction.Create($"Enumerate with WithCancellation({token})", ct => WithCancellationAsync(context.Document, collection, token, ct), EquivalenceKey),
                        diagnostic);
                }

                continue;
            }

            if (node.FirstAncestorOrSelf<InvocationExpressionSyntax>() is not { } invocation || invocation.Span != diagnostic.Location.SourceSpan)
            {
                continue;
            }

            diagnostic.Properties.TryGetValue(TokenForwarding.ParameterNameProperty, out var parameterName);
            diagnostic.Properties.TryGetValue(TokenForwarding.PositionProperty, out var positionText);
            if (string.IsNullOrEmpty(parameterName) || !int.TryParse(positionText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var position))
            {
                continue;
            }

            var changed = AddTokenArgument(invocation, token, parameterName!, position);
            if (!BindsToMethodWithToken(model, invocation, changed, context.CancellationToken))
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create($"Pass {token}", ct => ReplaceAsync(context.Document, invocation, changed, ct), EquivalenceKey),
                diagnostic);
        }
    }

    /// <summary>Appends the token: <c>f(a, token)</c>, or <c>f(a, name: token)</c> when positional would land elsewhere.</summary>
    internal static InvocationExpressionSyntax AddTokenArgument(InvocationExpressionSyntax invocation, ExpressionSyntax token, string parameterName, int position)
    {
        var argument = position >= 0
            ? SyntaxFactory.Argument(token)
            : SyntaxFactory.Argument(SyntaxFactory.NameColon(SyntaxFactory.IdentifierName(parameterName)), default, token);
        var list = invocation.ArgumentList;
        var arguments = list.Arguments;
        var nodesAndTokens = arguments.GetWithSeparators();
        if (arguments.Count > 0)
        {
            nodesAndTokens = nodesAndTokens.Add(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space));
        }

        nodesAndTokens = nodesAndTokens.Add(argument);
        return invocation.WithArgumentList(list.WithArguments(SyntaxFactory.SeparatedList<ArgumentSyntax>(nodesAndTokens)));
    }

    /// <summary>The changed call still binds, to a method that has a <c>CancellationToken</c> parameter.</summary>
    internal static bool BindsToMethodWithToken(SemanticModel model, InvocationExpressionSyntax original, InvocationExpressionSyntax changed, CancellationToken ct)
    {
        var info = model.GetSpeculativeSymbolInfo(original.SpanStart, changed, SpeculativeBindingOption.BindAsExpression);
        if (info.Symbol is not IMethodSymbol method)
        {
            return false;
        }

        var tokenType = model.Compilation.GetTypeByMetadataName(WellKnownTypeNames.CancellationToken);
        foreach (var parameter in method.Parameters)
        {
            if (SymbolEqualityComparer.Default.Equals(parameter.Type, tokenType))
            {
                return true;
            }
        }

        _ = ct;
        return false;
    }

    private static async Task<Document> ReplaceAsync(Document document, SyntaxNode oldNode, SyntaxNode newNode, CancellationToken ct)
    {
        var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        return root is null ? document : document.WithSyntaxRoot(root.ReplaceNode(oldNode, newNode));
    }

    private static async Task<Document> WithCancellationAsync(Document document, ExpressionSyntax collection, ExpressionSyntax token, CancellationToken ct)
    {
        ExpressionSyntax replacement;
        if (collection is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait" } configure } configured)
        {
            replacement = configured.WithExpression(configure.WithExpression(CallWithCancellation(configure.Expression, token)));
        }
        else
        {
            replacement = CallWithCancellation(collection.WithoutTrivia(), token).WithTriviaFrom(collection);
        }

        var changed = await ReplaceAsync(document, collection, replacement, ct).ConfigureAwait(false);
        return await FixHelpers.AddUsingAsync(changed, "System.Threading.Tasks", ct).ConfigureAwait(false);
    }

    private static InvocationExpressionSyntax CallWithCancellation(ExpressionSyntax source, ExpressionSyntax token)
    {
        var receiver = source is IdentifierNameSyntax or MemberAccessExpressionSyntax or InvocationExpressionSyntax or ElementAccessExpressionSyntax or ParenthesizedExpressionSyntax or ThisExpressionSyntax
            ? source
            : SyntaxFactory.ParenthesizedExpression(source);
        return SyntaxFactory.InvocationExpression(
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, receiver, SyntaxFactory.IdentifierName("WithCancellation")),
            SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(token))));
    }
}

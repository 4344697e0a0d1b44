using System.Globalization;

namespace ConcurrencyGuard.CodeFixes.Cancellation;

/// <summary>
/// Fixes CG2001: passes the token in scope, positionally when it lands in its parameter's place, as a
/// named argument otherwise; <c>await foreach</c> gets <c>.WithCancellation(token)</c>. Not offered when
/// the token was ambiguous, or when the new call would bind to something else.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(TokenNotForwardedFixer)), Shared]
public sealed class TokenNotForwardedFixer : DocumentFixer
{
    public const string EquivalenceKey = "PassToken";

    public TokenNotForwardedFixer()
        : base(RuleIdentifiers.TokenNotForwarded)
    {
    }

    protected override CodeAction? GetFix(FixScope scope, Diagnostic diagnostic)
    {
        var model = scope.Model!;
        if (Resolve(scope.Root, model, diagnostic, scope.CancellationToken) is not { } edit)
        {
            return null;
        }

        var title = edit.Collection is not null ? $"Enumerate with WithCancellation({edit.Token})" : $"Pass {edit.Token}";
        return FixOne(scope, diagnostic, title, EquivalenceKey);
    }

    private sealed class Edit
    {
        public Edit(ExpressionSyntax token, InvocationExpressionSyntax? invocation, string? parameterName, int position, ExpressionSyntax? collection)
        {
            Token = token;
            Invocation = invocation;
            ParameterName = parameterName;
            Position = position;
            Collection = collection;
        }

        public ExpressionSyntax Token { get; }
        public InvocationExpressionSyntax? Invocation { get; }
        public string? ParameterName { get; }
        public int Position { get; }
        public ExpressionSyntax? Collection { get; }
    }

    /// <summary>What to change for one diagnostic, or null when no compiling fix exists.</summary>
    private static Edit? Resolve(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken ct)
    {
        if (!TokenInScope.TryGetTokenExpression(diagnostic, out var token))
        {
            return null;
        }

        var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        diagnostic.Properties.TryGetValue(TokenForwarding.KindProperty, out var kind);
        if (kind == nameof(MissingTokenKind.AsyncEnumeration))
        {
            return node is ExpressionSyntax collection && collection.Parent is CommonForEachStatementSyntax
                ? new Edit(token, null, null, -1, collection)
                : null;
        }

        if (node.FirstAncestorOrSelf<InvocationExpressionSyntax>() is not { } invocation || invocation.Span != diagnostic.Location.SourceSpan)
        {
            return null;
        }

        diagnostic.Properties.TryGetValue(TokenForwarding.ParameterNameProperty, out var parameterName);
        diagnostic.Properties.TryGetValue(TokenForwarding.PositionProperty, out var positionText);
        if (string.IsNullOrEmpty(parameterName) || !int.TryParse(positionText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var position))
        {
            return null;
        }

        var changed = AddTokenArgument(invocation, token, parameterName!, position);
        return BindsToMethodWithToken(model, invocation, changed, ct) ? new Edit(token, invocation, parameterName, position, null) : null;
    }

    protected override async Task<Document> FixDocumentAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken ct)
    {
        var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(ct).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return document;
        }

        var edits = new Dictionary<SyntaxNode, Edit>();
        foreach (var diagnostic in diagnostics)
        {
            if (Resolve(root, model, diagnostic, ct) is { } edit)
            {
                edits[(SyntaxNode?)edit.Invocation ?? edit.Collection!] = edit;
            }
        }

        if (edits.Count == 0)
        {
            return document;
        }

        var newRoot = root.ReplaceNodes(edits.Keys, (original, rewritten) =>
        {
            var edit = edits[original];
            return edit.Invocation is not null
                ? AddTokenArgument((InvocationExpressionSyntax)rewritten, edit.Token, edit.ParameterName!, edit.Position)
                : WithCancellation((ExpressionSyntax)rewritten, edit.Token);
        });
        var changed = document.WithSyntaxRoot(newRoot);
        return edits.Values.Any(e => e.Collection is not null)
            ? await FixHelpers.AddUsingAsync(changed, "System.Threading.Tasks", ct).ConfigureAwait(false)
            : changed;
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

    /// <summary><c>source</c> becomes <c>source.WithCancellation(token)</c>; <c>source.ConfigureAwait(x)</c> becomes <c>source.WithCancellation(token).ConfigureAwait(x)</c>.</summary>
    internal static ExpressionSyntax WithCancellation(ExpressionSyntax collection, ExpressionSyntax token)
    {
        if (collection is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait" } configure } configured)
        {
            return configured.WithExpression(configure.WithExpression(CallWithCancellation(configure.Expression, token)));
        }

        return CallWithCancellation(collection.WithoutTrivia(), token).WithTriviaFrom(collection);
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

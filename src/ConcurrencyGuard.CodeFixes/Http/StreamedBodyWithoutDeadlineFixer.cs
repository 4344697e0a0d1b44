using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyGuard.Analyzers;
using ConcurrencyGuard.CodeFixes.Cancellation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ConcurrencyGuard.CodeFixes.Http;

/// <summary>
/// Fixes CG3005: forwards the token in scope (<see cref="TokenInScope"/>, carried by the diagnostic) to the
/// body read, positionally or named exactly as CG2001's fix does. Not offered without a single token in
/// scope, nor when the call with the token would bind elsewhere.
/// </summary>
[ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(StreamedBodyWithoutDeadlineFixer)), Shared]
public sealed class StreamedBodyWithoutDeadlineFixer : CodeFixProvider
{
    public const string EquivalenceKey = "PassTokenToBodyRead";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.StreamedBodyWithoutDeadline);

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
            if (!TokenInScope.TryGetTokenExpression(diagnostic, out var token)
                || !diagnostic.Properties.TryGetValue(TokenForwarding.ParameterNameProperty, out var parameterName)
                || string.IsNullOrEmpty(parameterName)
                || !diagnostic.Properties.TryGetValue(TokenForwarding.PositionProperty, out var positionText)
                || !int.TryParse(positionText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var position)
                || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>() is not { } invocation
                || invocation.Span != diagnostic.Location.SourceSpan)
            {
                continue;
            }

            var changed = TokenNotForwardedFixer.AddTokenArgument(invocation, token, parameterName!, position);
            if (!TokenNotForwardedFixer.BindsToMethodWithToken(model, invocation, changed, context.CancellationToken))
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create($"Pass {token} to the body read", ct => ReplaceAsync(context.Document, invocation, changed, ct), EquivalenceKey),
                diagnostic);
        }
    }

    private static async Task<Document> ReplaceAsync(Document document, SyntaxNode oldNode, SyntaxNode newNode, CancellationToken ct)
    {
        var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        return root is null ? document : document.WithSyntaxRoot(root.ReplaceNode(oldNode, newNode));
    }
}

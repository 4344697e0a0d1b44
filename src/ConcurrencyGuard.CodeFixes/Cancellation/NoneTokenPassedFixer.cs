using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyGuard.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ConcurrencyGuard.CodeFixes.Cancellation;

/// <summary>Fixes CG2002: replaces <c>CancellationToken.None</c>/<c>default</c> with the token in scope (not offered when ambiguous).</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(NoneTokenPassedFixer)), Shared]
public sealed class NoneTokenPassedFixer : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.NoneTokenPassed);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (!TokenInScope.TryGetTokenExpression(diagnostic, out var token)
                || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax value
                || value.Span != diagnostic.Location.SourceSpan)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Pass {token}",
                    ct => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(value, token.WithTriviaFrom(value)))),
                    equivalenceKey: "PassToken"),
                diagnostic);
        }
    }
}

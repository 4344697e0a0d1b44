using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using ConcurrencyGuard.Analyzers;
using ConcurrencyGuard.Analyzers.Cancellation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ConcurrencyGuard.CodeFixes.Cancellation;

/// <summary>Fixes CG2004 with a <c>using</c> declaration (offered only where the analyzer found it compiles: single declarator in a block, never reassigned, C# 8+).</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UndisposedTokenSourceFixer)), Shared]
public sealed class UndisposedTokenSourceFixer : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.UndisposedTokenSource);

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
            if (!diagnostic.Properties.ContainsKey(UndisposedTokenSourceAnalyzer.CanUseUsingProperty)
                || root.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.FirstAncestorOrSelf<LocalDeclarationStatementSyntax>() is not { } statement
                || statement.UsingKeyword.IsKind(SyntaxKind.UsingKeyword))
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create("Dispose it with a 'using' declaration", _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(statement, AddUsing(statement)))), "UsingDeclaration"),
                diagnostic);
        }
    }

    private static LocalDeclarationStatementSyntax AddUsing(LocalDeclarationStatementSyntax statement)
    {
        var usingKeyword = SyntaxFactory.Token(statement.GetLeadingTrivia(), SyntaxKind.UsingKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space));
        return statement.WithoutLeadingTrivia().WithUsingKeyword(usingKeyword);
    }
}

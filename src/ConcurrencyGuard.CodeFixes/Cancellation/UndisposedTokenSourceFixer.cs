using ConcurrencyGuard.Analyzers.Cancellation;

namespace ConcurrencyGuard.CodeFixes.Cancellation;

/// <summary>Fixes CG2004 with a <c>using</c> declaration (offered only where the analyzer found it compiles: single declarator in a block, never reassigned, C# 8+).</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UndisposedTokenSourceFixer)), Shared]
public sealed class UndisposedTokenSourceFixer : ConcurrencyGuardFixer
{
    public UndisposedTokenSourceFixer()
        : base(RuleIdentifiers.UndisposedTokenSource)
    {
    }

    protected override bool UsesSemanticModel => false;

    protected override CodeAction? GetFix(FixScope scope, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.ContainsKey(UndisposedTokenSourceAnalyzer.CanUseUsingProperty)
            || scope.Root.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.FirstAncestorOrSelf<LocalDeclarationStatementSyntax>() is not { } statement
            || statement.UsingKeyword.IsKind(SyntaxKind.UsingKeyword))
        {
            return null;
        }

        return CodeAction.Create("Dispose it with a 'using' declaration", _ => Task.FromResult(scope.Document.WithSyntaxRoot(scope.Root.ReplaceNode(statement, AddUsing(statement)))), "UsingDeclaration");
    }

    private static LocalDeclarationStatementSyntax AddUsing(LocalDeclarationStatementSyntax statement)
    {
        var usingKeyword = SyntaxFactory.Token(statement.GetLeadingTrivia(), SyntaxKind.UsingKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space));
        return statement.WithoutLeadingTrivia().WithUsingKeyword(usingKeyword);
    }
}

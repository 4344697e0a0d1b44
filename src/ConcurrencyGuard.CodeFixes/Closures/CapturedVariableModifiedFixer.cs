using ConcurrencyGuard.Analyzers.Closures;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;

namespace ConcurrencyGuard.CodeFixes.Closures;

/// <summary>
/// Fixes CG5002: <c>var xCopy = x;</c> right before the statement that creates the lambda, and the lambda
/// reads <c>xCopy</c>. Offered only for lambdas and anonymous methods whose statement sits in a block, and
/// not when the deferred code writes the variable itself (the copy would swallow the write).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(CapturedVariableModifiedFixer)), Shared]
public sealed class CapturedVariableModifiedFixer : DocumentFixer
{
    private const string EquivalenceKey = "CopyCapturedVariable";

    public CapturedVariableModifiedFixer()
        : base(RuleIdentifiers.CapturedVariableModified)
    {
    }

    protected override bool UsesSemanticModel => false;

    protected override CodeAction? GetFix(FixScope scope, Diagnostic diagnostic)
    {
        if (Resolve(scope.Root, diagnostic) is not { } target)
        {
            return null;
        }

        return FixOne(scope, diagnostic, $"Copy '{target.Name}' to a new local before the lambda", EquivalenceKey);
    }

    private sealed class Target
    {
        public Target(StatementSyntax statement, string name, ImmutableArray<IdentifierNameSyntax> references)
        {
            Statement = statement;
            Name = name;
            References = references;
        }

        public StatementSyntax Statement { get; }
        public string Name { get; }
        public ImmutableArray<IdentifierNameSyntax> References { get; }
    }

    private static Target? Resolve(SyntaxNode root, Diagnostic diagnostic)
    {
        if (diagnostic.Properties.ContainsKey(CapturedVariableModifiedAnalyzer.WrittenInsideProperty)
            || !diagnostic.Properties.TryGetValue(CapturedVariableModifiedAnalyzer.VariableNameProperty, out var name)
            || name is null)
        {
            return null;
        }

        var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        var function = node.AncestorsAndSelf().OfType<AnonymousFunctionExpressionSyntax>().FirstOrDefault();
        var statement = function?.Ancestors().OfType<StatementSyntax>().FirstOrDefault();
        if (function is null || statement?.Parent is not (BlockSyntax or SwitchSectionSyntax))
        {
            return null;
        }

        var references = ImmutableArray.CreateBuilder<IdentifierNameSyntax>();
        foreach (var location in diagnostic.AdditionalLocations)
        {
            if (root.FindNode(location.SourceSpan, getInnermostNodeForTie: true) is not IdentifierNameSyntax identifier
                || identifier.Identifier.ValueText != name
                || !function.Span.Contains(identifier.Span))
            {
                return null;
            }

            references.Add(identifier);
        }

        return references.Count == 0 ? null : new Target(statement, name, references.ToImmutable());
    }

    protected override async Task<Document> FixDocumentAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken ct)
    {
        var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var editor = await DocumentEditor.CreateAsync(document, ct).ConfigureAwait(false);
        var taken = new HashSet<string>();
        var replaced = new HashSet<IdentifierNameSyntax>();
        foreach (var target in diagnostics.Select(d => Resolve(root, d)).OfType<Target>().OrderBy(t => t.Statement.SpanStart).ThenBy(t => t.Name, System.StringComparer.Ordinal))
        {
            if (target.References.Any(r => !replaced.Add(r)))
            {
                continue; // already handled through another diagnostic of the same lambda and variable
            }

            var copyName = FixHelpers.UniqueName(target.Statement, target.Name + "Copy", taken);
            foreach (var reference in target.References)
            {
                editor.ReplaceNode(reference, SyntaxFactory.IdentifierName(copyName).WithTriviaFrom(reference));
            }

            var declaration = SyntaxFactory.ParseStatement($"var {copyName} = {target.Name};")
                .WithTrailingTrivia(SyntaxFactory.ElasticLineFeed)
                .WithAdditionalAnnotations(Formatter.Annotation);
            editor.InsertBefore(target.Statement, declaration);
        }

        return editor.GetChangedDocument();
    }
}

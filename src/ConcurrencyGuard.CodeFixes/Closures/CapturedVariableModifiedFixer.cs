using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyGuard.Analyzers;
using ConcurrencyGuard.Analyzers.Closures;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;

namespace ConcurrencyGuard.CodeFixes.Closures;

/// <summary>
/// Fixes CG5002: <c>var xCopy = x;</c> right before the statement that creates the lambda, and the lambda
/// reads <c>xCopy</c>. Offered only for lambdas and anonymous methods whose statement sits in a block, and
/// not when the deferred code writes the variable itself (the copy would swallow the write).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(CapturedVariableModifiedFixer)), Shared]
public sealed class CapturedVariableModifiedFixer : CodeFixProvider
{
    private const string EquivalenceKey = "CopyCapturedVariable";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.CapturedVariableModified);

    public override FixAllProvider GetFixAllProvider() =>
        FixAllProvider.Create(static async (context, document, diagnostics) => await FixDocumentAsync(document, diagnostics, context.CancellationToken).ConfigureAwait(false));

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (Resolve(root, diagnostic) is not { } target)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Copy '{target.Name}' to a new local before the lambda",
                    ct => FixDocumentAsync(context.Document, ImmutableArray.Create(diagnostic), ct),
                    EquivalenceKey),
                diagnostic);
        }
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

    private static async Task<Document> FixDocumentAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken ct)
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

            var copyName = UniqueName(target.Statement, target.Name + "Copy", taken);
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

    private static string UniqueName(SyntaxNode near, string candidate, HashSet<string> taken)
    {
        var scope = near.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax) ?? near;
        var used = new HashSet<string>(scope.DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText));
        var name = candidate;
        var key = scope.SpanStart + ":";
        for (var i = 2; used.Contains(name) || taken.Contains(key + name); i++)
        {
            name = candidate + i;
        }

        taken.Add(key + name);
        return name;
    }
}

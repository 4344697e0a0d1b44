using ConcurrencyGuard.Analyzers.Closures;
using Microsoft.CodeAnalysis.Editing;

namespace ConcurrencyGuard.CodeFixes.Closures;

/// <summary>
/// Fixes CG5001: declares <c>var iCopy = i;</c> at the top of the loop body and makes the deferred code
/// capture the copy. One copy per loop and variable, also when Fix All handles several lambdas of one loop.
/// Not offered when the deferred code writes the variable (the copy would silently drop the write).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ForLoopVariableCapturedFixer)), Shared]
public sealed class ForLoopVariableCapturedFixer : DocumentFixer
{
    private const string EquivalenceKey = "CopyLoopVariable";

    public ForLoopVariableCapturedFixer()
        : base(RuleIdentifiers.ForLoopVariableCaptured)
    {
    }

    protected override CodeAction? GetFix(FixScope scope, Diagnostic diagnostic)
    {
        var model = scope.Model!;
        if (Resolve(scope.Root, model, diagnostic, scope.CancellationToken) is not { } target)
        {
            return null;
        }

        return FixOne(scope, diagnostic, $"Copy '{target.Variable.Name}' to a local inside the loop", EquivalenceKey);
    }

    private sealed class Target
    {
        public Target(ForStatementSyntax loop, ILocalSymbol variable, ImmutableArray<IdentifierNameSyntax> references)
        {
            Loop = loop;
            Variable = variable;
            References = references;
        }

        public ForStatementSyntax Loop { get; }
        public ILocalSymbol Variable { get; }

        /// <summary>Every read of the variable inside a lambda, anonymous method or local function of the body.</summary>
        public ImmutableArray<IdentifierNameSyntax> References { get; }
    }

    private static Target? Resolve(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken ct)
    {
        if (!diagnostic.Properties.TryGetValue(ForLoopVariableCapturedAnalyzer.VariableNameProperty, out var name) || name is null)
        {
            return null;
        }

        var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        var loop = node.AncestorsAndSelf().OfType<ForStatementSyntax>()
            .FirstOrDefault(f => f.Declaration?.Variables.Any(v => v.Identifier.ValueText == name) == true && f.Statement.Span.Contains(node.Span));
        var declarator = loop?.Declaration?.Variables.First(v => v.Identifier.ValueText == name);
        if (loop is null || declarator is null || model.GetDeclaredSymbol(declarator, ct) is not ILocalSymbol variable)
        {
            return null;
        }

        // The copy is taken at the top of the body: a write anywhere in the body would make it stale.
        var references = ImmutableArray.CreateBuilder<IdentifierNameSyntax>();
        foreach (var identifier in loop.Statement.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (identifier.Identifier.ValueText != name
                || !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, ct).Symbol, variable))
            {
                continue;
            }

            if (IsWritten(identifier))
            {
                return null;
            }

            if (identifier.Ancestors().TakeWhile(a => a != loop).Any(a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax))
            {
                references.Add(identifier);
            }
        }

        return references.Count == 0 ? null : new Target(loop, variable, references.ToImmutable());
    }

    private static bool IsWritten(ExpressionSyntax identifier)
    {
        var parent = identifier.Parent;
        return parent switch
        {
            AssignmentExpressionSyntax assignment => assignment.Left == identifier,
            PrefixUnaryExpressionSyntax prefix => prefix.IsKind(SyntaxKind.PreIncrementExpression) || prefix.IsKind(SyntaxKind.PreDecrementExpression),
            PostfixUnaryExpressionSyntax => true,
            ArgumentSyntax argument => !argument.RefKindKeyword.IsKind(SyntaxKind.None) && !argument.RefKindKeyword.IsKind(SyntaxKind.InKeyword),
            _ => false,
        };
    }

    protected override async Task<Document> FixDocumentAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken ct)
    {
        var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(ct).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return document;
        }

        // One copy per (loop, variable); every capture of that pair in the body uses it.
        var targets = new Dictionary<(ForStatementSyntax Loop, string Name), Target>();
        foreach (var diagnostic in diagnostics)
        {
            if (Resolve(root, model, diagnostic, ct) is { } target)
            {
                targets[(target.Loop, target.Variable.Name)] = target;
            }
        }

        if (targets.Count == 0)
        {
            return document;
        }

        var editor = await DocumentEditor.CreateAsync(document, ct).ConfigureAwait(false);
        var copies = new Dictionary<ForStatementSyntax, List<StatementSyntax>>();
        var taken = new HashSet<string>();
        foreach (var target in targets.Values.OrderBy(t => t.Loop.SpanStart).ThenBy(t => t.Variable.Name, System.StringComparer.Ordinal))
        {
            var name = target.Variable.Name;
            var copyName = FixHelpers.UniqueName(target.Loop, name + "Copy", taken);
            foreach (var reference in target.References)
            {
                editor.ReplaceNode(reference, SyntaxFactory.IdentifierName(copyName).WithTriviaFrom(reference));
            }

            var declaration = SyntaxFactory.ParseStatement($"var {copyName} = {name};")
                .WithTrailingTrivia(SyntaxFactory.ElasticLineFeed)
                .WithAdditionalAnnotations(Microsoft.CodeAnalysis.Formatting.Formatter.Annotation);
            if (!copies.TryGetValue(target.Loop, out var list))
            {
                list = new List<StatementSyntax>();
                copies.Add(target.Loop, list);
            }

            list.Add(declaration);
        }

        foreach (var pair in copies)
        {
            var loop = pair.Key;
            var declarations = pair.Value;
            if (loop.Statement is BlockSyntax { Statements.Count: > 0 } block)
            {
                editor.InsertBefore(block.Statements[0], declarations);
            }
            else
            {
                editor.ReplaceNode(loop.Statement, (current, _) =>
                    SyntaxFactory.Block(declarations.Concat(new[] { ((StatementSyntax)current).WithoutLeadingTrivia().WithTrailingTrivia(SyntaxFactory.ElasticLineFeed) }))
                        .WithAdditionalAnnotations(Microsoft.CodeAnalysis.Formatting.Formatter.Annotation));
            }
        }

        return editor.GetChangedDocument();
    }

    /// <summary><paramref name="candidate"/>, or with a number appended, not used as any identifier in the enclosing member.</summary>
}

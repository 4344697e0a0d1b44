using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyGuard.Analyzers;
using ConcurrencyGuard.Analyzers.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FindSymbols;

namespace ConcurrencyGuard.CodeFixes.Tasks;

/// <summary>
/// Fixes CG1003 by returning <c>Task</c>. Not offered when the method is used as a delegate
/// (method group) anywhere in the solution: changing the return type there would not compile.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AsyncVoidMethodFixer)), Shared]
public sealed class AsyncVoidMethodFixer : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.AsyncVoidMethod);

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
            if (!diagnostic.Properties.ContainsKey(AsyncVoidMethodAnalyzer.CanReturnTaskProperty))
            {
                continue;
            }

            var declaration = root.FindToken(diagnostic.Location.SourceSpan.Start).Parent;
            if (declaration is not (MethodDeclarationSyntax or LocalFunctionStatementSyntax))
            {
                continue;
            }

            if (model.GetDeclaredSymbol(declaration, context.CancellationToken) is not IMethodSymbol symbol
                || await IsUsedAsDelegateAsync(symbol, context.Document.Project.Solution, context.CancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create("Return Task", ct => ReturnTaskAsync(context.Document, declaration, ct), equivalenceKey: "ReturnTask"),
                diagnostic);
        }
    }

    private static async Task<bool> IsUsedAsDelegateAsync(IMethodSymbol method, Solution solution, CancellationToken ct)
    {
        var references = await SymbolFinder.FindReferencesAsync(method, solution, ct).ConfigureAwait(false);
        foreach (var reference in references)
        {
            foreach (var location in reference.Locations)
            {
                var root = await location.Document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
                var node = root?.FindNode(location.Location.SourceSpan, getInnermostNodeForTie: true);
                var expression = node as ExpressionSyntax;
                while (expression?.Parent is MemberAccessExpressionSyntax member && member.Name == expression)
                {
                    expression = member;
                }

                if (expression is not null && expression.Parent is not InvocationExpressionSyntax)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static async Task<Document> ReturnTaskAsync(Document document, SyntaxNode declaration, CancellationToken ct)
    {
        var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var oldReturnType = declaration switch
        {
            MethodDeclarationSyntax m => m.ReturnType,
            LocalFunctionStatementSyntax l => l.ReturnType,
            _ => null,
        };
        if (oldReturnType is null)
        {
            return document;
        }

        var newReturnType = FixHelpers.QualifiedType("System.Threading.Tasks.Task").WithTriviaFrom(oldReturnType);
        var newRoot = root.ReplaceNode(oldReturnType, newReturnType);
        return document.WithSyntaxRoot(newRoot);
    }
}

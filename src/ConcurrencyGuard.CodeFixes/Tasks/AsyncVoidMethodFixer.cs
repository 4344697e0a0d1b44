using ConcurrencyGuard.Analyzers.Tasks;
using Microsoft.CodeAnalysis.FindSymbols;

namespace ConcurrencyGuard.CodeFixes.Tasks;

/// <summary>
/// Fixes CG1003 by returning <c>Task</c>. Not offered when the method is used as a delegate
/// (method group) anywhere in the solution: changing the return type there would not compile.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AsyncVoidMethodFixer)), Shared]
public sealed class AsyncVoidMethodFixer : ConcurrencyGuardFixer
{
    public AsyncVoidMethodFixer()
        : base(RuleIdentifiers.AsyncVoidMethod)
    {
    }

    protected override async Task<IEnumerable<CodeAction>> GetFixesAsync(FixScope scope, Diagnostic diagnostic)
    {
        var model = scope.Model!;
        if (!diagnostic.Properties.ContainsKey(AsyncVoidMethodAnalyzer.CanReturnTaskProperty))
        {
            return NoFixes;
        }

        var declaration = scope.Root.FindToken(diagnostic.Location.SourceSpan.Start).Parent;
        if (declaration is not (MethodDeclarationSyntax or LocalFunctionStatementSyntax))
        {
            return NoFixes;
        }

        if (model.GetDeclaredSymbol(declaration, scope.CancellationToken) is not IMethodSymbol symbol
            || await IsUsedAsDelegateAsync(symbol, scope.Document.Project.Solution, scope.CancellationToken).ConfigureAwait(false))
        {
            return NoFixes;
        }

        return new[] { CodeAction.Create("Return Task", ct => ReturnTaskAsync(scope.Document, declaration, ct), equivalenceKey: "ReturnTask") };
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

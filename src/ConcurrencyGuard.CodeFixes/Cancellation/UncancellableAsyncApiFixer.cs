using ConcurrencyGuard.Analyzers.Cancellation;
using Microsoft.CodeAnalysis.FindSymbols;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Simplification;

namespace ConcurrencyGuard.CodeFixes.Cancellation;

/// <summary>
/// Fixes CG2005: adds <c>CancellationToken cancellationToken = default</c> as the last parameter (with
/// <c>[EnumeratorCancellation]</c> on async iterators) and passes it to the calls inside that accept a
/// token and have none in scope today, using the same rules as CG2001. Not offered for virtual, abstract
/// or partial methods, methods with a <c>params</c> parameter or a <c>cancellationToken</c> name already in
/// use, methods used as a method group (a delegate conversion would break), methods that implement an interface
/// member (for their type or a derived one), or when the type already declares the signature the fix would make.
/// Imports <c>System.Threading</c> for the new parameter's type unless that makes a name ambiguous.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UncancellableAsyncApiFixer)), Shared]
public sealed class UncancellableAsyncApiFixer : DocumentFixer
{
    private const string ParameterName = "cancellationToken";

    public UncancellableAsyncApiFixer()
        : base(RuleIdentifiers.UncancellableAsyncApi)
    {
    }

    protected override async Task<IEnumerable<CodeAction>> GetFixesAsync(FixScope scope, Diagnostic diagnostic)
    {
        var model = scope.Model!;
        if (await ResolveAsync(scope.Document, scope.Root, model, diagnostic, scope.CancellationToken).ConfigureAwait(false) is null)
        {
            return NoFixes;
        }

        return new[] { FixOne(scope, diagnostic, "Add 'CancellationToken cancellationToken = default' and pass it on", "AddTokenParameter") };
    }

    private static async Task<MethodDeclarationSyntax?> ResolveAsync(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken ct)
    {
        if (root.FindToken(diagnostic.Location.SourceSpan.Start).Parent is not MethodDeclarationSyntax method
            || (method.Body is null && method.ExpressionBody is null)
            || method.Modifiers.Any(SyntaxKind.PartialKeyword)
            || method.ParameterList.Parameters.LastOrDefault()?.Modifiers.Any(SyntaxKind.ParamsKeyword) == true
            || method.DescendantTokens().Any(t => t.IsKind(SyntaxKind.IdentifierToken) && t.ValueText == ParameterName)
            || model.GetDeclaredSymbol(method, ct) is not { IsVirtual: false, IsAbstract: false } symbol
            || WouldDuplicateSignature(symbol, model.Compilation)
            || InterfaceImplementations.IsImplementation(symbol, model.Compilation))
        {
            return null;
        }

        // A method group (delegate conversion) would not accept the extra parameter.
        var references = await SymbolFinder.FindReferencesAsync(symbol, document.Project.Solution, ct).ConfigureAwait(false);
        foreach (var location in references.SelectMany(r => r.Locations))
        {
            var node = (await location.Document.GetSyntaxRootAsync(ct).ConfigureAwait(false))?.FindNode(location.Location.SourceSpan, getInnermostNodeForTie: true);
            var expression = node?.Parent is MemberAccessExpressionSyntax access && access.Name == node ? access : node;
            if (expression?.Parent is not InvocationExpressionSyntax invocation || invocation.Expression != expression)
            {
                return null;
            }
        }

        return method;
    }

    protected override async Task<Document> FixDocumentAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken ct)
    {
        var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(ct).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return document;
        }

        var types = WellKnownTypes.GetOrCreate(model.Compilation);
        var token = SyntaxFactory.IdentifierName(ParameterName);
        var edits = new Dictionary<SyntaxNode, System.Func<SyntaxNode, SyntaxNode>>();
        foreach (var diagnostic in diagnostics)
        {
            if (await ResolveAsync(document, root, model, diagnostic, ct).ConfigureAwait(false) is not { } method)
            {
                continue;
            }

            var iterator = diagnostic.Properties.ContainsKey(UncancellableAsyncApiAnalyzer.IteratorProperty);
            edits[method.ParameterList] = rewritten => AddParameter((ParameterListSyntax)rewritten, iterator);
            var body = (SyntaxNode?)method.Body ?? method.ExpressionBody;
            if (body is null || model.GetOperation(body, ct) is not { } operation)
            {
                continue;
            }

            foreach (var descendant in operation.Descendants())
            {
                if (descendant is IInvocationOperation invocation
                    && invocation.Syntax is InvocationExpressionSyntax syntax
                    && TokenForwarding.TryGetMissingToken(invocation, types, out var missing)
                    && CanForward(invocation, model, types))
                {
                    var name = missing.Parameter!.Name;
                    var position = missing.Position;
                    edits[syntax] = rewritten => TokenNotForwardedFixer.AddTokenArgument((InvocationExpressionSyntax)rewritten, token, name, position);
                }
                else if (descendant is IForEachLoopOperation { IsAsynchronous: true, Syntax: CommonForEachStatementSyntax loop } each
                    && TokenForwarding.IsEnumeratedWithoutToken(each, types)
                    && CanForward(each, model, types))
                {
                    edits[loop.Expression] = rewritten => TokenNotForwardedFixer.WithCancellation((ExpressionSyntax)rewritten, token);
                }
            }
        }

        if (edits.Count == 0)
        {
            return document;
        }

        var newRoot = root.ReplaceNodes(edits.Keys, (original, rewritten) => edits[original](rewritten));
        var changed = document.WithSyntaxRoot(newRoot);

        // The parameter's type is written qualified for the simplifier: import its namespace unless it is in scope already.
        var tokenInScope = model.LookupNamespacesAndTypes(edits.Keys.OfType<ParameterListSyntax>().First().SpanStart, name: types.CancellationToken!.Name)
            .Any(s => SymbolEqualityComparer.Default.Equals(s, types.CancellationToken));
        return tokenInScope ? changed : await FixHelpers.AddUsingIfHarmlessAsync(changed, "System.Threading", ct).ConfigureAwait(false);
    }

    /// <summary>The type already declares the method with a token appended (CS0111 if the fix added it).</summary>
    private static bool WouldDuplicateSignature(IMethodSymbol method, Compilation compilation)
    {
        var token = WellKnownTypes.GetOrCreate(compilation).CancellationToken;
        foreach (var member in method.ContainingType.GetMembers(method.Name))
        {
            if (member is IMethodSymbol other
                && other.Arity == method.Arity
                && other.Parameters.Length == method.Parameters.Length + 1
                && SymbolEqualityComparer.Default.Equals(other.Parameters[method.Parameters.Length].Type, token)
                && SameParameterTypes(method, other))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The parameters of <paramref name="method"/> have the types (and ref kinds) of the first ones of <paramref name="other"/>; method type parameters compare by position.</summary>
    private static bool SameParameterTypes(IMethodSymbol method, IMethodSymbol other)
    {
        if (method.Arity > 0)
        {
            other = other.Construct(method.TypeParameters.Cast<ITypeSymbol>().ToArray());
        }

        for (var i = 0; i < method.Parameters.Length; i++)
        {
            if (method.Parameters[i].RefKind != other.Parameters[i].RefKind
                || !SymbolEqualityComparer.Default.Equals(method.Parameters[i].Type, other.Parameters[i].Type))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The new parameter becomes the token in scope here: nothing else is, and no static function is in between.</summary>
    private static bool CanForward(IOperation operation, SemanticModel model, WellKnownTypes types)
    {
        if (CleanupCode.IsInCleanupCode(operation))
        {
            return false;
        }

        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation { Symbol.IsStatic: true } or ILocalFunctionOperation { Symbol.IsStatic: true })
            {
                return false;
            }
        }

        return !TokenInScope.Find(operation, model.GetEnclosingSymbol(operation.Syntax.SpanStart) is IMethodSymbol m ? Member(m) : null, types).HasToken;
    }

    private static ISymbol Member(IMethodSymbol method)
    {
        ISymbol symbol = method;
        while (symbol is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction or MethodKind.LocalFunction })
        {
            symbol = symbol.ContainingSymbol;
        }

        return symbol;
    }

    private static ParameterListSyntax AddParameter(ParameterListSyntax list, bool iterator)
    {
        var text = iterator
            ? "[global::System.Runtime.CompilerServices.EnumeratorCancellation] global::System.Threading.CancellationToken cancellationToken = default"
            : "global::System.Threading.CancellationToken cancellationToken = default";
        var parameter = SyntaxFactory.ParseParameterList("(" + text + ")").Parameters[0];
        parameter = parameter.WithType(parameter.Type!.WithAdditionalAnnotations(Simplifier.Annotation));
        if (iterator)
        {
            var attributeList = parameter.AttributeLists[0];
            var attribute = attributeList.Attributes[0];
            parameter = parameter.WithAttributeLists(SyntaxFactory.SingletonList(attributeList.WithAttributes(
                SyntaxFactory.SingletonSeparatedList(attribute.WithName(attribute.Name.WithAdditionalAnnotations(Simplifier.Annotation))))));
        }

        var nodes = list.Parameters.GetWithSeparators();
        if (list.Parameters.Count > 0)
        {
            nodes = nodes.Add(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space));
        }

        return list.WithParameters(SyntaxFactory.SeparatedList<ParameterSyntax>(nodes.Add(parameter)));
    }
}

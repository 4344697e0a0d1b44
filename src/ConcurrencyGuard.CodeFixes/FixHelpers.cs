using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;

namespace ConcurrencyGuard.CodeFixes;

/// <summary>Helpers every fixer shares: async-context checks, using directives, the runtime's Forget().</summary>
internal static class FixHelpers
{
    public const string RuntimeNamespace = "ConcurrencyGuard";

    /// <summary>True when the fix may insert <c>await</c> at <paramref name="node"/>.</summary>
    public static bool CanAwaitAt(SyntaxNode node, SemanticModel model, CancellationToken ct)
    {
        var operation = model.GetOperation(node, ct);
        if (operation is null)
        {
            return false;
        }

        return FunctionContext.IsInAsyncContext(operation, model.GetEnclosingSymbol(node.SpanStart, ct));
    }

    /// <summary>The runtime guard is referenced: its <c>TaskExtensions.Forget</c> exists.</summary>
    public static bool HasRuntimeForget(Compilation compilation)
    {
        var type = compilation.GetTypeByMetadataName(WellKnownTypeNames.RuntimeTaskExtensions);
        return type is not null && type.GetMembers("Forget").Any();
    }

    /// <summary>
    /// <c>_ = value</c>. The discard needs the underscore token kind: an identifier token "_" (what
    /// <c>IdentifierName("_")</c> makes) binds as a name until the text is parsed again (CS0103).
    /// </summary>
    public static ExpressionSyntax Discard(ExpressionSyntax value) =>
        SyntaxFactory.AssignmentExpression(
            SyntaxKind.SimpleAssignmentExpression,
            SyntaxFactory.IdentifierName(SyntaxFactory.Identifier(default, SyntaxKind.UnderscoreToken, "_", "_", default)),
            value);

    public static ExpressionSyntax CallForget(ExpressionSyntax task)
    {
        var receiver = task is InvocationExpressionSyntax or MemberAccessExpressionSyntax or IdentifierNameSyntax
            ? task
            : SyntaxFactory.ParenthesizedExpression(task);
        return SyntaxFactory.InvocationExpression(
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, receiver, SyntaxFactory.IdentifierName("Forget")));
    }

    /// <summary>Adds <c>using <paramref name="ns"/>;</c> when the compilation unit lacks it.</summary>
    public static async Task<Document> AddUsingAsync(Document document, string ns, CancellationToken ct)
    {
        if (await document.GetSyntaxRootAsync(ct).ConfigureAwait(false) is not CompilationUnitSyntax root)
        {
            return document;
        }

        if (root.Usings.Any(u => u.Name?.ToString() == ns)
            || root.DescendantNodes(n => n is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax).OfType<BaseNamespaceDeclarationSyntax>().Any(n => n.Usings.Any(u => u.Name?.ToString() == ns)))
        {
            return document;
        }

        var directive = SyntaxFactory.UsingDirective(SyntaxFactory.ParseName(ns)).WithAdditionalAnnotations(Formatter.Annotation);
        var usings = root.Usings;
        // System usings first, then ordinal order: the layout most code bases (and IDE0005's sort) use.
        var index = usings.TakeWhile(u => CompareUsings(u.Name?.ToString() ?? string.Empty, ns) < 0).Count();
        var newRoot = root.WithUsings(usings.Insert(index, directive.WithTrailingTrivia(SyntaxFactory.ElasticLineFeed)));
        return document.WithSyntaxRoot(newRoot);
    }

    /// <summary>
    /// Adds <c>using <paramref name="ns"/>;</c> so that names the fix wrote qualified (with <see cref="Simplifier.Annotation"/>)
    /// read short, unless the using makes a name of the document ambiguous (a type of the same name imported from
    /// elsewhere): then the document stays as it was and the names stay qualified.
    /// </summary>
    public static async Task<Document> AddUsingIfHarmlessAsync(Document document, string ns, CancellationToken ct)
    {
        var withUsing = await AddUsingAsync(document, ns, ct).ConfigureAwait(false);
        if (withUsing == document)
        {
            return document;
        }

        return await ErrorCountAsync(withUsing, ct).ConfigureAwait(false) > await ErrorCountAsync(document, ct).ConfigureAwait(false)
            ? document
            : withUsing;

        static async Task<int> ErrorCountAsync(Document document, CancellationToken ct) =>
            (await document.GetSemanticModelAsync(ct).ConfigureAwait(false))?.GetDiagnostics(cancellationToken: ct).Count(d => d.Severity == DiagnosticSeverity.Error) ?? 0;
    }

    private static int CompareUsings(string a, string b)
    {
        var aSystem = a == "System" || a.StartsWith("System.", System.StringComparison.Ordinal);
        var bSystem = b == "System" || b.StartsWith("System.", System.StringComparison.Ordinal);
        return aSystem != bSystem ? (aSystem ? -1 : 1) : string.CompareOrdinal(a, b);
    }

    /// <summary>
    /// <paramref name="candidate"/>, or <paramref name="candidate"/>2, 3, ... when an identifier of the enclosing member
    /// or an earlier call with the same <paramref name="taken"/> set (one Fix All pass) already uses it.
    /// </summary>
    public static string UniqueName(SyntaxNode near, string candidate, HashSet<string> taken)
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

    /// <summary>A type name written fully qualified and marked for simplification (adds no using).</summary>
    public static TypeSyntax QualifiedType(string fullName) =>
        SyntaxFactory.ParseTypeName("global::" + fullName).WithAdditionalAnnotations(Simplifier.Annotation);
}

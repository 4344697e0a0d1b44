using System;

namespace ConcurrencyGuard.CodeFixes;

/// <summary>What a fixer looks at while it offers fixes: the document, its root, its semantic model and the cancellation token.</summary>
public sealed class FixScope
{
    internal FixScope(Document document, SyntaxNode root, SemanticModel? model, CancellationToken cancellationToken)
    {
        Document = document;
        Root = root;
        Model = model;
        CancellationToken = cancellationToken;
    }

    public Document Document { get; }

    public SyntaxNode Root { get; }

    /// <summary>The semantic model; null only for fixers that say they need none (<see cref="ConcurrencyGuardFixer.UsesSemanticModel"/>).</summary>
    public SemanticModel? Model { get; }

    public CancellationToken CancellationToken { get; }

    /// <summary>The node the diagnostic is reported on (innermost on a tie).</summary>
    public SyntaxNode FindNode(Diagnostic diagnostic) => Root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);

    /// <summary>The node of type <typeparamref name="T"/> that the diagnostic spans exactly, or null.</summary>
    public T? FindExact<T>(Diagnostic diagnostic)
        where T : SyntaxNode =>
        FindNode(diagnostic) is T node && node.Span == diagnostic.Location.SourceSpan ? node : null;

    /// <summary>A fix that replaces <paramref name="oldNode"/> with what <paramref name="createNewNode"/> builds when the fix is applied.</summary>
    public CodeAction Replace(string title, SyntaxNode oldNode, Func<SyntaxNode> createNewNode, string equivalenceKey)
    {
        var document = Document;
        var root = Root;
        return CodeAction.Create(title, _ => Task.FromResult(document.WithSyntaxRoot(root.ReplaceNode(oldNode, createNewNode()))), equivalenceKey);
    }

    /// <summary>A fix that replaces <paramref name="oldNode"/> with <paramref name="newNode"/>.</summary>
    public CodeAction Replace(string title, SyntaxNode oldNode, SyntaxNode newNode, string equivalenceKey) =>
        Replace(title, oldNode, () => newNode, equivalenceKey);
}

/// <summary>
/// The frame every ConcurrencyGuard fixer shares: the rule it fixes, batch Fix All, and the loop over the
/// diagnostics of a request. A fixer says what the fix of one diagnostic is (<see cref="GetFix"/>, or
/// <see cref="GetFixes"/> / <see cref="GetFixesAsync"/> for several or asynchronous ones); fixers whose Fix All
/// must edit a document in one pass derive from <see cref="DocumentFixer"/>.
/// </summary>
public abstract class ConcurrencyGuardFixer : CodeFixProvider
{
    private readonly ImmutableArray<string> _fixableDiagnosticIds;

    protected ConcurrencyGuardFixer(params string[] diagnosticIds) => _fixableDiagnosticIds = ImmutableArray.Create(diagnosticIds);

    public sealed override ImmutableArray<string> FixableDiagnosticIds => _fixableDiagnosticIds;

    /// <summary>Batch Fix All of the fix the caller names, or of the primary fix when it names none (<see cref="PrimaryFixAllProvider"/>).</summary>
    public override FixAllProvider GetFixAllProvider() => new PrimaryFixAllProvider(WellKnownFixAllProviders.BatchFixer);

    /// <summary>False for fixers that work on syntax and diagnostic properties alone: no semantic model is built for them.</summary>
    protected virtual bool UsesSemanticModel => true;

    public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var ct = context.CancellationToken;
        var root = await context.Document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        var model = UsesSemanticModel ? await context.Document.GetSemanticModelAsync(ct).ConfigureAwait(false) : null;
        if (root is null || (UsesSemanticModel && model is null))
        {
            return;
        }

        var scope = new FixScope(context.Document, root, model, ct);
        foreach (var diagnostic in context.Diagnostics)
        {
            foreach (var action in await GetFixesAsync(scope, diagnostic).ConfigureAwait(false))
            {
                context.RegisterCodeFix(action, diagnostic);
            }
        }
    }

    /// <summary>The fix offered for <paramref name="diagnostic"/>, or null when none applies.</summary>
    protected virtual CodeAction? GetFix(FixScope scope, Diagnostic diagnostic) => null;

    /// <summary>The fixes offered for <paramref name="diagnostic"/>: <see cref="GetFix"/>'s, unless overridden.</summary>
    protected virtual IEnumerable<CodeAction> GetFixes(FixScope scope, Diagnostic diagnostic) =>
        GetFix(scope, diagnostic) is { } fix ? new[] { fix } : Enumerable.Empty<CodeAction>();

    /// <summary>No fix: what <see cref="GetFixesAsync"/> returns when none applies.</summary>
    protected static IEnumerable<CodeAction> NoFixes => Enumerable.Empty<CodeAction>();

    /// <summary>For fixers that must await while deciding (another document, a lazily built model).</summary>
    protected virtual Task<IEnumerable<CodeAction>> GetFixesAsync(FixScope scope, Diagnostic diagnostic) =>
        Task.FromResult(GetFixes(scope, diagnostic));
}

/// <summary>
/// A fixer whose edits are made for all diagnostics of a document at once (<see cref="FixDocumentAsync"/>), for
/// Fix All and for a single fix alike: edits that nest or share a declaration cannot be applied one by one.
/// </summary>
public abstract class DocumentFixer : ConcurrencyGuardFixer
{
    protected DocumentFixer(params string[] diagnosticIds)
        : base(diagnosticIds)
    {
    }

    public sealed override FixAllProvider GetFixAllProvider() =>
        new PrimaryFixAllProvider(FixAllProvider.Create(async (context, document, diagnostics) => await FixDocumentAsync(document, diagnostics, context.CancellationToken).ConfigureAwait(false)));

    /// <summary>Applies the fixes of <paramref name="diagnostics"/>, all in <paramref name="document"/>.</summary>
    protected abstract Task<Document> FixDocumentAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken ct);

    /// <summary>The fix of one diagnostic: <see cref="FixDocumentAsync"/> with that diagnostic alone.</summary>
    protected CodeAction FixOne(FixScope scope, Diagnostic diagnostic, string title, string equivalenceKey)
    {
        var document = scope.Document;
        return CodeAction.Create(title, ct => FixDocumentAsync(document, ImmutableArray.Create(diagnostic), ct), equivalenceKey);
    }
}

namespace ConcurrencyGuard.CodeFixes;

/// <summary>
/// Fix All for tools that do not say which fix they mean. <c>dotnet format analyzers</c> asks for Fix All with the
/// equivalence key of the first code action of the first diagnostic it meets, and with no key when that diagnostic
/// has no fix (its shape is not one the fixer can rewrite); a key-matching provider then fixes nothing and the tool
/// answers "didn't return a Fix All action". When the key is missing, or the provider it wraps finds nothing to do
/// with it, this provider uses the fixer's primary fix instead: the first fix offered for the first diagnostic of
/// the scope that has one, applied to every diagnostic that fix applies to.
/// </summary>
internal sealed class PrimaryFixAllProvider : FixAllProvider
{
    private readonly FixAllProvider _inner;

    public PrimaryFixAllProvider(FixAllProvider inner) => _inner = inner;

    public override IEnumerable<FixAllScope> GetSupportedFixAllScopes() => _inner.GetSupportedFixAllScopes();

    public override IEnumerable<string> GetSupportedFixAllDiagnosticIds(CodeFixProvider originalCodeFixProvider) =>
        _inner.GetSupportedFixAllDiagnosticIds(originalCodeFixProvider);

    public override async Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
    {
        if (fixAllContext.CodeActionEquivalenceKey is not null
            && await _inner.GetFixAsync(fixAllContext).ConfigureAwait(false) is { } asked)
        {
            return asked;
        }

        var primary = await PrimaryKeyAsync(fixAllContext).ConfigureAwait(false);
        if (primary is null || primary == fixAllContext.CodeActionEquivalenceKey)
        {
            return null;
        }

        return await _inner.GetFixAsync(WithKey(fixAllContext, primary)).ConfigureAwait(false);
    }

    /// <summary>The key of the first fix offered for the first diagnostic (in document and source order) that has one.</summary>
    private static async Task<string?> PrimaryKeyAsync(FixAllContext context)
    {
        var ct = context.CancellationToken;
        foreach (var document in DocumentsInScope(context))
        {
            var diagnostics = await context.GetDocumentDiagnosticsAsync(document).ConfigureAwait(false);
            foreach (var diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
            {
                string? key = null;
                var fixContext = new CodeFixContext(document, diagnostic, (action, _) => key ??= action.EquivalenceKey, ct);
                await context.CodeFixProvider.RegisterCodeFixesAsync(fixContext).ConfigureAwait(false);
                if (key is not null)
                {
                    return key;
                }
            }
        }

        return null;
    }

    private static IEnumerable<Document> DocumentsInScope(FixAllContext context)
    {
        if (context.Scope is FixAllScope.Document or FixAllScope.ContainingMember or FixAllScope.ContainingType)
        {
            return context.Document is null ? Enumerable.Empty<Document>() : new[] { context.Document };
        }

        var first = context.Document is null ? Enumerable.Empty<Document>() : new[] { context.Document };
        var projects = context.Scope == FixAllScope.Solution ? context.Solution.Projects : new[] { context.Project };
        return first.Concat(projects.SelectMany(p => p.Documents).Where(d => d.Id != context.Document?.Id));
    }

    private static FixAllContext WithKey(FixAllContext context, string key)
    {
        var diagnostics = new ContextDiagnostics(context);
        return context.Document is { } document
            ? new FixAllContext(document, context.CodeFixProvider, context.Scope, key, context.DiagnosticIds, diagnostics, context.CancellationToken)
            : new FixAllContext(context.Project, context.CodeFixProvider, context.Scope, key, context.DiagnosticIds, diagnostics, context.CancellationToken);
    }

    /// <summary>Serves the new context the diagnostics of the one the tool built.</summary>
    private sealed class ContextDiagnostics : FixAllContext.DiagnosticProvider
    {
        private readonly FixAllContext _context;

        public ContextDiagnostics(FixAllContext context) => _context = context;

        public override async Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken) =>
            await _context.WithCancellationToken(cancellationToken).GetDocumentDiagnosticsAsync(document).ConfigureAwait(false);

        public override async Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            await _context.WithCancellationToken(cancellationToken).GetProjectDiagnosticsAsync(project).ConfigureAwait(false);

        public override async Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            await _context.WithCancellationToken(cancellationToken).GetAllDiagnosticsAsync(project).ConfigureAwait(false);
    }
}

using ConcurrencyGuard.Analyzers.Http;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;

namespace ConcurrencyGuard.CodeFixes.Http;

/// <summary>
/// Fixes CG3004: introduces one <c>private static readonly HttpClient SharedHttpClient</c> per type (a
/// <c>SocketsHttpHandler</c> with <c>PooledConnectionLifetime</c> and <c>ConnectTimeout</c>, and a
/// <c>Timeout</c> of N seconds) and uses it: <c>using var client = new HttpClient();</c> becomes
/// <c>var client = SharedHttpClient;</c>, a <c>using (...) { }</c> statement becomes a block, explicit
/// <c>client.Dispose()</c> statements go (disposing the shared client would break every later call), and
/// <c>new HttpClient().GetAsync(...)</c> becomes <c>SharedHttpClient.GetAsync(...)</c>. An existing
/// <c>static</c> HttpClient field of that name is reused. Offered only for clients without per-instance
/// configuration (constructor arguments, initializer, property writes: those cannot be shared as they are).
/// Fix All edits a document in one pass, so the field is added once per type.
/// </summary>
[ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(HttpClientPerOperationFixer)), Shared]
public sealed class HttpClientPerOperationFixer : DocumentFixer
{
    public const string EquivalenceKey = "UseSharedHttpClient";
    public const string FieldName = "SharedHttpClient";

    public HttpClientPerOperationFixer()
        : base(RuleIdentifiers.HttpClientPerOperation)
    {
    }

    protected override CodeAction? GetFix(FixScope scope, Diagnostic diagnostic)
    {
        var model = scope.Model!;
        if (Plan(scope.Root, model, diagnostic, scope.CancellationToken) is null)
        {
            return null;
        }

        return CodeAction.Create("Use a shared static HttpClient", ct => FixDocumentAsync(scope.Document, ImmutableArray.Create(diagnostic), ct), EquivalenceKey);
    }

    private sealed class Edit
    {
        public Edit(TypeDeclarationSyntax type, ObjectCreationExpressionSyntax creation, SyntaxNode? replaced, ImmutableArray<ExpressionStatementSyntax> disposals, int seconds)
        {
            Type = type;
            Creation = creation;
            Replaced = replaced;
            Disposals = disposals;
            Seconds = seconds;
        }

        public TypeDeclarationSyntax Type { get; }

        public ObjectCreationExpressionSyntax Creation { get; }

        /// <summary>The <c>using</c> declaration statement or statement that changes shape; null when only the creation is replaced.</summary>
        public SyntaxNode? Replaced { get; }

        public ImmutableArray<ExpressionStatementSyntax> Disposals { get; }

        public int Seconds { get; }
    }

    private static Edit? Plan(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken ct)
    {
        if (!diagnostic.Properties.ContainsKey(HttpClientPerOperationAnalyzer.ShareableProperty)
            || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not ObjectCreationExpressionSyntax creation
            || creation.Span != diagnostic.Location.SourceSpan
            || creation.FirstAncestorOrSelf<TypeDeclarationSyntax>() is not { } type
            || type is InterfaceDeclarationSyntax
            || !FieldNameFree(type, model, ct))
        {
            return null;
        }

        var seconds = HttpFixes.Seconds(diagnostic);
        var parent = creation.Parent;
        if (parent is MemberAccessExpressionSyntax access && access.Expression == creation)
        {
            return new Edit(type, creation, null, ImmutableArray<ExpressionStatementSyntax>.Empty, seconds);
        }

        if (parent is not EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator }
            || declarator.Parent is not VariableDeclarationSyntax { Variables.Count: 1 } declaration
            || model.GetDeclaredSymbol(declarator, ct) is not ILocalSymbol local)
        {
            return null;
        }

        SyntaxNode? replaced = declaration.Parent switch
        {
            LocalDeclarationStatementSyntax { UsingKeyword.RawKind: not 0, AwaitKeyword.RawKind: 0 } statement => statement,
            LocalDeclarationStatementSyntax { UsingKeyword.RawKind: 0 } => null,
            UsingStatementSyntax { AwaitKeyword.RawKind: 0 } usingStatement => usingStatement,
            _ => creation,
        };
        if (replaced == creation)
        {
            return null;
        }

        var disposals = ImmutableArray.CreateBuilder<ExpressionStatementSyntax>();
        var scope = HttpClients.MemberSyntax(creation);
        if (scope is null)
        {
            return null;
        }

        foreach (var name in scope.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (name.Identifier.ValueText != local.Name || !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, ct).Symbol, local))
            {
                continue;
            }

            var call = name.Parent switch
            {
                MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Dispose" } dispose when dispose.Parent is InvocationExpressionSyntax => dispose.Parent,
                ConditionalAccessExpressionSyntax { WhenNotNull: InvocationExpressionSyntax { Expression: MemberBindingExpressionSyntax { Name.Identifier.ValueText: "Dispose" } } } conditional => conditional,
                _ => null,
            };
            if (call is null)
            {
                if (name.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Dispose" or "DisposeAsync" })
                {
                    return null;
                }

                continue;
            }

            if (call.Parent is not ExpressionStatementSyntax statement || statement.Parent is not BlockSyntax)
            {
                return null;
            }

            disposals.Add(statement);
        }

        return new Edit(type, creation, replaced, disposals.ToImmutable(), seconds);
    }

    /// <summary>The type has no member named <see cref="FieldName"/>, or it is a static HttpClient field (reused).</summary>
    private static bool FieldNameFree(TypeDeclarationSyntax type, SemanticModel model, CancellationToken ct)
    {
        if (model.GetDeclaredSymbol(type, ct) is not INamedTypeSymbol symbol)
        {
            return false;
        }

        var members = symbol.GetMembers(FieldName);
        return members.Length == 0 || IsReusableField(members);
    }

    private static bool IsReusableField(ImmutableArray<ISymbol> members) =>
        members.Length == 1 && members[0] is IFieldSymbol { IsStatic: true } field && field.Type.ToDisplayString() == WellKnownTypeNames.HttpClient;

    protected override async Task<Document> FixDocumentAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken ct)
    {
        var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(ct).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return document;
        }

        var edits = diagnostics.Select(d => Plan(root, model, d, ct)).Where(e => e is not null).Select(e => e!).OrderByDescending(e => e.Creation.SpanStart).ToList();
        if (edits.Count == 0)
        {
            return document;
        }

        var newLine = root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        if (newLine == default)
        {
            newLine = SyntaxFactory.EndOfLine("\n");
        }

        var hasHandler = model.Compilation.GetTypeByMetadataName(WellKnownTypeNames.SocketsHttpHandler) is not null;
        var editor = new SyntaxEditor(root, document.Project.Solution.Services);
        var reference = SyntaxFactory.IdentifierName(FieldName);
        foreach (var edit in edits)
        {
            foreach (var disposal in edit.Disposals)
            {
                editor.RemoveNode(disposal, SyntaxRemoveOptions.KeepNoTrivia);
            }

            switch (edit.Replaced)
            {
                case null:
                    editor.ReplaceNode(edit.Creation, (current, _) => reference.WithTriviaFrom(current));
                    break;
                case LocalDeclarationStatementSyntax:
                    editor.ReplaceNode(edit.Creation, (current, _) => reference.WithTriviaFrom(current));
                    editor.ReplaceNode(edit.Replaced, (current, _) =>
                    {
                        var statement = (LocalDeclarationStatementSyntax)current;
                        return statement.WithUsingKeyword(default).WithLeadingTrivia(statement.GetLeadingTrivia());
                    });
                    break;
                case UsingStatementSyntax:
                    editor.ReplaceNode(edit.Creation, (current, _) => reference.WithTriviaFrom(current));
                    editor.ReplaceNode(edit.Replaced, (current, _) => UsingToBlock((UsingStatementSyntax)current, newLine));
                    break;
            }
        }

        foreach (var group in edits.GroupBy(e => e.Type))
        {
            var type = group.Key;
            if (model.GetDeclaredSymbol(type, ct) is INamedTypeSymbol symbol && IsReusableField(symbol.GetMembers(FieldName)))
            {
                continue;
            }

            var field = CreateField(group.First().Seconds, hasHandler, model, type.SpanStart, newLine);
            editor.ReplaceNode(type, (current, _) => ((TypeDeclarationSyntax)current).WithMembers(((TypeDeclarationSyntax)current).Members.Insert(0, field)));
        }

        return document.WithSyntaxRoot(editor.GetChangedRoot());
    }

    /// <summary><c>using (var c = x) { body }</c> becomes <c>{ var c = x; body }</c>.</summary>
    private static SyntaxNode UsingToBlock(UsingStatementSyntax statement, SyntaxTrivia newLine)
    {
        var declaration = SyntaxFactory.LocalDeclarationStatement(statement.Declaration!.WithoutTrivia());
        if (statement.Statement is BlockSyntax block)
        {
            var indentation = block.Statements.Count > 0 ? block.Statements[0].GetLeadingTrivia() : SyntaxFactory.TriviaList();
            var first = declaration.WithLeadingTrivia(indentation).WithTrailingTrivia(newLine);
            return block.WithStatements(block.Statements.Insert(0, first)).WithLeadingTrivia(statement.GetLeadingTrivia());
        }

        return SyntaxFactory.Block(declaration, statement.Statement)
            .WithTriviaFrom(statement)
            .WithAdditionalAnnotations(Formatter.Annotation);
    }

    private static MemberDeclarationSyntax CreateField(int seconds, bool hasHandler, SemanticModel model, int position, SyntaxTrivia newLine)
    {
        var client = Name(model, position, "HttpClient", WellKnownTypeNames.HttpClient);
        var timeSpan = Name(model, position, "TimeSpan", WellKnownTypeNames.TimeSpan);
        var handler = hasHandler
            ? "new " + Name(model, position, "SocketsHttpHandler", WellKnownTypeNames.SocketsHttpHandler) + " { PooledConnectionLifetime = " + timeSpan + ".FromMinutes(15), ConnectTimeout = " + timeSpan + ".FromSeconds(10) }"
            : string.Empty;
        var text = "private static readonly " + client + " " + FieldName + " = new " + client + "(" + handler + ") { Timeout = " + timeSpan + ".FromSeconds("
            + seconds.ToString(System.Globalization.CultureInfo.InvariantCulture) + ") };";
        return SyntaxFactory.ParseMemberDeclaration(text)!
            .WithAdditionalAnnotations(Formatter.Annotation)
            .WithTrailingTrivia(newLine, newLine);
    }

    /// <summary>The short type name when it binds to the type at <paramref name="position"/> (usings, global usings), else the full name.</summary>
    private static string Name(SemanticModel model, int position, string shortName, string metadataName)
    {
        var info = model.GetSpeculativeSymbolInfo(position, SyntaxFactory.ParseTypeName(shortName), SpeculativeBindingOption.BindAsTypeOrNamespace);
        return info.Symbol is ITypeSymbol type && type.ToDisplayString() == metadataName ? shortName : "global::" + metadataName;
    }
}

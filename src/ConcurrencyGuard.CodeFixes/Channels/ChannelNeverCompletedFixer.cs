using ConcurrencyGuard.Analyzers.Channels;
using Microsoft.CodeAnalysis.Formatting;

namespace ConcurrencyGuard.CodeFixes.Channels;

/// <summary>
/// Fixes CG4002 for locals: wraps the statements that write to the channel in
/// <c>try { ... } finally { channel.Writer.Complete(); }</c> (<c>queue.CompleteAdding()</c> for a BlockingCollection),
/// so the reader's loop ends however the producer ends: normally, by an exception or by cancellation.
/// <para>
/// Why <c>finally</c> + <c>Complete()</c> rather than <c>catch (Exception ex) { writer.TryComplete(ex); }</c>: the
/// catch form alone still leaves the reader waiting when the producer returns early, and the analyzer has proven
/// nothing else completes the writer, so <c>Complete()</c> cannot throw. A producer failure still surfaces from the
/// producer's own task; code that wants the reader to see it can change the finally to <c>TryComplete(error)</c>.
/// </para>
/// Offered only when the writes sit in one function and can be wrapped without moving a declaration out of scope or
/// swallowing the draining loop; fields are left to the owner (there is no single "end of production" to pick).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ChannelNeverCompletedFixer)), Shared]
public sealed class ChannelNeverCompletedFixer : ConcurrencyGuardFixer
{
    public ChannelNeverCompletedFixer()
        : base(RuleIdentifiers.ChannelWriterNeverCompleted)
    {
    }

    protected override CodeAction? GetFix(FixScope scope, Diagnostic diagnostic)
    {
        var model = scope.Model!;
        if (!diagnostic.Properties.ContainsKey(ChannelNeverCompletedAnalyzer.LocalProperty))
        {
            return null;
        }

        var creation = scope.FindNode(diagnostic) as ExpressionSyntax;
        var plan = creation is null ? null : Plan(creation, diagnostic, model, scope.CancellationToken);
        if (plan is null)
        {
            return null;
        }

        var title = $"Complete '{plan.Value.Name}' in a finally block after the producer";
        return CodeAction.Create(title, _ => Task.FromResult(Apply(scope.Document, scope.Root, plan.Value)), equivalenceKey: "CompleteInFinally");
    }

    private readonly struct FixPlan
    {
        public FixPlan(BlockSyntax block, int first, int last, string name, StatementSyntax completion)
        {
            Block = block;
            First = first;
            Last = last;
            Name = name;
            Completion = completion;
        }

        public BlockSyntax Block { get; }
        public int First { get; }
        public int Last { get; }
        public string Name { get; }
        public StatementSyntax Completion { get; }
    }

    private static FixPlan? Plan(ExpressionSyntax creation, Diagnostic diagnostic, SemanticModel model, CancellationToken ct)
    {
        if (creation.Parent is not EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator }
            || declarator.Parent?.Parent is not LocalDeclarationStatementSyntax declaration
            || declaration.Parent is not BlockSyntax declarationBlock
            || model.GetDeclaredSymbol(declarator, ct) is not ILocalSymbol local
            || ChannelApi.Create(WellKnownTypes.GetOrCreate(model.Compilation)) is not { } api)
        {
            return null;
        }

        var isCollection = api.IsBlockingCollection(model.GetTypeInfo(creation, ct).Type);
        var function = FunctionOf(declaration);
        if (function is null)
        {
            return null;
        }

        // The channel local and locals holding it or its writer (var writer = channel.Writer;).
        var group = new HashSet<ISymbol>(SymbolEqualityComparer.Default) { local };
        foreach (var other in function.DescendantNodes().OfType<VariableDeclaratorSyntax>())
        {
            if (other.Initializer?.Value is { } value && RefersTo(StripWriter(value), group, model, ct)
                && model.GetDeclaredSymbol(other, ct) is ILocalSymbol alias)
            {
                group.Add(alias);
            }
        }

        var writes = function.DescendantNodes().OfType<InvocationExpressionSyntax>()
            .Where(i => i.Expression is MemberAccessExpressionSyntax access
                && model.GetSymbolInfo(i, ct).Symbol is IMethodSymbol method && api.IsWrite(method)
                && RefersTo(StripWriter(access.Expression), group, model, ct))
            .ToList();
        if (writes.Count == 0)
        {
            return null;
        }

        var writeFunctions = writes.Select(FunctionOf).Distinct().ToList();
        if (writeFunctions.Count != 1 || writeFunctions[0] is null)
        {
            return null;
        }

        var block = writeFunctions[0] == function
            ? declarationBlock
            : writeFunctions[0] switch
            {
                AnonymousFunctionExpressionSyntax { Block: { } body } => body,
                LocalFunctionStatementSyntax { Body: { } body } => body,
                _ => null,
            };
        if (block is null)
        {
            return null;
        }

        var indexes = new List<int>();
        foreach (var write in writes)
        {
            var statement = write.Ancestors().OfType<StatementSyntax>().FirstOrDefault(s => s.Parent == block);
            if (statement is null)
            {
                return null;
            }

            indexes.Add(block.Statements.IndexOf(statement));
        }

        var first = indexes.Min();
        var last = indexes.Max();
        if (block == declarationBlock && first <= block.Statements.IndexOf(declaration))
        {
            return null;
        }

        var wrapped = block.Statements.Skip(first).Take(last - first + 1).ToList();
        var wrappedSpan = Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(wrapped[0].SpanStart, wrapped[wrapped.Count - 1].Span.End);
        if (diagnostic.AdditionalLocations.Any(l => wrappedSpan.IntersectsWith(l.SourceSpan)))
        {
            return null; // the drain runs between the writes: completing after them would change nothing sensible
        }

        // Declarations inside the range must not be used after it (they would go out of scope inside try).
        var declared = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (var statement in wrapped)
        {
            switch (statement)
            {
                case LocalDeclarationStatementSyntax localDeclaration:
                    foreach (var variable in localDeclaration.Declaration.Variables)
                    {
                        if (model.GetDeclaredSymbol(variable, ct) is { } symbol)
                        {
                            declared.Add(symbol);
                        }
                    }

                    break;
                case LocalFunctionStatementSyntax localFunction when model.GetDeclaredSymbol(localFunction, ct) is { } symbol:
                    declared.Add(symbol);
                    break;
            }
        }

        if (declared.Count > 0)
        {
            foreach (var statement in block.Statements.Skip(last + 1).Concat(block.Statements.Take(first)))
            {
                if (statement.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Any(n => declared.Contains(model.GetSymbolInfo(n, ct).Symbol!)))
                {
                    return null;
                }
            }
        }

        var name = declarator.Identifier.ValueText;
        var completion = SyntaxFactory.ParseStatement(isCollection ? $"{name}.CompleteAdding();" : $"{name}.Writer.Complete();");
        return new FixPlan(block, first, last, name, completion);
    }

    private static Document Apply(Document document, SyntaxNode root, FixPlan plan)
    {
        var statements = plan.Block.Statements;
        var wrapped = statements.Skip(plan.First).Take(plan.Last - plan.First + 1).ToList();
        var tryStatement = SyntaxFactory.TryStatement(
                SyntaxFactory.Block(wrapped),
                default,
                SyntaxFactory.FinallyClause(SyntaxFactory.Block(plan.Completion)))
            .WithLeadingTrivia(SyntaxFactory.ElasticMarker)
            .WithTrailingTrivia(wrapped[wrapped.Count - 1].GetTrailingTrivia())
            .WithAdditionalAnnotations(Formatter.Annotation);

        var newStatements = statements.Take(plan.First).Append(tryStatement).Concat(statements.Skip(plan.Last + 1));
        var newBlock = plan.Block.WithStatements(SyntaxFactory.List(newStatements));
        return document.WithSyntaxRoot(root.ReplaceNode(plan.Block, newBlock));
    }

    /// <summary>The nearest lambda, local function or member around <paramref name="node"/>.</summary>
    private static SyntaxNode? FunctionOf(SyntaxNode node) =>
        node.Ancestors().FirstOrDefault(a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or BaseMethodDeclarationSyntax or AccessorDeclarationSyntax);

    private static ExpressionSyntax StripWriter(ExpressionSyntax expression) =>
        expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Writer" } access ? access.Expression : expression;

    private static bool RefersTo(ExpressionSyntax expression, HashSet<ISymbol> group, SemanticModel model, CancellationToken ct) =>
        expression is IdentifierNameSyntax && model.GetSymbolInfo(expression, ct).Symbol is ILocalSymbol symbol && group.Contains(symbol);
}

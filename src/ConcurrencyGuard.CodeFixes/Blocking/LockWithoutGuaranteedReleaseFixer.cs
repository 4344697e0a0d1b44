using ConcurrencyGuard.Analyzers.Blocking;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Operations;

namespace ConcurrencyGuard.CodeFixes.Blocking;

/// <summary>
/// Fixes CG6003 into <c>await sem.WaitAsync(ct); try { ... } finally { sem.Release(); }</c>:
/// <list type="bullet">
/// <item>wait inside the try: the wait (the first statement of the try) moves before it;</item>
/// <item>no finally: the statements between the acquisition and the last release in the same block go into a
/// <c>try</c>, and that release into its <c>finally</c>. Not offered when another release of the object sits in
/// between (it would release twice), or a local declared in between (by a declaration, an out variable, a pattern
/// or a deconstruction) or a local function is used by the release or after it.</item>
/// <item>early exit before the releasing try: the statements between the acquisition and that try move to the top
/// of its body, so the finally covers the exit. Only for a try without catch clauses that is a later statement of
/// the same block (moving code under a catch would change what it handles), and not when a local declared in
/// between is used after the try or is a <c>using</c> declaration (it would be disposed earlier).</item>
/// </list>
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LockWithoutGuaranteedReleaseFixer)), Shared]
public sealed class LockWithoutGuaranteedReleaseFixer : ConcurrencyGuardFixer
{
    private const string EquivalenceKey = "ReleaseInFinally";

    public LockWithoutGuaranteedReleaseFixer()
        : base(RuleIdentifiers.LockWithoutGuaranteedRelease)
    {
    }

    protected override CodeAction? GetFix(FixScope scope, Diagnostic diagnostic)
    {
        var model = scope.Model!;
        var node = scope.FindNode(diagnostic);
        var statement = node.FirstAncestorOrSelf<ExpressionStatementSyntax>();
        if (statement?.Parent is not BlockSyntax block
            || !diagnostic.Properties.TryGetValue(LockWithoutGuaranteedReleaseAnalyzer.ShapeProperty, out var shape))
        {
            return null;
        }

        (SyntaxNode Old, SyntaxNode New)? edit = shape switch
        {
            LockWithoutGuaranteedReleaseAnalyzer.InsideTry => MoveOutOfTry(statement, block),
            LockWithoutGuaranteedReleaseAnalyzer.EarlyExit => MoveIntoTry(statement, block, model, scope.CancellationToken),
            LockWithoutGuaranteedReleaseAnalyzer.EarlyExitAfterTimedWait => null,
            _ => WrapInTry(statement, block, model, scope.CancellationToken),
        };
        if (edit is not { } e)
        {
            return null;
        }

        return scope.Replace("Release in a finally", e.Old, e.New, EquivalenceKey);
    }

    private static (SyntaxNode, SyntaxNode)? MoveOutOfTry(ExpressionStatementSyntax wait, BlockSyntax tryBlock)
    {
        if (tryBlock.Parent is not TryStatementSyntax tryStatement || tryBlock.Statements.IndexOf(wait) != 0 || tryStatement.Parent is not BlockSyntax outer)
        {
            return null;
        }

        var tryLeading = tryStatement.GetLeadingTrivia();
        var indentation = tryLeading.Count > 0 && tryLeading[tryLeading.Count - 1].IsKind(SyntaxKind.WhitespaceTrivia)
            ? SyntaxFactory.TriviaList(tryLeading[tryLeading.Count - 1])
            : SyntaxFactory.TriviaList();
        var moved = wait.WithLeadingTrivia(tryLeading);
        var rest = tryBlock.Statements.RemoveAt(0);
        var newTry = tryStatement.WithBlock(tryBlock.WithStatements(rest)).WithLeadingTrivia(indentation);
        var index = outer.Statements.IndexOf(tryStatement);
        var statements = outer.Statements.RemoveAt(index).Insert(index, newTry).Insert(index, moved);
        return (outer, outer.WithStatements(statements).WithAdditionalAnnotations(Formatter.Annotation));
    }

    private static (SyntaxNode, SyntaxNode)? WrapInTry(ExpressionStatementSyntax acquire, BlockSyntax block, SemanticModel model, CancellationToken ct)
    {
        if (FindAcquisition(acquire, model, ct) is not { } acquisition)
        {
            return null;
        }

        var (locks, lockObject) = acquisition;

        var start = block.Statements.IndexOf(acquire);
        var releaseIndex = -1;
        for (var i = block.Statements.Count - 1; i > start; i--)
        {
            if (block.Statements[i] is ExpressionStatementSyntax { Expression: InvocationExpressionSyntax call }
                && model.GetOperation(call, ct) is IInvocationOperation release
                && locks.IsRelease(release, lockObject))
            {
                releaseIndex = i;
                break;
            }
        }

        if (releaseIndex < 0)
        {
            return null;
        }

        var wrapped = new List<StatementSyntax>();
        for (var i = start + 1; i < releaseIndex; i++)
        {
            wrapped.Add(block.Statements[i]);
        }

        // Another release in between would run twice; a local declared in between and used later (in the release
        // itself or after it) would go out of scope. Locals come from declarations, but also from out variables,
        // patterns and deconstructions, whose scope is the enclosing block too (`Parse(s, out var token);`,
        // `if (x is not T token) return;`, `var (n, token) = pair;`); local functions likewise.
        var declared = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (var statement in wrapped)
        {
            foreach (var call in statement.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>())
            {
                if (model.GetOperation(call, ct) is IInvocationOperation op && locks.IsRelease(op, lockObject))
                {
                    return null;
                }
            }

            AddDeclaredLocals(statement, model, declared, ct);
        }

        if (UsesAny(block, releaseIndex, declared, model, ct))
        {
            return null;
        }

        var releaseStatement = block.Statements[releaseIndex];
        var tryStatement = SyntaxFactory.TryStatement(
                SyntaxFactory.Block(wrapped),
                default,
                SyntaxFactory.FinallyClause(SyntaxFactory.Block(releaseStatement.WithoutLeadingTrivia())))
            .WithAdditionalAnnotations(Formatter.Annotation);
        var statements = block.Statements;
        for (var i = releaseIndex; i > start; i--)
        {
            statements = statements.RemoveAt(i);
        }

        statements = statements.Insert(start + 1, tryStatement);
        return (block, block.WithStatements(statements));
    }

    private static (SyntaxNode, SyntaxNode)? MoveIntoTry(ExpressionStatementSyntax acquire, BlockSyntax block, SemanticModel model, CancellationToken ct)
    {
        if (FindAcquisition(acquire, model, ct) is not { } acquisition)
        {
            return null;
        }

        var (locks, lockObject) = acquisition;

        var start = block.Statements.IndexOf(acquire);
        var tryIndex = -1;
        for (var i = start + 1; i < block.Statements.Count && tryIndex < 0; i++)
        {
            foreach (var candidate in block.Statements[i].DescendantNodesAndSelf().OfType<TryStatementSyntax>())
            {
                if (candidate.Finally is { } @finally && model.GetOperation(@finally.Block, ct) is { } finallyOperation
                    && locks.IsReleasedIn(finallyOperation, lockObject))
                {
                    tryIndex = i;
                    break;
                }
            }
        }

        if (tryIndex < 0 || block.Statements[tryIndex] is not TryStatementSyntax { Catches.Count: 0 } tryStatement)
        {
            return null;
        }

        var moved = new List<StatementSyntax>();
        var declared = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        for (var i = start + 1; i < tryIndex; i++)
        {
            var statement = block.Statements[i];
            if (statement is LocalDeclarationStatementSyntax { UsingKeyword.RawKind: not 0 })
            {
                return null;
            }

            AddDeclaredLocals(statement, model, declared, ct);
            moved.Add(statement);
        }

        if (UsesAny(block, tryIndex + 1, declared, model, ct))
        {
            return null;
        }

        // The try now follows the acquisition directly: drop the blank lines that separated it from the moved statements.
        var leading = tryStatement.GetLeadingTrivia();
        var skip = 0;
        while (skip < leading.Count && leading[skip].IsKind(SyntaxKind.EndOfLineTrivia))
        {
            skip++;
        }

        var newTry = tryStatement
            .WithLeadingTrivia(leading.Skip(skip))
            .WithBlock(tryStatement.Block.WithStatements(tryStatement.Block.Statements.InsertRange(0, moved)))
            .WithAdditionalAnnotations(Formatter.Annotation);
        var statements = block.Statements;
        for (var i = tryIndex; i > start; i--)
        {
            statements = statements.RemoveAt(i);
        }

        statements = statements.Insert(start + 1, newTry);
        return (block, block.WithStatements(statements));
    }

    /// <summary>
    /// Locals <paramref name="statement"/> declares in its block's scope: declarations, but also out variables,
    /// patterns and deconstructions (<c>Parse(s, out var token);</c>, <c>if (x is not T token) return;</c>,
    /// <c>var (n, token) = pair;</c>), and local functions. Moving the statement into a try would take them out of scope.
    /// </summary>
    private static void AddDeclaredLocals(StatementSyntax statement, SemanticModel model, HashSet<ISymbol> declared, CancellationToken ct)
    {
        foreach (var node in statement.DescendantNodesAndSelf())
        {
            if (node is VariableDeclaratorSyntax or SingleVariableDesignationSyntax or LocalFunctionStatementSyntax
                && model.GetDeclaredSymbol(node, ct) is { } local)
            {
                declared.Add(local);
            }
        }
    }

    /// <summary>True when a statement of <paramref name="block"/> from <paramref name="start"/> on uses one of <paramref name="declared"/>.</summary>
    private static bool UsesAny(BlockSyntax block, int start, HashSet<ISymbol> declared, SemanticModel model, CancellationToken ct)
    {
        for (var i = start; i < block.Statements.Count && declared.Count > 0; i++)
        {
            foreach (var identifier in block.Statements[i].DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
            {
                if (model.GetSymbolInfo(identifier, ct).Symbol is { } used && declared.Contains(used.OriginalDefinition))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The lock object the statement acquires (<c>Wait</c>/<c>WaitAsync</c>/<c>Enter</c>), with the rule's lock reasoning; null when it acquires none.</summary>
    private static (LockWithoutGuaranteedReleaseAnalyzer.Locks Locks, IOperation LockObject)? FindAcquisition(ExpressionStatementSyntax acquire, SemanticModel model, CancellationToken ct)
    {
        var acquireInvocation = acquire.DescendantNodes().OfType<InvocationExpressionSyntax>()
            .Select(i => model.GetOperation(i, ct) as IInvocationOperation)
            .FirstOrDefault(i => i is not null && i.TargetMethod.Name is "Wait" or "WaitAsync" or "Enter");
        var locks = LockWithoutGuaranteedReleaseAnalyzer.Locks.Create(WellKnownTypes.GetOrCreate(model.Compilation));
        return acquireInvocation is not null && locks.IsAcquire(acquireInvocation, out var lockObject) && lockObject is not null
            ? (locks, lockObject)
            : null;
    }
}

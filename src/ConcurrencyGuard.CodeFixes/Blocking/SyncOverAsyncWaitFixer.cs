using ConcurrencyGuard.Analyzers.Blocking;

namespace ConcurrencyGuard.CodeFixes.Blocking;

/// <summary>
/// Fixes CG6001 in async code: <c>t.Result</c> and <c>t.GetAwaiter().GetResult()</c> become <c>await t</c>
/// (keeping <c>ConfigureAwait</c>), <c>t.Wait();</c> becomes <c>await t;</c>, <c>Task.WaitAll(a, b);</c> becomes
/// <c>await Task.WhenAll(a, b);</c> (and <c>WaitAny</c> as a statement, <c>WhenAny</c>). Waits with a timeout
/// or token are not rewritten: awaiting would drop the timeout.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SyncOverAsyncWaitFixer)), Shared]
public sealed class SyncOverAsyncWaitFixer : ConcurrencyGuardFixer
{
    private const string EquivalenceKey = "AwaitTask";

    public SyncOverAsyncWaitFixer()
        : base(RuleIdentifiers.SyncOverAsyncWait)
    {
    }

    protected override bool UsesSemanticModel => false;

    protected override async Task<IEnumerable<CodeAction>> GetFixesAsync(FixScope scope, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.ContainsKey(SyncOverAsyncWaitAnalyzer.CanAwaitProperty))
        {
            return NoFixes;
        }

        if (scope.FindNode(diagnostic) is not SimpleNameSyntax name
            || Rewrite(name) is not { } rewrite)
        {
            return NoFixes;
        }

        // WaitAll(tasks, timeout) with a non-literal timeout: only the single-parameter overloads are rewritten.
        if (rewrite.Old is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "WaitAll" or "WaitAny" } } waitAll)
        {
            var model = await scope.Document.GetSemanticModelAsync(scope.CancellationToken).ConfigureAwait(false);
            if (model?.GetSymbolInfo(waitAll, scope.CancellationToken).Symbol is not IMethodSymbol { Parameters.Length: 1 })
            {
                return NoFixes;
            }
        }

        return new[] { scope.Replace("Await the task", rewrite.Old, rewrite.New, EquivalenceKey) };
    }

    private static (SyntaxNode Old, SyntaxNode New)? Rewrite(SimpleNameSyntax name)
    {
        if (name.Parent is not MemberAccessExpressionSyntax member || member.Name != name)
        {
            return null;
        }

        switch (name.Identifier.ValueText)
        {
            case "Result":
                return (member, AwaitSyntax.Create(member.Expression, member));

            case "GetResult" when member.Parent is InvocationExpressionSyntax { ArgumentList.Arguments.Count: 0 } getResult
                && member.Expression is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "GetAwaiter" } getAwaiter }:
                return (getResult, AwaitSyntax.Create(getAwaiter.Expression, getResult));

            case "Wait" when member.Parent is InvocationExpressionSyntax { ArgumentList.Arguments.Count: 0, Parent: ExpressionStatementSyntax } wait:
                return (wait, AwaitSyntax.Create(member.Expression, wait));

            case "WaitAll" or "WaitAny" when member.Parent is InvocationExpressionSyntax { Parent: ExpressionStatementSyntax } waitAll
                && OnlyTasks(waitAll):
                var whenName = name.Identifier.ValueText == "WaitAll" ? "WhenAll" : "WhenAny";
                var when = waitAll.WithExpression(member.WithName(SyntaxFactory.IdentifierName(whenName).WithTriviaFrom(name)));
                return (waitAll, AwaitSyntax.Create(when, waitAll));

            default:
                return null;
        }
    }

    /// <summary>No named argument and no literal timeout: the call is <c>WaitAll(a, b)</c> or <c>WaitAll(tasks)</c>.</summary>
    private static bool OnlyTasks(InvocationExpressionSyntax invocation)
    {
        foreach (var argument in invocation.ArgumentList.Arguments)
        {
            if (argument.NameColon is not null || argument.Expression is LiteralExpressionSyntax)
            {
                return false;
            }
        }

        return invocation.ArgumentList.Arguments.Count > 0;
    }
}

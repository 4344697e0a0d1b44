using ConcurrencyGuard.Analyzers.Blocking;
using Microsoft.CodeAnalysis.Operations;

namespace ConcurrencyGuard.CodeFixes.Blocking;

/// <summary>
/// Fixes CG6002: <c>Thread.Sleep(x)</c> becomes <c>await Task.Delay(x, ct)</c>, <c>s.Read(...)</c> becomes
/// <c>await s.ReadAsync(..., ct)</c>, forwarding the token in scope (<see cref="TokenInScope"/>) when the
/// counterpart takes one; a required token with none in scope gets <c>CancellationToken.None</c>. Not offered
/// where <c>await</c> cannot be written (inside <c>lock</c>, a query clause).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(BlockingCallInAsyncMethodFixer)), Shared]
public sealed class BlockingCallInAsyncMethodFixer : ConcurrencyGuardFixer
{
    private const string EquivalenceKey = "AwaitAsyncCounterpart";

    public BlockingCallInAsyncMethodFixer()
        : base(RuleIdentifiers.BlockingCallInAsyncMethod)
    {
    }

    protected override CodeAction? GetFix(FixScope scope, Diagnostic diagnostic)
    {
        var model = scope.Model!;
        var node = scope.FindNode(diagnostic);
        var invocation = node.FirstAncestorOrSelf<InvocationExpressionSyntax>();
        if (invocation is null || !FixHelpers.CanAwaitAt(invocation, model, scope.CancellationToken)
            || model.GetSymbolInfo(invocation, scope.CancellationToken).Symbol is not IMethodSymbol method)
        {
            return null;
        }

        var types = WellKnownTypes.GetOrCreate(model.Compilation);
        var replacement = method.Name == "Sleep" && types.Is(method.ContainingType, WellKnownTypeNames.Thread)
            ? Sleep(invocation, diagnostic)
            : Counterpart(invocation, method, model.GetOperation(invocation, scope.CancellationToken) as IInvocationOperation, types, diagnostic);
        if (replacement is null)
        {
            return null;
        }

        var name = diagnostic.Properties.TryGetValue(BlockingCallInAsyncMethodAnalyzer.CounterpartProperty, out var n) ? n : "the async counterpart";
        return scope.Replace("Await " + name, invocation, replacement, EquivalenceKey);
    }

    private static ExpressionSyntax? Sleep(InvocationExpressionSyntax invocation, Diagnostic diagnostic)
    {
        if (invocation.ArgumentList.Arguments.Count != 1 || invocation.ArgumentList.Arguments[0].NameColon is not null)
        {
            return null;
        }

        var arguments = invocation.ArgumentList;
        if (TokenInScope.TryGetTokenExpression(diagnostic, out var token))
        {
            arguments = arguments.AddArguments(SyntaxFactory.Argument(token));
        }

        var delay = SyntaxFactory.InvocationExpression(AwaitSyntax.QualifiedMember("System.Threading.Tasks.Task", "Delay"), arguments);
        return AwaitSyntax.Create(delay, invocation);
    }

    private static ExpressionSyntax? Counterpart(InvocationExpressionSyntax invocation, IMethodSymbol method, IInvocationOperation? operation, WellKnownTypes types, Diagnostic diagnostic)
    {
        if (operation is null || AsyncCounterparts.Find(operation, types, out var tokenIndex) is not { } counterpart || method.ReducedFrom is not null)
        {
            return null;
        }

        var newExpression = invocation.Expression switch
        {
            MemberAccessExpressionSyntax member => member.WithName(Rename(member.Name, counterpart.Name)),
            SimpleNameSyntax simple => (ExpressionSyntax)Rename(simple, counterpart.Name),
            MemberBindingExpressionSyntax => null,
            _ => null,
        };
        if (newExpression is null)
        {
            return null;
        }

        var arguments = invocation.ArgumentList;
        if (tokenIndex >= 0)
        {
            var tokenParameter = counterpart.Parameters[tokenIndex];
            ExpressionSyntax? token = TokenInScope.TryGetTokenExpression(diagnostic, out var inScope) ? inScope : null;
            if (token is null && !tokenParameter.IsOptional)
            {
                token = AwaitSyntax.QualifiedMember("System.Threading.CancellationToken", "None");
            }

            if (token is not null)
            {
                // Omitted optional arguments (or params) before it: name the token.
                var named = arguments.Arguments.Count != tokenIndex;
                foreach (var a in arguments.Arguments)
                {
                    named |= a.NameColon is not null;
                }

                var argument = named
                    ? SyntaxFactory.Argument(SyntaxFactory.NameColon(tokenParameter.Name), default, token)
                    : SyntaxFactory.Argument(token);
                arguments = arguments.AddArguments(argument);
            }
        }

        return AwaitSyntax.Create(invocation.WithExpression(newExpression).WithArgumentList(arguments), invocation);
    }

    private static SimpleNameSyntax Rename(SimpleNameSyntax name, string newName) => name switch
    {
        GenericNameSyntax generic => generic.WithIdentifier(SyntaxFactory.Identifier(newName).WithTriviaFrom(generic.Identifier)),
        _ => SyntaxFactory.IdentifierName(SyntaxFactory.Identifier(newName).WithTriviaFrom(name.GetFirstToken())),
    };
}

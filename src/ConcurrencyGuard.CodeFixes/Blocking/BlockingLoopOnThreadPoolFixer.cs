using Microsoft.CodeAnalysis.Operations;

namespace ConcurrencyGuard.CodeFixes.Blocking;

/// <summary>
/// Fixes CG6004 by giving the loop its own thread: <c>Task.Run(work, ct)</c> becomes
/// <c>Task.Factory.StartNew(work, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default)</c>
/// (<c>CancellationToken.None</c> without a token); <c>StartNew</c> gets <c>LongRunning</c> added to its options,
/// or the token/options/scheduler arguments. Not offered with named arguments, or when the delegate returns a
/// task (<c>StartNew</c> would not unwrap it as <c>Task.Run</c> does).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(BlockingLoopOnThreadPoolFixer)), Shared]
public sealed class BlockingLoopOnThreadPoolFixer : ConcurrencyGuardFixer
{
    private const string EquivalenceKey = "LongRunning";

    public BlockingLoopOnThreadPoolFixer()
        : base(RuleIdentifiers.BlockingLoopOnThreadPool)
    {
    }

    protected override CodeAction? GetFix(FixScope scope, Diagnostic diagnostic)
    {
        var model = scope.Model!;
        var invocation = scope.FindNode(diagnostic).FirstAncestorOrSelf<InvocationExpressionSyntax>();
        if (invocation is null || model.GetOperation(invocation, scope.CancellationToken) is not IInvocationOperation operation
            || Rewrite(invocation, operation, WellKnownTypes.GetOrCreate(model.Compilation)) is not { } replacement)
        {
            return null;
        }

        return scope.Replace("Run on a dedicated thread (LongRunning)", invocation, replacement, EquivalenceKey);
    }

    private static ExpressionSyntax? Rewrite(InvocationExpressionSyntax invocation, IInvocationOperation operation, WellKnownTypes types)
    {
        if (invocation.Expression is not MemberAccessExpressionSyntax member)
        {
            return null;
        }

        ArgumentSyntax? work = null, state = null, token = null, options = null;
        foreach (var argument in operation.Arguments)
        {
            if (argument.Syntax is not ArgumentSyntax syntax)
            {
                continue;
            }

            if (syntax.NameColon is not null)
            {
                return null;
            }

            var parameter = argument.Parameter;
            if (parameter is null)
            {
                return null;
            }

            if (parameter.Type.TypeKind == TypeKind.Delegate)
            {
                if (parameter.Type is INamedTypeSymbol { DelegateInvokeMethod.ReturnType: var returnType } && types.IsTaskLike(returnType))
                {
                    return null;
                }

                work = syntax;
            }
            else if (parameter.Name == "state")
            {
                state = syntax;
            }
            else if (TokenInScope.IsToken(parameter.Type, types))
            {
                token = syntax;
            }
            else if (parameter.Type.Name == "TaskCreationOptions")
            {
                options = syntax;
            }
            else if (parameter.Type.Name != "TaskScheduler")
            {
                return null;
            }
        }

        if (work is null)
        {
            return null;
        }

        var longRunning = AwaitSyntax.QualifiedMember("System.Threading.Tasks.TaskCreationOptions", "LongRunning");
        if (options is not null)
        {
            var combined = SyntaxFactory.BinaryExpression(SyntaxKind.BitwiseOrExpression, options.Expression.WithoutTrivia(), longRunning).WithTriviaFrom(options.Expression);
            return invocation.ReplaceNode(options.Expression, combined);
        }

        var arguments = new List<ArgumentSyntax> { work };
        if (state is not null)
        {
            arguments.Add(state);
        }

        arguments.Add(token ?? SyntaxFactory.Argument(AwaitSyntax.QualifiedMember("System.Threading.CancellationToken", "None")));
        arguments.Add(SyntaxFactory.Argument(longRunning));
        arguments.Add(SyntaxFactory.Argument(AwaitSyntax.QualifiedMember("System.Threading.Tasks.TaskScheduler", "Default")));
        var argumentList = invocation.ArgumentList.WithArguments(SyntaxFactory.SeparatedList(arguments));

        ExpressionSyntax expression = member;
        if (operation.TargetMethod.Name == "Run")
        {
            SimpleNameSyntax startNew = member.Name is GenericNameSyntax generic
                ? generic.WithIdentifier(SyntaxFactory.Identifier("StartNew"))
                : SyntaxFactory.IdentifierName("StartNew");
            var factory = SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, member.Expression, SyntaxFactory.IdentifierName("Factory"));
            expression = SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, factory, startNew.WithTriviaFrom(member.Name));
        }

        return invocation.WithExpression(expression).WithArgumentList(argumentList);
    }
}

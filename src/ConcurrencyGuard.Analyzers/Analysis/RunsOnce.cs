using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// "Does this method run at most once per instance of its type?" True for a private method every call of which
/// (in every partial part of the type) is run once: in a constructor, on the right of a <c>field ??= ...</c> (the
/// lazily started one-shot task: <c>_report ??= Task.Run(() =&gt; ReportAsync())</c>), or in another private method
/// that runs once; never inside a loop, and inside a lambda only when that lambda is run once (given to
/// <c>Task.Run</c>, <c>Task.Factory.StartNew</c> or a <c>Lazy&lt;T&gt;</c>). Work done there is per instance, as in a
/// constructor, not per operation. Two levels of callers are followed; anything else (a call the scan cannot
/// resolve, a method group, a call in another syntax tree) is "maybe many times".
/// </summary>
public static class RunsOnce
{
    private const int MaxDepth = 2;

    public static bool IsRunOncePerInstance(IMethodSymbol method, SemanticModel model, WellKnownTypes types, System.Threading.CancellationToken cancellationToken) =>
        IsRunOnce(method, model, types, 0, cancellationToken);

    private static bool IsRunOnce(IMethodSymbol method, SemanticModel model, WellKnownTypes types, int depth, System.Threading.CancellationToken cancellationToken)
    {
        if (depth > MaxDepth || method.MethodKind != MethodKind.Ordinary || method.DeclaredAccessibility != Accessibility.Private
            || method.ContainingType is not { } type)
        {
            return false;
        }

        var calls = 0;
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            foreach (var node in reference.GetSyntax(cancellationToken).DescendantNodes())
            {
                if (node is not IdentifierNameSyntax name || name.Identifier.ValueText != method.Name)
                {
                    continue;
                }

                if (node.SyntaxTree != model.SyntaxTree)
                {
                    return false;
                }

                var symbol = model.GetSymbolInfo(name, cancellationToken).Symbol;
                if (!SymbolEqualityComparer.Default.Equals(symbol?.OriginalDefinition, method.OriginalDefinition))
                {
                    continue;
                }

                if (!IsCalledOnce(name, model, types, depth, cancellationToken))
                {
                    return false;
                }

                calls++;
            }
        }

        return calls > 0;
    }

    private static bool IsCalledOnce(IdentifierNameSyntax name, SemanticModel model, WellKnownTypes types, int depth, System.Threading.CancellationToken cancellationToken)
    {
        // The name must be called, not taken as a method group (an event handler or a timer callback runs many times).
        SyntaxNode callee = name.Parent is MemberAccessExpressionSyntax access && access.Name == name ? access : name;
        if (callee.Parent is not InvocationExpressionSyntax)
        {
            return false;
        }

        for (var node = callee.Parent; node is not null; node = node.Parent)
        {
            switch (node)
            {
                case ForStatementSyntax or ForEachStatementSyntax or WhileStatementSyntax or DoStatementSyntax:
                    return false;
                case AnonymousFunctionExpressionSyntax lambda when !IsRunOnceDelegate(lambda, model, types, cancellationToken):
                    return false;
                case LocalFunctionStatementSyntax:
                    return false;
                case AssignmentExpressionSyntax assignment when assignment.IsKind(SyntaxKind.CoalesceAssignmentExpression)
                        && assignment.Right.Span.Contains(name.Span)
                        && model.GetSymbolInfo(assignment.Left, cancellationToken).Symbol is IFieldSymbol or IPropertySymbol:
                    return true;
                case ConstructorDeclarationSyntax:
                    return true;
                case MethodDeclarationSyntax declaration:
                    return model.GetDeclaredSymbol(declaration, cancellationToken) is { } caller
                        && IsRunOnce(caller, model, types, depth + 1, cancellationToken);
                case MemberDeclarationSyntax:
                    return false;
            }
        }

        return false;
    }

    /// <summary>A lambda given to <c>Task.Run</c>, <c>TaskFactory.StartNew</c> or <c>new Lazy&lt;T&gt;(...)</c>: it runs once.</summary>
    private static bool IsRunOnceDelegate(AnonymousFunctionExpressionSyntax lambda, SemanticModel model, WellKnownTypes types, System.Threading.CancellationToken cancellationToken)
    {
        if (lambda.Parent is not ArgumentSyntax { Parent: ArgumentListSyntax { Parent: { } call } })
        {
            return false;
        }

        var symbol = model.GetSymbolInfo(call, cancellationToken).Symbol as IMethodSymbol;
        return symbol is not null
            && (types.IsTaskRun(symbol) || types.IsTaskFactoryStartNew(symbol)
                || symbol.MethodKind == MethodKind.Constructor && types.Is(symbol.ContainingType, "System.Lazy`1"));
    }
}

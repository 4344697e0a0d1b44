using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// "Does this type give each request a deadline of its own?" (CG3002 leaves an infinite <c>HttpClient.Timeout</c>
/// alone there: that is the documented way to have per-call timeouts). Decided on symbols, never on names: the
/// type calls <c>CancellationTokenSource.CancelAfter</c>, creates a <c>CancellationTokenSource</c> with a delay,
/// races its work against <c>Task.Delay</c> in <c>Task.WhenAny</c>, or calls <c>Task.WaitAsync(TimeSpan)</c>; or it
/// calls a method of the same compilation whose body does one of these (one level: a <c>TimeoutUtility</c>-style
/// helper). A member that merely has "timeout" in its name arms nothing.
/// </summary>
public static class PerRequestDeadlines
{
    public static bool TypeArmsDeadline(INamedTypeSymbol type, SemanticModel model, WellKnownTypes types, System.Threading.CancellationToken cancellationToken)
    {
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            var syntax = reference.GetSyntax(cancellationToken);
            if (syntax.SyntaxTree != model.SyntaxTree)
            {
                // Another partial part: no model for its tree here; judge its calls by the same API, unresolved.
                if (ArmsDeadline(syntax, null, types, cancellationToken))
                {
                    return true;
                }

                continue;
            }

            if (ArmsDeadline(syntax, model, types, cancellationToken))
            {
                return true;
            }

            // One level into same-compilation callees (a helper that arms the deadline for its caller).
            foreach (var node in syntax.DescendantNodes())
            {
                if (node is InvocationExpressionSyntax invocation
                    && model.GetSymbolInfo(invocation, cancellationToken).Symbol is IMethodSymbol { DeclaringSyntaxReferences.Length: > 0 } callee
                    && !SymbolEqualityComparer.Default.Equals(callee.ContainingType?.OriginalDefinition, type.OriginalDefinition))
                {
                    foreach (var calleeReference in callee.DeclaringSyntaxReferences)
                    {
                        var body = calleeReference.GetSyntax(cancellationToken);
                        if (ArmsDeadline(body, body.SyntaxTree == model.SyntaxTree ? model : null, types, cancellationToken))
                        {
                            return true;
                        }
                    }
                }
            }
        }

        return false;
    }

    /// <summary>
    /// A deadline armed somewhere under <paramref name="root"/>. With a model, calls are resolved to their symbols;
    /// without one (another syntax tree), the same framework members are recognised by their member and type names.
    /// </summary>
    private static bool ArmsDeadline(SyntaxNode root, SemanticModel? model, WellKnownTypes types, System.Threading.CancellationToken cancellationToken)
    {
        var tokenSource = types.Get(WellKnownTypeNames.CancellationTokenSource);
        foreach (var node in root.DescendantNodes())
        {
            switch (node)
            {
                case InvocationExpressionSyntax invocation:
                    if (model is null)
                    {
                        if (invocation.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "CancelAfter" })
                        {
                            return true;
                        }

                        break;
                    }

                    if (model.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol method)
                    {
                        break;
                    }

                    if (method.Name == "CancelAfter" && SymbolEqualityComparer.Default.Equals(method.ContainingType, tokenSource)
                        || method.Name == "WaitAsync" && types.IsTask(method.ContainingType) && HasTimeSpanParameter(method, types)
                        || method.Name == "WhenAny" && types.IsTask(method.ContainingType) && RacesDelay(invocation, model, types, cancellationToken))
                    {
                        return true;
                    }

                    break;
                case BaseObjectCreationExpressionSyntax { ArgumentList.Arguments.Count: > 0 } creation:
                    if (model is null)
                    {
                        if (creation is ObjectCreationExpressionSyntax { Type: var typeSyntax } && typeSyntax.ToString().EndsWith("CancellationTokenSource", System.StringComparison.Ordinal))
                        {
                            return true;
                        }

                        break;
                    }

                    if (model.GetSymbolInfo(creation, cancellationToken).Symbol is IMethodSymbol constructor
                        && SymbolEqualityComparer.Default.Equals(constructor.ContainingType, tokenSource)
                        && HasDelayParameter(constructor, types))
                    {
                        return true;
                    }

                    break;
            }
        }

        return false;
    }

    private static bool HasTimeSpanParameter(IMethodSymbol method, WellKnownTypes types)
    {
        foreach (var parameter in method.Parameters)
        {
            if (types.Is(parameter.Type, WellKnownTypeNames.TimeSpan))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasDelayParameter(IMethodSymbol constructor, WellKnownTypes types) =>
        constructor.Parameters.Length > 0
        && (HasTimeSpanParameter(constructor, types) || constructor.Parameters[0].Type.SpecialType == SpecialType.System_Int32);

    /// <summary><c>Task.WhenAny(work, Task.Delay(t))</c>: the work raced against a timer.</summary>
    private static bool RacesDelay(InvocationExpressionSyntax whenAny, SemanticModel model, WellKnownTypes types, System.Threading.CancellationToken cancellationToken)
    {
        foreach (var node in whenAny.ArgumentList.DescendantNodes())
        {
            if (node is InvocationExpressionSyntax inner
                && model.GetSymbolInfo(inner, cancellationToken).Symbol is IMethodSymbol { Name: "Delay" } delay
                && types.IsTask(delay.ContainingType))
            {
                return true;
            }
        }

        return false;
    }
}

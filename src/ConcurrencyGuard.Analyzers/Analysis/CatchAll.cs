using System.Linq;

namespace ConcurrencyGuard.Analyzers;

/// <summary>"Can an exception escape this body?" for async void methods and handlers.</summary>
public static class CatchAll
{
    /// <summary>
    /// True when every statement of the block body is a <c>try</c> with a catch clause that catches
    /// everything: <c>catch</c>, <c>catch (Exception)</c> without a filter. Expression bodies are never wrapped.
    /// </summary>
    public static bool IsBodyWrapped(BlockSyntax? body, SemanticModel model, WellKnownTypes types) =>
        IsBodyWrapped(body, tryStatement => HasCatchAllClause(tryStatement, model, types));

    /// <summary>Every statement of <paramref name="body"/> (after harmless declarations) is a try that <paramref name="catchesAll"/>.</summary>
    private static bool IsBodyWrapped(BlockSyntax? body, System.Func<TryStatementSyntax, bool> catchesAll)
    {
        if (body is null || body.Statements.Count == 0)
        {
            return body is not null;
        }

        var tries = 0;
        foreach (var statement in body.Statements)
        {
            if (tries == 0 && IsHarmlessDeclaration(statement))
            {
                continue;
            }

            if (statement is not TryStatementSyntax tryStatement || !catchesAll(tryStatement))
            {
                return false;
            }

            tries++;
        }

        return tries > 0;
    }

    /// <summary>
    /// <c>bool lockTaken = false;</c> before the try: a local declaration whose initializers are literals or
    /// <c>default</c> cannot throw, so it does not let an exception escape.
    /// </summary>
    private static bool IsHarmlessDeclaration(StatementSyntax statement)
    {
        if (statement is not LocalDeclarationStatementSyntax { UsingKeyword.RawKind: 0, AwaitKeyword.RawKind: 0 } declaration)
        {
            return false;
        }

        foreach (var variable in declaration.Declaration.Variables)
        {
            if (variable.Initializer is not null && variable.Initializer.Value is not (LiteralExpressionSyntax or DefaultExpressionSyntax))
            {
                return false;
            }
        }

        return true;
    }

    public static bool HasCatchAllClause(TryStatementSyntax tryStatement, SemanticModel model, WellKnownTypes types)
    {
        foreach (var clause in tryStatement.Catches)
        {
            if (clause.Filter is not null)
            {
                continue;
            }

            if (clause.Declaration is null)
            {
                return true;
            }

            var caught = model.GetTypeInfo(clause.Declaration.Type).Type;
            if (caught is not null && (SymbolEqualityComparer.Default.Equals(caught, types.Exception) || caught.SpecialType == SpecialType.System_Object))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// <see cref="IsBodyWrapped"/> without a semantic model, for bodies in other syntax trees: a catch
    /// clause catches everything when it has no filter and no type, or its type is written
    /// <c>Exception</c> / <c>System.Exception</c> / <c>global::System.Exception</c>.
    /// </summary>
    public static bool IsBodyWrappedSyntactically(BlockSyntax? body) =>
        IsBodyWrapped(body, tryStatement => tryStatement.Catches.Any(clause => clause.Filter is null
            && (clause.Declaration is null || clause.Declaration.Type.ToString() is "Exception" or "System.Exception" or "global::System.Exception")));
}

using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ConcurrencyGuard.Analyzers;

/// <summary>"Can an exception escape this body?" for async void methods and handlers.</summary>
public static class CatchAll
{
    /// <summary>
    /// True when every statement of the block body is a <c>try</c> with a catch clause that catches
    /// everything: <c>catch</c>, <c>catch (Exception)</c> without a filter. Expression bodies are never wrapped.
    /// </summary>
    public static bool IsBodyWrapped(BlockSyntax? body, SemanticModel model, WellKnownTypes types)
    {
        if (body is null || body.Statements.Count == 0)
        {
            return body is not null;
        }

        foreach (var statement in body.Statements)
        {
            if (statement is not TryStatementSyntax tryStatement || !HasCatchAllClause(tryStatement, model, types))
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
}

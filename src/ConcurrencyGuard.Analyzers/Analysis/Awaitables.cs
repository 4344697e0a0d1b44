using System.Linq;

namespace ConcurrencyGuard.Analyzers;

/// <summary>"Is this expression something you can await?", shared by every rule that reasons about tasks.</summary>
public static class Awaitables
{
    /// <summary>
    /// True for the task-likes and for any type with an instance <c>GetAwaiter()</c> whose awaiter has
    /// <c>IsCompleted</c> and <c>GetResult()</c> (e.g. <c>ConfiguredTaskAwaitable</c>, custom awaitables).
    /// Extension <c>GetAwaiter</c> methods are not considered: they are rare and need a lookup per call site.
    /// </summary>
    public static bool IsAwaitable(ITypeSymbol? type, WellKnownTypes types)
    {
        if (type is null || type.SpecialType == SpecialType.System_Void || type.TypeKind == TypeKind.Error)
        {
            return false;
        }

        if (types.IsTaskLike(type))
        {
            return true;
        }

        if (type.TypeKind is TypeKind.Dynamic or TypeKind.TypeParameter or TypeKind.Interface)
        {
            return false;
        }

        foreach (var member in type.GetMembers("GetAwaiter"))
        {
            if (member is IMethodSymbol { IsStatic: false, Parameters.Length: 0, ReturnsVoid: false } getAwaiter
                && IsAwaiter(getAwaiter.ReturnType))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsAwaiter(ITypeSymbol awaiter)
    {
        var hasIsCompleted = awaiter.GetMembers("IsCompleted").OfType<IPropertySymbol>().Any(p => p.Type.SpecialType == SpecialType.System_Boolean);
        var hasGetResult = awaiter.GetMembers("GetResult").OfType<IMethodSymbol>().Any(m => m.Parameters.Length == 0);
        return hasIsCompleted && hasGetResult;
    }
}

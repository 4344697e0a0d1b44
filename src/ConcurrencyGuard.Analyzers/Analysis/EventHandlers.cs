namespace ConcurrencyGuard.Analyzers;

/// <summary>The <c>(object sender, TEventArgs e)</c> shape, shared by CG1003 and CG1004.</summary>
public static class EventHandlers
{
    public static bool HasEventHandlerShape(IMethodSymbol method, WellKnownTypes types)
    {
        if (method.Parameters.Length != 2 || method.Parameters[0].Type.SpecialType != SpecialType.System_Object)
        {
            return false;
        }

        return WellKnownTypes.InheritsFrom(method.Parameters[1].Type, types.EventArgs);
    }
}

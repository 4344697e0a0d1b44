namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// Every rule ID in one place. The thousands digit is the family (see <see cref="RuleFamily"/>).
/// Code fixes, tests and the docs catalog refer to these constants, never to string literals.
/// </summary>
public static class RuleIdentifiers
{
    // Family 1: task lifetime
    public const string DroppedTask = "CG1001";
    public const string DiscardedTask = "CG1002";
    public const string AsyncVoidMethod = "CG1003";
    public const string AsyncLambdaToVoidDelegate = "CG1004";
    public const string EndlessBackgroundLoop = "CG1005";
    public const string StartNewAsyncDelegate = "CG1006";

    // Family 2: cancellation flow
    public const string TokenNotForwarded = "CG2001";
    public const string NoneTokenPassed = "CG2002";
    // Family 5: closure capture
    public const string ForLoopVariableCaptured = "CG5001";
}

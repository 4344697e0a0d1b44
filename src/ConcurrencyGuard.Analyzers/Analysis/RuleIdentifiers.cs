namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// Every rule ID in one place. The thousands digit is the family (see <see cref="RuleFamily"/>).
/// Code fixes, tests and the docs catalog refer to these constants, never to string literals.
/// Kept in ID order under their family's comment (a catalog test checks it).
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
    public const string LoopIgnoresToken = "CG2003";
    public const string UndisposedTokenSource = "CG2004";
    public const string UncancellableAsyncApi = "CG2005";
    public const string TimeoutDropsCallerToken = "CG2006";

    // Family 3: HTTP & sockets
    public const string HttpClientWithoutTimeout = "CG3001";
    public const string InfiniteHttpTimeout = "CG3002";
    public const string SocketsHandlerWithoutLimits = "CG3003";
    public const string HttpClientPerOperation = "CG3004";
    public const string StreamedBodyWithoutDeadline = "CG3005";
    public const string HttpClientRegisteredWithoutTimeout = "CG3006";

    // Family 4: channels & queues
    public const string UnboundedChannel = "CG4001";
    public const string ChannelWriterNeverCompleted = "CG4002";
    public const string UnboundedBlockingCollection = "CG4003";
    public const string IgnoredTryWrite = "CG4004";

    // Family 5: closure capture
    public const string ForLoopVariableCaptured = "CG5001";
    public const string CapturedVariableModified = "CG5002";
    public const string DisposedResourceCaptured = "CG5003";
    public const string RequestStateCaptured = "CG5004";

    // Family 6: blocking & thread-pool starvation
    public const string SyncOverAsyncWait = "CG6001";
    public const string BlockingCallInAsyncMethod = "CG6002";
    public const string LockWithoutGuaranteedRelease = "CG6003";
    public const string BlockingLoopOnThreadPool = "CG6004";
    public const string TaskCompletionSourceInlineContinuations = "CG6005";

    // Family 0: the product itself (not a hazard): an entry of concurrencyguard.baseline.json that no longer matches
    public const string StaleBaselineEntry = "CG0001";
}

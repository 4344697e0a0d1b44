namespace ConcurrencyGuard;

/// <summary>What a probe of the <see cref="ConcurrencyMonitor"/> measures.</summary>
public enum ProbeKind
{
    /// <summary>Tracked tasks outstanding (<see cref="TaskTracker.Outstanding"/>). Unit: tasks.</summary>
    TrackedTasks,

    /// <summary>Thread-pool threads (<c>ThreadPool.ThreadCount</c>). Unit: threads.</summary>
    ThreadPoolThreads,

    /// <summary>Thread-pool queue length (<c>ThreadPool.PendingWorkItemCount</c>). Unit: work items.</summary>
    ThreadPoolQueueLength,

    /// <summary>Thread-pool work items completed per second (from <c>ThreadPool.CompletedWorkItemCount</c>). Unit: 1/s.</summary>
    ThreadPoolCompletionRate,

    /// <summary>
    /// Starvation probe latency: how long a work item queued by the monitor waited before it ran (or
    /// has been waiting, if it has not run yet). Unit: seconds. Its alarms only fire when
    /// corroborated by a non-empty queue or the runtime's own starvation events (see docs).
    /// </summary>
    StarvationLatency,

    /// <summary>
    /// Thread injections the runtime reported for starvation (event 55 <c>ThreadPoolWorkerThreadAdjustmentAdjustment</c>,
    /// reason Starvation) since the previous sample. Unit: events per sample.
    /// </summary>
    StarvationEvents,

    /// <summary>Lock contentions per second (from <c>Monitor.LockContentionCount</c>). Unit: 1/s.</summary>
    LockContentionRate,

    /// <summary>Share of wall time spent in GC pauses since the previous sample (from <c>GC.GetTotalPauseDuration()</c>). Unit: ratio 0..1.</summary>
    GcPauseShare,

    /// <summary>Open handles / file descriptors (<c>/proc/self/fd</c> on Linux, the process handle count elsewhere). Unit: handles.</summary>
    OpenHandles,

    /// <summary>Open file descriptors divided by the soft limit (<c>/proc/self/limits</c>; Linux only). Unit: ratio 0..1.</summary>
    HandleUsage,

    /// <summary>HTTP client requests in flight (<c>http.client.active_requests</c> of the <c>System.Net.Http</c> meter). Unit: requests.</summary>
    HttpActiveRequests,

    /// <summary>HTTP client connections open (<c>http.client.open_connections</c> of the <c>System.Net.Http</c> meter). Unit: connections.</summary>
    HttpOpenConnections,
}

/// <summary>Which rule raised an alarm.</summary>
public enum AlarmRule
{
    /// <summary>The value reached the probe's Degraded or Unhealthy level.</summary>
    Threshold,

    /// <summary>After warm-up, the value exceeded the rolling average of recent samples by the surge factor (and the surge minimum).</summary>
    Surge,

    /// <summary>The value stayed at or over the Degraded level (or the Unhealthy one, if no Degraded level is set) for the sustained duration.</summary>
    Sustained,
}

/// <summary>How bad an alarm (or the monitor's overall state) is.</summary>
public enum ConcurrencyStatus
{
    /// <summary>No alarm raised.</summary>
    Healthy = 0,

    /// <summary>At least one alarm raised, none Unhealthy.</summary>
    Degraded = 1,

    /// <summary>At least one Unhealthy alarm raised.</summary>
    Unhealthy = 2,
}

using System.Collections.Generic;

namespace ConcurrencyGuard;

/// <summary>Names of the <c>ConcurrencyGuard</c> meter and its instruments (OpenTelemetry style).</summary>
public static class MetricNames
{
    /// <summary>The meter name: <c>ConcurrencyGuard</c>.</summary>
    public const string MeterName = "ConcurrencyGuard";

    /// <summary>UpDownCounter, <c>{task}</c>: tracked tasks outstanding.</summary>
    public const string TaskActive = "concurrencyguard.task.active";

    /// <summary>Histogram, <c>s</c>: run time of tracked tasks, tagged with <see cref="OutcomeTag"/>.</summary>
    public const string TaskDuration = "concurrencyguard.task.duration";

    /// <summary>Counter, <c>{fault}</c>: tracked tasks that faulted.</summary>
    public const string TaskFaultCount = "concurrencyguard.task.fault.count";

    /// <summary>Counter, <c>{task}</c>: tasks not registered because the registry was at its cap.</summary>
    public const string TaskDroppedCount = "concurrencyguard.task.dropped.count";

    /// <summary>Histogram, <c>s</c>: time a probe work item waited in the thread-pool queue before it ran.</summary>
    public const string ProbeDuration = "concurrencyguard.thread_pool.probe.duration";

    /// <summary>Counter, <c>{adjustment}</c>: thread injections the runtime made because of starvation (event 55, reason Starvation).</summary>
    public const string StarvationCount = "concurrencyguard.thread_pool.starvation.count";

    /// <summary>Counter, <c>{alarm}</c>: alarms raised, tagged with <see cref="ProbeTag"/>, <see cref="RuleTag"/>, <see cref="SeverityTag"/>.</summary>
    public const string AlarmCount = "concurrencyguard.alarm.count";

    /// <summary>UpDownCounter, <c>{alarm}</c>: alarms currently raised.</summary>
    public const string AlarmActive = "concurrencyguard.alarm.active";

    /// <summary>Tag on <see cref="TaskDuration"/>: <c>success</c>, <c>faulted</c> or <c>canceled</c>.</summary>
    public const string OutcomeTag = "concurrencyguard.task.outcome";

    /// <summary>Tag on <see cref="AlarmCount"/>: the probe (for example <c>tracked_tasks</c>).</summary>
    public const string ProbeTag = "concurrencyguard.probe";

    /// <summary>Tag on <see cref="AlarmCount"/>: the rule (<c>threshold</c>, <c>surge</c>, <c>sustained</c>).</summary>
    public const string RuleTag = "concurrencyguard.alarm.rule";

    /// <summary>Tag on <see cref="AlarmCount"/>: <c>degraded</c> or <c>unhealthy</c>.</summary>
    public const string SeverityTag = "concurrencyguard.alarm.severity";

    /// <summary>
    /// Bucket boundaries (seconds) advised for <see cref="TaskDuration"/>: 1 ms to 1 h. OpenTelemetry's
    /// default boundaries (0, 5, 10, ... 10000) are meant for milliseconds and would put every value in seconds
    /// in the first bucket. On .NET 9 and later the histogram carries them as advice; on .NET 8 add an
    /// OpenTelemetry view with them (see docs/runtime.md).
    /// </summary>
    public static IReadOnlyList<double> TaskDurationBuckets { get; } = new[] { 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600 };

    /// <summary>
    /// Bucket boundaries (seconds) advised for <see cref="ProbeDuration"/>: 100 µs to 30 s, dense around the
    /// 1 s starvation level so a p99 alert on it is meaningful.
    /// </summary>
    public static IReadOnlyList<double> ProbeDurationBuckets { get; } = new[] { 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30 };
}

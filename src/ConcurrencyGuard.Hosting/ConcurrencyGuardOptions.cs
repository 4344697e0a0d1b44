using System;
using ConcurrencyGuard;

namespace ConcurrencyGuard.Hosting;

/// <summary>
/// Options of <c>services.AddConcurrencyGuard()</c>, bound from the <c>ConcurrencyGuard</c> configuration
/// section and validated at start. Defaults need no configuration.
/// </summary>
public sealed class ConcurrencyGuardOptions
{
    /// <summary>The configuration section the options bind from: <c>ConcurrencyGuard</c>.</summary>
    public const string SectionName = "ConcurrencyGuard";

    /// <summary>Turns the monitor off without removing the registration (default <see langword="true"/>).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Time between samples (default 5 seconds).</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Samples before the surge rule applies (default 12, one minute at the default interval).</summary>
    public int WarmupSamples { get; set; } = 12;

    /// <summary>Samples in the surge rule's rolling average (default 12).</summary>
    public int SurgeWindowSamples { get; set; } = 12;

    /// <summary>Hysteresis: clear below level x (1 - Hysteresis) (default 0.2).</summary>
    public double Hysteresis { get; set; } = 0.2;

    /// <summary>Consecutive samples below the clear level before an alarm clears (default 3).</summary>
    public int ClearAfterSamples { get; set; } = 3;

    /// <summary>After an alarm clears, no new episode of the same probe and rule for this long (default 5 minutes).</summary>
    public TimeSpan Cooldown { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Creation sites listed in task alarms and logs (default 5).</summary>
    public int TopSites { get; set; } = 5;

    /// <summary>Listen to the runtime's thread-pool starvation event (default <see langword="true"/>).</summary>
    public bool ListenToRuntimeEvents { get; set; } = true;

    /// <summary>Log each tracked task fault (event 3) (default <see langword="true"/>).</summary>
    public bool LogTaskFaults { get; set; } = true;

    /// <summary>Tracked tasks outstanding: Degraded 10,000, Unhealthy 100,000, surge 3x over 1,000, sustained 2 min.</summary>
    public ProbeOptions TrackedTasks { get; set; } = ProbeOptions.DefaultFor(ProbeKind.TrackedTasks);

    /// <summary>Thread-pool threads: reported only.</summary>
    public ProbeOptions ThreadPoolThreads { get; set; } = ProbeOptions.DefaultFor(ProbeKind.ThreadPoolThreads);

    /// <summary>Thread-pool queue length: Degraded 1,000, surge 3x over 100.</summary>
    public ProbeOptions ThreadPoolQueueLength { get; set; } = ProbeOptions.DefaultFor(ProbeKind.ThreadPoolQueueLength);

    /// <summary>Work items completed per second: reported only.</summary>
    public ProbeOptions ThreadPoolCompletionRate { get; set; } = ProbeOptions.DefaultFor(ProbeKind.ThreadPoolCompletionRate);

    /// <summary>Starvation probe latency (seconds): Degraded 1, Unhealthy 5, sustained 30 s; only when corroborated.</summary>
    public ProbeOptions StarvationLatency { get; set; } = ProbeOptions.DefaultFor(ProbeKind.StarvationLatency);

    /// <summary>Runtime starvation adjustments per sample: Degraded 2.</summary>
    public ProbeOptions StarvationEvents { get; set; } = ProbeOptions.DefaultFor(ProbeKind.StarvationEvents);

    /// <summary>Lock contentions per second: surge 3x over 1,000/s.</summary>
    public ProbeOptions LockContentionRate { get; set; } = ProbeOptions.DefaultFor(ProbeKind.LockContentionRate);

    /// <summary>GC pause share: Degraded 0.2, Unhealthy 0.5.</summary>
    public ProbeOptions GcPauseShare { get; set; } = ProbeOptions.DefaultFor(ProbeKind.GcPauseShare);

    /// <summary>Open handles: reported only.</summary>
    public ProbeOptions OpenHandles { get; set; } = ProbeOptions.DefaultFor(ProbeKind.OpenHandles);

    /// <summary>Open file descriptors / limit: Degraded 0.8, Unhealthy 0.95.</summary>
    public ProbeOptions HandleUsage { get; set; } = ProbeOptions.DefaultFor(ProbeKind.HandleUsage);

    /// <summary>HTTP client requests in flight: surge 3x over 100.</summary>
    public ProbeOptions HttpActiveRequests { get; set; } = ProbeOptions.DefaultFor(ProbeKind.HttpActiveRequests);

    /// <summary>HTTP client connections open: surge 3x over 100.</summary>
    public ProbeOptions HttpOpenConnections { get; set; } = ProbeOptions.DefaultFor(ProbeKind.HttpOpenConnections);

    /// <summary>Opt-in process dump on a sustained alarm.</summary>
    public DumpOptions Dump { get; set; } = new();

    /// <summary>Builds the monitor options from these settings.</summary>
    /// <param name="time">The clock.</param>
    /// <param name="tracker">The tracker to probe.</param>
    /// <param name="meter">The meter to publish on (owned by the caller).</param>
    /// <returns>The monitor options.</returns>
    public ConcurrencyMonitorOptions ToMonitorOptions(TimeProvider time, TaskTracker tracker, System.Diagnostics.Metrics.Meter? meter) => new()
    {
        TimeProvider = time,
        Tracker = tracker,
        Meter = meter,
        SampleInterval = SampleInterval,
        WarmupSamples = WarmupSamples,
        SurgeWindowSamples = SurgeWindowSamples,
        Hysteresis = Hysteresis,
        ClearAfterSamples = ClearAfterSamples,
        Cooldown = Cooldown,
        TopSites = TopSites,
        ListenToRuntimeEvents = ListenToRuntimeEvents,
        TrackedTasks = TrackedTasks.Clone(),
        ThreadPoolThreads = ThreadPoolThreads.Clone(),
        ThreadPoolQueueLength = ThreadPoolQueueLength.Clone(),
        ThreadPoolCompletionRate = ThreadPoolCompletionRate.Clone(),
        StarvationLatency = StarvationLatency.Clone(),
        StarvationEvents = StarvationEvents.Clone(),
        LockContentionRate = LockContentionRate.Clone(),
        GcPauseShare = GcPauseShare.Clone(),
        OpenHandles = OpenHandles.Clone(),
        HandleUsage = HandleUsage.Clone(),
        HttpActiveRequests = HttpActiveRequests.Clone(),
        HttpOpenConnections = HttpOpenConnections.Clone(),
    };
}

/// <summary>The kind of process dump (maps to the diagnostics client's dump types).</summary>
public enum DumpKind
{
    /// <summary>Managed heap included: what <c>dotnet-dump analyze</c> needs for <c>dumpasync</c> (default).</summary>
    WithHeap,

    /// <summary>Small dump: stacks and module information, no heap (no <c>dumpasync</c>).</summary>
    Mini,

    /// <summary>Triage dump: like Mini with personal data removed.</summary>
    Triage,

    /// <summary>Everything, including the module images.</summary>
    Full,
}

/// <summary>Opt-in process dump on a sustained alarm (written with the diagnostics client on the own process).</summary>
public sealed class DumpOptions
{
    /// <summary>Write a dump when a sustained alarm is raised (default <see langword="false"/>).</summary>
    public bool Enabled { get; set; }

    /// <summary>The folder to write dumps to (required when enabled; created if missing).</summary>
    public string? Directory { get; set; }

    /// <summary>The dump kind (default <see cref="DumpKind.WithHeap"/>).</summary>
    public DumpKind Type { get; set; } = DumpKind.WithHeap;

    /// <summary>At most one dump per this interval (default 1 hour).</summary>
    public TimeSpan MinInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>At most this many dumps per process lifetime (default 3).</summary>
    public int MaxDumps { get; set; } = 3;
}

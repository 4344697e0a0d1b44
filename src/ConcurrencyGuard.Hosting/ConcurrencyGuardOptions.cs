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

    // SampleInterval, WarmupSamples, SurgeWindowSamples and Cooldown differ from the bare monitor's on
    // purpose: a hosted service samples less often and waits longer before a repeat episode. The probe
    // levels come from ConcurrencyMonitorOptions.DefaultsFor, their one source.

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

    /// <summary>Log tracked task faults (event 3, rate-limited per creation site) (default <see langword="true"/>).</summary>
    public bool LogTaskFaults { get; set; } = true;

    /// <summary>
    /// Faults logged in full per creation site and <see cref="TaskFaultLogWindow"/> (default 5). Further faults of
    /// that site in the window are counted and logged as one summary (event 9) when the window ends, so a burst
    /// of faults cannot flood the log.
    /// </summary>
    public int TaskFaultLogBurst { get; set; } = 5;

    /// <summary>The window of <see cref="TaskFaultLogBurst"/> (default 1 minute).</summary>
    public TimeSpan TaskFaultLogWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Tracked tasks outstanding: Degraded 10,000, Unhealthy 100,000, surge 3x over 1,000, sustained 2 min.</summary>
    public ProbeOptions TrackedTasks { get; set; } = ConcurrencyMonitorOptions.DefaultsFor(ProbeKind.TrackedTasks);

    /// <summary>Thread-pool threads: reported only.</summary>
    public ProbeOptions ThreadPoolThreads { get; set; } = ConcurrencyMonitorOptions.DefaultsFor(ProbeKind.ThreadPoolThreads);

    /// <summary>Thread-pool queue length: Degraded 1,000, surge 3x over 100.</summary>
    public ProbeOptions ThreadPoolQueueLength { get; set; } = ConcurrencyMonitorOptions.DefaultsFor(ProbeKind.ThreadPoolQueueLength);

    /// <summary>Work items completed per second: reported only.</summary>
    public ProbeOptions ThreadPoolCompletionRate { get; set; } = ConcurrencyMonitorOptions.DefaultsFor(ProbeKind.ThreadPoolCompletionRate);

    /// <summary>Starvation probe latency (seconds): Degraded 1, Unhealthy 5, sustained 30 s; only when corroborated.</summary>
    public ProbeOptions StarvationLatency { get; set; } = ConcurrencyMonitorOptions.DefaultsFor(ProbeKind.StarvationLatency);

    /// <summary>Runtime starvation adjustments per sample: Degraded 2.</summary>
    public ProbeOptions StarvationEvents { get; set; } = ConcurrencyMonitorOptions.DefaultsFor(ProbeKind.StarvationEvents);

    /// <summary>Lock contentions per second: surge 3x over 1,000/s.</summary>
    public ProbeOptions LockContentionRate { get; set; } = ConcurrencyMonitorOptions.DefaultsFor(ProbeKind.LockContentionRate);

    /// <summary>GC pause share: Degraded 0.2, Unhealthy 0.5.</summary>
    public ProbeOptions GcPauseShare { get; set; } = ConcurrencyMonitorOptions.DefaultsFor(ProbeKind.GcPauseShare);

    /// <summary>Open handles: reported only.</summary>
    public ProbeOptions OpenHandles { get; set; } = ConcurrencyMonitorOptions.DefaultsFor(ProbeKind.OpenHandles);

    /// <summary>Open file descriptors / limit: Degraded 0.8, Unhealthy 0.95.</summary>
    public ProbeOptions HandleUsage { get; set; } = ConcurrencyMonitorOptions.DefaultsFor(ProbeKind.HandleUsage);

    /// <summary>HTTP client requests in flight: surge 3x over 100.</summary>
    public ProbeOptions HttpActiveRequests { get; set; } = ConcurrencyMonitorOptions.DefaultsFor(ProbeKind.HttpActiveRequests);

    /// <summary>HTTP client connections open: surge 3x over 100.</summary>
    public ProbeOptions HttpOpenConnections { get; set; } = ConcurrencyMonitorOptions.DefaultsFor(ProbeKind.HttpOpenConnections);

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

    /// <summary>
    /// The folder to write dumps to (required when enabled). Created owner-only (0700 on Unix) if missing;
    /// each dump file is made owner-only too. A dump with the heap holds every secret the process held.
    /// </summary>
    public string? Directory { get; set; }

    /// <summary>The dump kind (default <see cref="DumpKind.WithHeap"/>).</summary>
    public DumpKind Type { get; set; } = DumpKind.WithHeap;

    /// <summary>At most one dump per this interval (default 1 hour).</summary>
    public TimeSpan MinInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>At most this many dumps written per process lifetime (default 3); failed or timed-out attempts do not count.</summary>
    public int MaxDumps { get; set; } = 3;

    /// <summary>
    /// How long one dump may take (default 2 minutes). Past it the write is abandoned (logged as event 11)
    /// and a later alarm may start a new one, so a hung write cannot block every later dump.
    /// </summary>
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromMinutes(2);
}

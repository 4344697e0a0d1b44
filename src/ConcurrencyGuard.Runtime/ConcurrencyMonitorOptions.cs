using System;
using System.Diagnostics.Metrics;

namespace ConcurrencyGuard;

/// <summary>Settings of a <see cref="ConcurrencyMonitor"/>. Defaults need no configuration.</summary>
public sealed class ConcurrencyMonitorOptions
{
    /// <summary>Clock and timers (default <see cref="TimeProvider.System"/>); tests pass a fake one.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>The tracker whose outstanding tasks are probed (default <see cref="TaskTracker.Default"/>).</summary>
    public TaskTracker? Tracker { get; set; }

    /// <summary>
    /// The meter to publish instruments on, for example one created by <c>IMeterFactory</c> (the caller
    /// keeps ownership). When <see langword="null"/> the monitor creates a <c>ConcurrencyGuard</c> meter and disposes it.
    /// </summary>
    public Meter? Meter { get; set; }

    /// <summary>Time between samples (default 2 seconds).</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Samples taken before the surge rule applies (default 10).</summary>
    public int WarmupSamples { get; set; } = 10;

    /// <summary>How many recent samples the surge rule's rolling average covers (default 10).</summary>
    public int SurgeWindowSamples { get; set; } = 10;

    /// <summary>
    /// Hysteresis: an alarm clears only once the value is below its level times (1 - Hysteresis)
    /// (default 0.2, i.e. below 80 % of the level) for <see cref="ClearAfterSamples"/> consecutive samples.
    /// </summary>
    public double Hysteresis { get; set; } = 0.2;

    /// <summary>Consecutive samples under the clear level before an alarm clears (default 3).</summary>
    public int ClearAfterSamples { get; set; } = 3;

    /// <summary>After an alarm clears, the same probe and rule cannot raise again for this long (default 1 minute).</summary>
    public TimeSpan Cooldown { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How many creation sites a tracked-task alarm carries (default 5).</summary>
    public int TopSites { get; set; } = 5;

    /// <summary>
    /// Sample on a dedicated background thread (so a starved thread pool cannot stop the monitor).
    /// <see langword="null"/> (default): a dedicated thread with the system clock, a <see cref="System.TimeProvider"/> timer otherwise.
    /// </summary>
    public bool? UseDedicatedThread { get; set; }

    /// <summary>Listen to the runtime's thread-pool events for starvation adjustments (default <see langword="true"/>).</summary>
    public bool ListenToRuntimeEvents { get; set; } = true;

    /// <summary>Tracked tasks outstanding: Degraded 10,000, Unhealthy 100,000, surge 3x over at least 1,000, sustained 2 min.</summary>
    public ProbeOptions TrackedTasks { get; set; } = ProbeOptions.DefaultFor(ProbeKind.TrackedTasks);

    /// <summary>Thread-pool threads: no levels by default (reported only; starvation is judged by the latency probe).</summary>
    public ProbeOptions ThreadPoolThreads { get; set; } = ProbeOptions.DefaultFor(ProbeKind.ThreadPoolThreads);

    /// <summary>Thread-pool queue length: Degraded 1,000 and surge 3x over at least 100 queued items.</summary>
    public ProbeOptions ThreadPoolQueueLength { get; set; } = ProbeOptions.DefaultFor(ProbeKind.ThreadPoolQueueLength);

    /// <summary>Work items completed per second: reported only by default.</summary>
    public ProbeOptions ThreadPoolCompletionRate { get; set; } = ProbeOptions.DefaultFor(ProbeKind.ThreadPoolCompletionRate);

    /// <summary>Starvation probe latency in seconds: Degraded 1 s, Unhealthy 5 s, sustained 30 s (only when corroborated).</summary>
    public ProbeOptions StarvationLatency { get; set; } = ProbeOptions.DefaultFor(ProbeKind.StarvationLatency);

    /// <summary>Runtime starvation adjustments per sample: Degraded at 2.</summary>
    public ProbeOptions StarvationEvents { get; set; } = ProbeOptions.DefaultFor(ProbeKind.StarvationEvents);

    /// <summary>Lock contentions per second: surge 3x over at least 1,000/s.</summary>
    public ProbeOptions LockContentionRate { get; set; } = ProbeOptions.DefaultFor(ProbeKind.LockContentionRate);

    /// <summary>GC pause share of wall time: Degraded 0.2, Unhealthy 0.5.</summary>
    public ProbeOptions GcPauseShare { get; set; } = ProbeOptions.DefaultFor(ProbeKind.GcPauseShare);

    /// <summary>Open handles: reported only by default (the usage ratio carries the levels).</summary>
    public ProbeOptions OpenHandles { get; set; } = ProbeOptions.DefaultFor(ProbeKind.OpenHandles);

    /// <summary>Open file descriptors / soft limit: Degraded 0.8, Unhealthy 0.95.</summary>
    public ProbeOptions HandleUsage { get; set; } = ProbeOptions.DefaultFor(ProbeKind.HandleUsage);

    /// <summary>HTTP client requests in flight: surge 3x over at least 100.</summary>
    public ProbeOptions HttpActiveRequests { get; set; } = ProbeOptions.DefaultFor(ProbeKind.HttpActiveRequests);

    /// <summary>HTTP client connections open: surge 3x over at least 100.</summary>
    public ProbeOptions HttpOpenConnections { get; set; } = ProbeOptions.DefaultFor(ProbeKind.HttpOpenConnections);

    /// <summary>The rules of one probe.</summary>
    /// <param name="probe">The probe.</param>
    /// <returns>Its options.</returns>
    public ProbeOptions GetProbe(ProbeKind probe) => probe switch
    {
        ProbeKind.TrackedTasks => TrackedTasks,
        ProbeKind.ThreadPoolThreads => ThreadPoolThreads,
        ProbeKind.ThreadPoolQueueLength => ThreadPoolQueueLength,
        ProbeKind.ThreadPoolCompletionRate => ThreadPoolCompletionRate,
        ProbeKind.StarvationLatency => StarvationLatency,
        ProbeKind.StarvationEvents => StarvationEvents,
        ProbeKind.LockContentionRate => LockContentionRate,
        ProbeKind.GcPauseShare => GcPauseShare,
        ProbeKind.OpenHandles => OpenHandles,
        ProbeKind.HandleUsage => HandleUsage,
        ProbeKind.HttpActiveRequests => HttpActiveRequests,
        ProbeKind.HttpOpenConnections => HttpOpenConnections,
        _ => throw new ArgumentOutOfRangeException(nameof(probe)),
    };

    /// <summary>Disables every probe except the ones given (handy in tests).</summary>
    /// <param name="probes">The probes to keep enabled.</param>
    /// <returns>These options.</returns>
    public ConcurrencyMonitorOptions EnableOnly(params ProbeKind[] probes)
    {
        foreach (ProbeKind kind in Enum.GetValues<ProbeKind>())
        {
            GetProbe(kind).Enabled = Array.IndexOf(probes, kind) >= 0;
        }

        return this;
    }

    /// <summary>Checks the settings and throws <see cref="ArgumentException"/> describing the first bad value.</summary>
    public void Validate()
    {
        string? error = GetValidationErrors() is { Length: > 0 } errors ? string.Join(" ", errors) : null;
        if (error is not null)
        {
            throw new ArgumentException(error);
        }
    }

    /// <summary>All problems with the settings, one sentence each (empty when valid).</summary>
    /// <returns>The problems.</returns>
    public string[] GetValidationErrors()
    {
        var errors = new System.Collections.Generic.List<string>();
        if (SampleInterval <= TimeSpan.Zero)
        {
            errors.Add($"SampleInterval must be positive (was {SampleInterval}).");
        }

        if (WarmupSamples < 0)
        {
            errors.Add($"WarmupSamples must not be negative (was {WarmupSamples}).");
        }

        if (SurgeWindowSamples < 1)
        {
            errors.Add($"SurgeWindowSamples must be at least 1 (was {SurgeWindowSamples}).");
        }

        if (Hysteresis < 0 || Hysteresis >= 1 || double.IsNaN(Hysteresis))
        {
            errors.Add($"Hysteresis must be in [0, 1) (was {Hysteresis}).");
        }

        if (ClearAfterSamples < 1)
        {
            errors.Add($"ClearAfterSamples must be at least 1 (was {ClearAfterSamples}).");
        }

        if (Cooldown < TimeSpan.Zero)
        {
            errors.Add($"Cooldown must not be negative (was {Cooldown}).");
        }

        if (TopSites < 0)
        {
            errors.Add($"TopSites must not be negative (was {TopSites}).");
        }

        foreach (ProbeKind kind in Enum.GetValues<ProbeKind>())
        {
            ValidateProbe(kind.ToString(), GetProbe(kind), errors);
        }

        return errors.ToArray();
    }

    internal static void ValidateProbe(string name, ProbeOptions? probe, System.Collections.Generic.List<string> errors)
    {
        if (probe is null)
        {
            errors.Add($"{name} must not be null.");
            return;
        }

        if (probe.Degraded is < 0 || probe.Degraded is double.NaN)
        {
            errors.Add($"{name}.Degraded must not be negative (was {probe.Degraded}).");
        }

        if (probe.Unhealthy is < 0 || probe.Unhealthy is double.NaN)
        {
            errors.Add($"{name}.Unhealthy must not be negative (was {probe.Unhealthy}).");
        }

        if (probe.Degraded is double degraded && probe.Unhealthy is double unhealthy && unhealthy < degraded)
        {
            errors.Add($"{name}.Unhealthy ({unhealthy}) must not be below {name}.Degraded ({degraded}).");
        }

        if (probe.SurgeFactor < 0 || (probe.SurgeFactor > 0 && probe.SurgeFactor <= 1) || double.IsNaN(probe.SurgeFactor))
        {
            errors.Add($"{name}.SurgeFactor must be 0 (off) or greater than 1 (was {probe.SurgeFactor}).");
        }

        if (probe.SurgeMinimum < 0 || double.IsNaN(probe.SurgeMinimum))
        {
            errors.Add($"{name}.SurgeMinimum must not be negative (was {probe.SurgeMinimum}).");
        }

        if (probe.SustainedFor is TimeSpan sustained && sustained <= TimeSpan.Zero)
        {
            errors.Add($"{name}.SustainedFor must be positive when set (was {sustained}).");
        }
    }
}

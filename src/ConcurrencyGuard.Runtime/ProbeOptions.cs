using System;

namespace ConcurrencyGuard;

/// <summary>Alarm rules of one probe. Levels are in the probe's unit (see <see cref="ProbeKind"/>).</summary>
public sealed class ProbeOptions
{
    /// <summary>Whether the probe is sampled at all (default <see langword="true"/>).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The Degraded level (threshold rule), or <see langword="null"/> for none.</summary>
    public double? Degraded { get; set; }

    /// <summary>The Unhealthy level (threshold rule), or <see langword="null"/> for none. Must not be below <see cref="Degraded"/>.</summary>
    public double? Unhealthy { get; set; }

    /// <summary>Surge factor over the rolling average of recent samples (for example 3 for 3x); 0 disables the surge rule.</summary>
    public double SurgeFactor { get; set; }

    /// <summary>The smallest value a surge can fire at, so small numbers do not alarm.</summary>
    public double SurgeMinimum { get; set; }

    /// <summary>How long the value must stay at or over the threshold for the sustained rule; <see langword="null"/> disables it.</summary>
    public TimeSpan? SustainedFor { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Copies these settings.</summary>
    /// <returns>A new instance with the same values.</returns>
    public ProbeOptions Clone() => (ProbeOptions)MemberwiseClone();

    /// <summary>
    /// The default rules of <paramref name="probe"/>: the one table both <see cref="ConcurrencyMonitorOptions"/> and the
    /// hosting options start from.
    /// </summary>
    /// <param name="probe">The probe.</param>
    /// <returns>A new instance with the default levels.</returns>
    public static ProbeOptions DefaultFor(ProbeKind probe) => probe switch
    {
        ProbeKind.TrackedTasks => new() { Degraded = 10_000, Unhealthy = 100_000, SurgeFactor = 3, SurgeMinimum = 1_000 },
        ProbeKind.ThreadPoolQueueLength => new() { Degraded = 1_000, SurgeFactor = 3, SurgeMinimum = 100 },
        ProbeKind.StarvationLatency => new() { Degraded = 1, Unhealthy = 5, SustainedFor = TimeSpan.FromSeconds(30) },
        ProbeKind.StarvationEvents => new() { Degraded = 2 },
        ProbeKind.LockContentionRate => new() { SurgeFactor = 3, SurgeMinimum = 1_000 },
        ProbeKind.GcPauseShare => new() { Degraded = 0.2, Unhealthy = 0.5 },
        ProbeKind.HandleUsage => new() { Degraded = 0.8, Unhealthy = 0.95 },
        ProbeKind.HttpActiveRequests or ProbeKind.HttpOpenConnections => new() { SurgeFactor = 3, SurgeMinimum = 100 },
        _ => new(), // reported only: ThreadPoolThreads, ThreadPoolCompletionRate, OpenHandles
    };

    internal double? TriggerLevel => Degraded ?? Unhealthy;
}

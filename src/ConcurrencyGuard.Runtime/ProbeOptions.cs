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

    internal double? TriggerLevel => Degraded ?? Unhealthy;
}

using System;

namespace ConcurrencyGuard;

/// <summary>Data of <see cref="ConcurrencyMonitor.ProbeFailed"/>: reading one probe threw.</summary>
public sealed class ProbeFailedEventArgs : EventArgs
{
    /// <summary>Creates the event data.</summary>
    /// <param name="probe">The probe that failed.</param>
    /// <param name="exception">What it threw.</param>
    /// <param name="consecutiveFailures">How many samples in a row it failed (1 for a first failure).</param>
    public ProbeFailedEventArgs(ProbeKind probe, Exception exception, int consecutiveFailures)
    {
        Probe = probe;
        Exception = exception ?? throw new ArgumentNullException(nameof(exception));
        ConsecutiveFailures = consecutiveFailures;
    }

    /// <summary>The probe that failed.</summary>
    public ProbeKind Probe { get; }

    /// <summary>What it threw.</summary>
    public Exception Exception { get; }

    /// <summary>How many samples in a row it failed (1 for a first failure); resets once it succeeds.</summary>
    public int ConsecutiveFailures { get; }
}

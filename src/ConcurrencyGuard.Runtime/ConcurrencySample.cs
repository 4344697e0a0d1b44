using System;
using System.Collections.Generic;

namespace ConcurrencyGuard;

/// <summary>The probe values of one monitor sample.</summary>
public sealed class ConcurrencySample
{
    internal ConcurrencySample(DateTimeOffset timestamp, IReadOnlyDictionary<ProbeKind, double> values, ConcurrencyStatus status, long fileDescriptorLimit)
    {
        Timestamp = timestamp;
        Values = values;
        Status = status;
        FileDescriptorLimit = fileDescriptorLimit;
    }

    /// <summary>When the sample was taken.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>The value of every enabled probe that had one (rates need two samples; some probes are platform-specific).</summary>
    public IReadOnlyDictionary<ProbeKind, double> Values { get; }

    /// <summary>The monitor's state after this sample.</summary>
    public ConcurrencyStatus Status { get; }

    /// <summary>The soft limit on open files, or -1 when unknown.</summary>
    public long FileDescriptorLimit { get; }
}

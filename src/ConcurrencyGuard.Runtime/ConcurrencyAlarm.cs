using System;
using System.Globalization;

namespace ConcurrencyGuard;

/// <summary>
/// An alarm episode of one probe and rule. Raised and cleared with hysteresis; a raise while the
/// episode is open (escalation to Unhealthy) keeps the same <see cref="EpisodeId"/>.
/// </summary>
public sealed class ConcurrencyAlarm
{
    internal ConcurrencyAlarm(
        Guid episodeId,
        ProbeKind probe,
        AlarmRule rule,
        ConcurrencyStatus severity,
        double value,
        double level,
        DateTimeOffset raisedAt,
        DateTimeOffset? clearedAt,
        int notificationCount,
        TaskTrackerSnapshot? topSites)
    {
        EpisodeId = episodeId;
        Probe = probe;
        Rule = rule;
        Severity = severity;
        Value = value;
        Level = level;
        RaisedAt = raisedAt;
        ClearedAt = clearedAt;
        NotificationCount = notificationCount;
        TopSites = topSites;
    }

    /// <summary>Stable ID of the episode, from the first raise to the clear.</summary>
    public Guid EpisodeId { get; }

    /// <summary>The probe.</summary>
    public ProbeKind Probe { get; }

    /// <summary>The rule that fired.</summary>
    public AlarmRule Rule { get; }

    /// <summary>Degraded or Unhealthy (the highest reached in the episode).</summary>
    public ConcurrencyStatus Severity { get; }

    /// <summary>The probe's value at the last raise (or at the clear, for a cleared alarm).</summary>
    public double Value { get; }

    /// <summary>The level that was crossed (threshold, or rolling average times surge factor).</summary>
    public double Level { get; }

    /// <summary>When the episode was first raised.</summary>
    public DateTimeOffset RaisedAt { get; }

    /// <summary>When it cleared, for a cleared alarm.</summary>
    public DateTimeOffset? ClearedAt { get; }

    /// <summary>How many times the episode was raised (1, more after escalations).</summary>
    public int NotificationCount { get; }

    /// <summary>For tracked-task alarms: the top creation sites at the raise.</summary>
    public TaskTrackerSnapshot? TopSites { get; }

    /// <summary>A one-line description: probe, rule, severity, value and level.</summary>
    public override string ToString()
        => string.Create(
            CultureInfo.InvariantCulture,
            $"{Probe} {Rule} {Severity}: value {Value:0.###} vs level {Level:0.###} (episode {EpisodeId:N}{(ClearedAt is null ? string.Empty : ", cleared")})");

    internal ConcurrencyAlarm Escalate(ConcurrencyStatus severity, double value, double level, TaskTrackerSnapshot? sites)
        => new(EpisodeId, Probe, Rule, severity, value, level, RaisedAt, null, NotificationCount + 1, sites ?? TopSites);

    internal ConcurrencyAlarm Clear(double value, DateTimeOffset at)
        => new(EpisodeId, Probe, Rule, Severity, value, Level, RaisedAt, at, NotificationCount, TopSites);
}

/// <summary>Data of <see cref="ConcurrencyMonitor.AlarmRaised"/> and <see cref="ConcurrencyMonitor.AlarmCleared"/>.</summary>
public sealed class ConcurrencyAlarmEventArgs : EventArgs
{
    /// <summary>Creates the event data.</summary>
    /// <param name="alarm">The alarm.</param>
    public ConcurrencyAlarmEventArgs(ConcurrencyAlarm alarm) => Alarm = alarm ?? throw new ArgumentNullException(nameof(alarm));

    /// <summary>The alarm.</summary>
    public ConcurrencyAlarm Alarm { get; }
}

using System;
using System.Collections.Generic;

namespace ConcurrencyGuard;

/// <summary>The alarm rules of one probe: threshold, surge (after warm-up) and sustained, each with hysteresis and cooldown.</summary>
internal sealed class ProbeState
{
    private readonly double[] _window;
    private readonly RuleSlot _threshold = new(AlarmRule.Threshold);
    private readonly RuleSlot _surge = new(AlarmRule.Surge);
    private readonly RuleSlot _sustained = new(AlarmRule.Sustained);
    private int _samples;
    private int _windowCount;
    private int _windowNext;
    private DateTimeOffset? _overSince;

    public ProbeState(ProbeKind kind, int windowSize)
    {
        Kind = kind;
        _window = new double[Math.Max(1, windowSize)];
    }

    public ProbeKind Kind { get; }

    public IEnumerable<ConcurrencyAlarm> ActiveAlarms
    {
        get
        {
            if (_threshold.Active is { } a)
            {
                yield return a;
            }

            if (_surge.Active is { } b)
            {
                yield return b;
            }

            if (_sustained.Active is { } c)
            {
                yield return c;
            }
        }
    }

    public void Evaluate(double value, DateTimeOffset now, ProbeOptions probe, ConcurrencyMonitorOptions options, AlarmSink sink)
    {
        double keep = 1 - options.Hysteresis;
        ConcurrencyStatus level = LevelOf(value, probe);

        // Threshold rule.
        if (probe.TriggerLevel is double trigger)
        {
            double thresholdFor = level == ConcurrencyStatus.Unhealthy ? probe.Unhealthy!.Value : trigger;
            Step(_threshold, level, value, thresholdFor, value < trigger * keep, now, options, sink);

            // Sustained rule: continuously at or over the trigger level for SustainedFor.
            if (probe.SustainedFor is TimeSpan sustainedFor)
            {
                if (value >= trigger)
                {
                    _overSince ??= now;
                }
                else
                {
                    _overSince = null;
                }

                ConcurrencyStatus sustainedLevel = _overSince is DateTimeOffset since && now - since >= sustainedFor
                    ? level
                    : ConcurrencyStatus.Healthy;
                Step(_sustained, sustainedLevel, value, thresholdFor, value < trigger * keep, now, options, sink);
            }
        }

        // Surge rule: over the rolling average of the previous samples by the factor, after warm-up.
        if (probe.SurgeFactor > 1)
        {
            ConcurrencyStatus surgeLevel = ConcurrencyStatus.Healthy;
            double surgeLevelValue = 0;
            if (_samples >= options.WarmupSamples && _windowCount > 0)
            {
                double average = Average();
                surgeLevelValue = average * probe.SurgeFactor;
                if (value >= probe.SurgeMinimum && value > surgeLevelValue)
                {
                    surgeLevel = ConcurrencyStatus.Degraded;
                }
            }

            // Clear against the level frozen at the raise, so a persisting surge does not clear itself by raising the average.
            double clearBelow = (_surge.Active?.Level ?? surgeLevelValue) * keep;
            Step(_surge, surgeLevel, value, surgeLevelValue, value < clearBelow || value < probe.SurgeMinimum, now, options, sink);
        }

        _window[_windowNext] = value;
        _windowNext = (_windowNext + 1) % _window.Length;
        _windowCount = Math.Min(_windowCount + 1, _window.Length);
        _samples++;
    }

    private static ConcurrencyStatus LevelOf(double value, ProbeOptions probe)
    {
        if (probe.Unhealthy is double unhealthy && value >= unhealthy)
        {
            return ConcurrencyStatus.Unhealthy;
        }

        return probe.TriggerLevel is double trigger && value >= trigger ? ConcurrencyStatus.Degraded : ConcurrencyStatus.Healthy;
    }

    private double Average()
    {
        double sum = 0;
        for (int i = 0; i < _windowCount; i++)
        {
            sum += _window[i];
        }

        return sum / _windowCount;
    }

    private void Step(
        RuleSlot slot,
        ConcurrencyStatus level,
        double value,
        double levelValue,
        bool clearCondition,
        DateTimeOffset now,
        ConcurrencyMonitorOptions options,
        AlarmSink sink)
    {
        if (slot.Active is ConcurrencyAlarm active)
        {
            if (level > active.Severity)
            {
                slot.Active = active.Escalate(level, value, levelValue, sink.TopSitesFor(Kind));
                slot.ClearStreak = 0;
                sink.Raised(slot.Active);
                return;
            }

            if (level == ConcurrencyStatus.Healthy && clearCondition)
            {
                slot.ClearStreak++;
                if (slot.ClearStreak >= options.ClearAfterSamples)
                {
                    ConcurrencyAlarm cleared = active.Clear(value, now);
                    slot.Active = null;
                    slot.ClearStreak = 0;
                    slot.LastClearedAt = now;
                    sink.Cleared(cleared);
                }
            }
            else
            {
                slot.ClearStreak = 0;
            }

            return;
        }

        if (level == ConcurrencyStatus.Healthy)
        {
            return;
        }

        if (slot.LastClearedAt is DateTimeOffset cleared2 && now - cleared2 < options.Cooldown)
        {
            return; // cooling down: no new episode yet
        }

        slot.Active = new ConcurrencyAlarm(Guid.NewGuid(), Kind, slot.Rule, level, value, levelValue, now, null, 1, sink.TopSitesFor(Kind));
        slot.ClearStreak = 0;
        sink.Raised(slot.Active);
    }

    private sealed class RuleSlot
    {
        public RuleSlot(AlarmRule rule) => Rule = rule;

        public AlarmRule Rule { get; }

        public ConcurrencyAlarm? Active { get; set; }

        public int ClearStreak { get; set; }

        public DateTimeOffset? LastClearedAt { get; set; }
    }
}

/// <summary>Collects what one sample raised and cleared.</summary>
internal sealed class AlarmSink
{
    private readonly Func<ProbeKind, TaskTrackerSnapshot?> _topSites;

    public AlarmSink(Func<ProbeKind, TaskTrackerSnapshot?> topSites) => _topSites = topSites;

    public List<ConcurrencyAlarm> RaisedAlarms { get; } = new();

    public List<ConcurrencyAlarm> ClearedAlarms { get; } = new();

    public TaskTrackerSnapshot? TopSitesFor(ProbeKind kind) => _topSites(kind);

    public void Raised(ConcurrencyAlarm alarm) => RaisedAlarms.Add(alarm);

    public void Cleared(ConcurrencyAlarm alarm) => ClearedAlarms.Add(alarm);
}

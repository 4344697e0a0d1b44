using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace ConcurrencyGuard.Runtime.Tests;

/// <summary>Alarm rules driven by a fake clock and a controllable number of tracked tasks.</summary>
public class MonitorRuleTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly TaskTracker _tracker;
    private readonly Load _load;
    private readonly List<ConcurrencyAlarm> _raised = new();
    private readonly List<ConcurrencyAlarm> _cleared = new();

    public MonitorRuleTests()
    {
        _tracker = new TaskTracker(new TaskTrackerOptions { TimeProvider = _time });
        _load = new Load(_tracker);
    }

    [Fact]
    public void Threshold_raises_degraded_escalates_to_unhealthy_in_the_same_episode_and_carries_top_sites()
    {
        using ConcurrencyMonitor monitor = Create(p => { p.Degraded = 10; p.Unhealthy = 20; });

        Step(monitor, 9);
        Assert.Empty(_raised);
        Assert.Equal(ConcurrencyStatus.Healthy, monitor.Status);

        Step(monitor, 10);
        ConcurrencyAlarm first = Assert.Single(_raised);
        Assert.Equal(ProbeKind.TrackedTasks, first.Probe);
        Assert.Equal(AlarmRule.Threshold, first.Rule);
        Assert.Equal(ConcurrencyStatus.Degraded, first.Severity);
        Assert.Equal(10, first.Value);
        Assert.Equal(10, first.Level);
        Assert.NotNull(first.TopSites);
        Assert.Equal(10, first.TopSites!.Sites[0].Count);
        Assert.Equal("TestHelpers.cs", first.TopSites.Sites[0].Site.FileName);
        Assert.Equal(ConcurrencyStatus.Degraded, monitor.Status);

        Step(monitor, 25);
        Assert.Equal(2, _raised.Count);
        ConcurrencyAlarm escalated = _raised[1];
        Assert.Equal(first.EpisodeId, escalated.EpisodeId);
        Assert.Equal(ConcurrencyStatus.Unhealthy, escalated.Severity);
        Assert.Equal(2, escalated.NotificationCount);
        Assert.Equal(ConcurrencyStatus.Unhealthy, monitor.Status);
        Assert.Single(monitor.ActiveAlarms);

        Step(monitor, 30);
        Assert.Equal(2, _raised.Count); // no repeat while the episode stays open
    }

    [Fact]
    public void Hysteresis_clears_only_below_the_clear_level_for_enough_consecutive_samples()
    {
        using ConcurrencyMonitor monitor = Create(p => p.Degraded = 10);
        Step(monitor, 10);
        Guid episode = Assert.Single(_raised).EpisodeId;

        // Below the threshold but above 80 % of it: stays raised however long.
        for (int i = 0; i < 6; i++)
        {
            Step(monitor, 9);
        }

        Assert.Empty(_cleared);

        // Below the clear level, but a bounce interrupts the streak.
        Step(monitor, 7);
        Step(monitor, 7);
        Step(monitor, 9);
        Step(monitor, 7);
        Step(monitor, 7);
        Assert.Empty(_cleared);
        Assert.Equal(ConcurrencyStatus.Degraded, monitor.Status);

        Step(monitor, 7);
        ConcurrencyAlarm cleared = Assert.Single(_cleared);
        Assert.Equal(episode, cleared.EpisodeId);
        Assert.NotNull(cleared.ClearedAt);
        Assert.Equal(ConcurrencyStatus.Healthy, monitor.Status);
        Assert.Empty(monitor.ActiveAlarms);
        Assert.Single(_raised);
    }

    [Fact]
    public void Cooldown_blocks_a_new_episode_until_it_has_passed()
    {
        using ConcurrencyMonitor monitor = Create(p => p.Degraded = 10, cooldown: TimeSpan.FromMinutes(1));
        Step(monitor, 12);
        for (int i = 0; i < 3; i++)
        {
            Step(monitor, 0);
        }

        Assert.Single(_cleared);

        Step(monitor, 12); // 1 s after the clear
        Step(monitor, 12, TimeSpan.FromSeconds(30));
        Assert.Single(_raised);
        Assert.Equal(ConcurrencyStatus.Healthy, monitor.Status);

        Step(monitor, 12, TimeSpan.FromSeconds(31));
        Assert.Equal(2, _raised.Count);
        Assert.NotEqual(_raised[0].EpisodeId, _raised[1].EpisodeId);
    }

    [Fact]
    public void Surge_fires_only_after_warmup_over_the_minimum_and_clears_against_the_frozen_level()
    {
        using ConcurrencyMonitor monitor = Create(
            p => { p.SurgeFactor = 3; p.SurgeMinimum = 50; },
            warmup: 5,
            window: 5);

        for (int i = 0; i < 4; i++)
        {
            Step(monitor, 10);
        }

        Step(monitor, 200); // fifth sample: still warming up
        Assert.Empty(_raised);

        for (int i = 0; i < 5; i++)
        {
            Step(monitor, 10); // the rolling average falls back to 10
        }

        Step(monitor, 40); // over 3x the average but under the minimum
        Assert.Empty(_raised);

        for (int i = 0; i < 5; i++)
        {
            Step(monitor, 10);
        }

        Step(monitor, 200);
        ConcurrencyAlarm surge = Assert.Single(_raised);
        Assert.Equal(AlarmRule.Surge, surge.Rule);
        Assert.Equal(ConcurrencyStatus.Degraded, surge.Severity);
        Assert.Equal(30, surge.Level, 6);

        // The surge persists; the rolling average catches up, but the alarm holds against the frozen level.
        for (int i = 0; i < 6; i++)
        {
            Step(monitor, 200);
        }

        Assert.Empty(_cleared);
        for (int i = 0; i < 3; i++)
        {
            Step(monitor, 10);
        }

        Assert.Equal(surge.EpisodeId, Assert.Single(_cleared).EpisodeId);
    }

    [Fact]
    public void Sustained_fires_after_the_duration_over_threshold_and_a_dip_restarts_the_clock()
    {
        using ConcurrencyMonitor monitor = Create(p => { p.Degraded = 10; p.SustainedFor = TimeSpan.FromMinutes(2); });
        Step(monitor, 15);
        Assert.Equal(AlarmRule.Threshold, Assert.Single(_raised).Rule);

        Step(monitor, 15, TimeSpan.FromSeconds(90));
        Step(monitor, 9, TimeSpan.FromSeconds(1)); // dips below the threshold: the clock restarts
        Step(monitor, 15, TimeSpan.FromSeconds(1));
        Step(monitor, 15, TimeSpan.FromSeconds(100));
        Assert.DoesNotContain(_raised, a => a.Rule == AlarmRule.Sustained);

        Step(monitor, 15, TimeSpan.FromSeconds(21));
        ConcurrencyAlarm sustained = Assert.Single(_raised, a => a.Rule == AlarmRule.Sustained);
        Assert.Equal(ConcurrencyStatus.Degraded, sustained.Severity);
        Assert.Equal(2, monitor.ActiveAlarms.Count);

        for (int i = 0; i < 3; i++)
        {
            Step(monitor, 0);
        }

        Assert.Contains(_cleared, a => a.EpisodeId == sustained.EpisodeId);
        Assert.Empty(monitor.ActiveAlarms);
    }

    [Fact]
    public void Timer_drives_samples_and_dispose_stops_them()
    {
        var options = Options(p => p.Degraded = 5);
        var monitor = new ConcurrencyMonitor(options);
        monitor.AlarmRaised += (_, e) => _raised.Add(e.Alarm);
        monitor.Start();
        Assert.True(monitor.IsRunning);
        Assert.True(monitor.HasTimer);
        Assert.Null(monitor.SamplingThread);
        Assert.Equal(1, monitor.SampleCount);

        _load.SetTo(6);
        _time.Advance(options.SampleInterval);
        Assert.Equal(2, monitor.SampleCount);
        Assert.Single(_raised);
        _time.Advance(options.SampleInterval);
        Assert.Equal(3, monitor.SampleCount);

        monitor.Dispose();
        Assert.False(monitor.IsRunning);
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(3, monitor.SampleCount);
        Assert.Throws<ObjectDisposedException>(() => monitor.Start());
        _load.SetTo(0);
    }

    [Fact]
    public void Invalid_options_are_rejected_with_clear_messages()
    {
        var options = new ConcurrencyMonitorOptions { SampleInterval = TimeSpan.Zero };
        options.TrackedTasks.Degraded = 100;
        options.TrackedTasks.Unhealthy = 50;
        options.GcPauseShare.Degraded = -1;
        ArgumentException e = Assert.Throws<ArgumentException>(() => new ConcurrencyMonitor(options));
        Assert.Contains("SampleInterval must be positive", e.Message);
        Assert.Contains("TrackedTasks.Unhealthy (50) must not be below TrackedTasks.Degraded (100)", e.Message);
        Assert.Contains("GcPauseShare.Degraded must not be negative", e.Message);
        Assert.Empty(new ConcurrencyMonitorOptions().GetValidationErrors());
    }

    private ConcurrencyMonitorOptions Options(Action<ProbeOptions> probe, int warmup = 0, int window = 10, TimeSpan? cooldown = null)
    {
        var options = new ConcurrencyMonitorOptions
        {
            TimeProvider = _time,
            Tracker = _tracker,
            SampleInterval = TimeSpan.FromSeconds(1),
            WarmupSamples = warmup,
            SurgeWindowSamples = window,
            Cooldown = cooldown ?? TimeSpan.Zero,
            ListenToRuntimeEvents = false,
            TrackedTasks = new ProbeOptions { SustainedFor = null },
        }.EnableOnly(ProbeKind.TrackedTasks);
        probe(options.TrackedTasks);
        return options;
    }

    private ConcurrencyMonitor Create(Action<ProbeOptions> probe, int warmup = 0, int window = 10, TimeSpan? cooldown = null)
    {
        var monitor = new ConcurrencyMonitor(Options(probe, warmup, window, cooldown));
        monitor.AlarmRaised += (_, e) => _raised.Add(e.Alarm);
        monitor.AlarmCleared += (_, e) => _cleared.Add(e.Alarm);
        return monitor;
    }

    private void Step(ConcurrencyMonitor monitor, int outstanding, TimeSpan? advance = null)
    {
        _load.SetTo(outstanding);
        _time.Advance(advance ?? TimeSpan.FromSeconds(1));
        ConcurrencySample sample = monitor.SampleNow()!;
        Assert.Equal(outstanding, sample.Values[ProbeKind.TrackedTasks]);
        Assert.Equal(new[] { ProbeKind.TrackedTasks }, sample.Values.Keys.ToArray());
    }
}

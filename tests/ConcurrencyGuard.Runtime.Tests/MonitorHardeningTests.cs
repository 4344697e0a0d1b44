using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace ConcurrencyGuard.Runtime.Tests;

/// <summary>A failing probe, bounded settings, ticks that do not queue, no event after Dispose, staleness, HTTP floors, bucket advice.</summary>
public class MonitorHardeningTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly TaskTracker _tracker;

    public MonitorHardeningTests() => _tracker = new TaskTracker(new TaskTrackerOptions { TimeProvider = _time });

    [Fact]
    public void A_failing_probe_loses_only_its_own_value_and_is_reported_with_its_streak()
    {
        using var monitor = new ConcurrencyMonitor(Options().EnableOnly(ProbeKind.TrackedTasks, ProbeKind.ThreadPoolThreads, ProbeKind.ThreadPoolQueueLength));
        var failures = new List<ProbeFailedEventArgs>();
        monitor.ProbeFailed += (_, e) => failures.Add(e);
        var boom = new InvalidOperationException("probe broke");
        monitor.BeforeProbe = kind =>
        {
            if (kind == ProbeKind.ThreadPoolThreads)
            {
                throw boom;
            }
        };

        ConcurrencySample first = monitor.SampleNow()!;
        ConcurrencySample second = monitor.SampleNow()!;
        Assert.Equal(new[] { ProbeKind.TrackedTasks, ProbeKind.ThreadPoolQueueLength }, first.Values.Keys.OrderBy(k => k).ToArray());
        Assert.Equal(2, second.Values.Count);
        Assert.Equal(new[] { 1, 2 }, failures.Select(f => f.ConsecutiveFailures).ToArray());
        Assert.All(failures, f => Assert.Same(boom, f.Exception));
        Assert.All(failures, f => Assert.Equal(ProbeKind.ThreadPoolThreads, f.Probe));

        monitor.BeforeProbe = null;
        Assert.Equal(3, monitor.SampleNow()!.Values.Count); // recovered
        monitor.BeforeProbe = kind => { if (kind == ProbeKind.ThreadPoolThreads) { throw boom; } };
        monitor.SampleNow();
        Assert.Equal(1, failures.Last().ConsecutiveFailures); // the streak restarted
    }

    [Theory]
    [InlineData(0.001, false)]
    [InlineData(0.01, true)]
    [InlineData(86_400, true)]
    [InlineData(86_401, false)]
    [InlineData(30 * 86_400, false)]
    public void SampleInterval_is_bounded_so_a_huge_value_fails_validation_not_the_sampling_thread(double seconds, bool valid)
    {
        var options = new ConcurrencyMonitorOptions { SampleInterval = TimeSpan.FromSeconds(seconds) };
        string[] errors = options.GetValidationErrors();
        Assert.Equal(valid, errors.Length == 0);
        if (!valid)
        {
            Assert.Contains("SampleInterval must be", Assert.Single(errors));
        }
    }

    [Fact]
    public void The_longest_valid_interval_runs_on_the_sampling_thread_and_stops_promptly()
    {
        using var monitor = new ConcurrencyMonitor(new ConcurrencyMonitorOptions
        {
            SampleInterval = ConcurrencyMonitorOptions.MaxSampleInterval,
            Tracker = new TaskTracker(),
            ListenToRuntimeEvents = false,
        }.EnableOnly(ProbeKind.TrackedTasks));
        monitor.Start();
        Assert.True(SpinWait.SpinUntil(() => monitor.SampleCount == 1, TimeSpan.FromSeconds(30)));
        Thread thread = monitor.SamplingThread!;
        monitor.Dispose();
        Assert.False(thread.IsAlive); // it was waiting for a day, not dead of an exception, and Dispose woke it
    }

    [Theory]
    [InlineData(nameof(ConcurrencyMonitorOptions.WarmupSamples))]
    [InlineData(nameof(ConcurrencyMonitorOptions.SurgeWindowSamples))]
    [InlineData(nameof(ConcurrencyMonitorOptions.ClearAfterSamples))]
    public void Sample_counts_are_bounded(string name)
    {
        var options = new ConcurrencyMonitorOptions();
        typeof(ConcurrencyMonitorOptions).GetProperty(name)!.SetValue(options, ConcurrencyMonitorOptions.MaxSamples + 1);
        Assert.Contains(name + " must be between", Assert.Single(options.GetValidationErrors()));
        typeof(ConcurrencyMonitorOptions).GetProperty(name)!.SetValue(options, ConcurrencyMonitorOptions.MaxSamples);
        Assert.Empty(options.GetValidationErrors());
    }

    [Fact]
    public async Task Timer_ticks_skip_while_a_sample_runs_instead_of_queueing_behind_it()
    {
        var options = Options();
        options.TrackedTasks.Degraded = 1;
        using var monitor = new ConcurrencyMonitor(options);
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        monitor.AlarmRaised += (_, _) =>
        {
            inside.Set();
            release.Wait(TimeSpan.FromSeconds(60));
        };
        monitor.Start(); // first sample (no alarm: nothing outstanding), then the fake timer
        Assert.Equal(1, monitor.SampleCount);
        _time.Advance(options.SampleInterval);
        Assert.Equal(2, monitor.SampleCount); // positive control: a free tick samples

        var gate = new TaskCompletionSource();
        _tracker.Track(gate.Task);
        Task blocked = Task.Run(() => monitor.SampleNow()); // raises the alarm and blocks in the handler
        Assert.True(inside.Wait(TimeSpan.FromSeconds(30)));

        Task ticks = Task.Run(() =>
        {
            for (int i = 0; i < 5; i++)
            {
                _time.Advance(options.SampleInterval); // runs the timer callback on this thread
            }
        });
        await ticks.WaitAsync(TimeSpan.FromSeconds(30)); // throws if a tick waited for the running sample
        Assert.Equal(5, monitor.SkippedSamples);

        release.Set();
        await blocked;
        Assert.Equal(3, monitor.SampleCount);
        gate.SetResult();
    }

    [Fact]
    public async Task No_event_is_raised_after_Dispose_returns_even_from_a_sample_in_progress()
    {
        var options = Options();
        options.TrackedTasks.Degraded = 1;
        var monitor = new ConcurrencyMonitor(options);
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        int secondHandler = 0;
        bool blockNext = false;
        monitor.AlarmRaised += (_, _) =>
        {
            if (Volatile.Read(ref blockNext))
            {
                inside.Set();
                release.Wait(TimeSpan.FromSeconds(60));
            }
        };
        monitor.AlarmRaised += (_, _) => Interlocked.Increment(ref secondHandler);

        var load = new Load(_tracker);
        load.SetTo(1);
        monitor.SampleNow(); // first episode: both handlers run (positive control)
        Assert.Equal(1, Volatile.Read(ref secondHandler));
        load.SetTo(0);
        for (int i = 0; i < 3; i++)
        {
            monitor.SampleNow(); // clears (options: ClearAfterSamples 3, no cooldown)
        }

        load.SetTo(5);
        Volatile.Write(ref blockNext, true);
        Task sampling = Task.Run(() => monitor.SampleNow()); // second episode: blocks in the first handler
        Assert.True(inside.Wait(TimeSpan.FromSeconds(30)));
        Task disposing = Task.Run(monitor.Dispose);
        Assert.True(SpinWait.SpinUntil(() => IsDisposing(monitor), TimeSpan.FromSeconds(30)));
        Assert.False(disposing.IsCompleted); // Dispose waits for the sample in progress
        release.Set();
        await sampling;
        await disposing.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, Volatile.Read(ref secondHandler)); // the second handler of the in-flight sample was not called
        monitor.SampleNow();
        Assert.Equal(1, Volatile.Read(ref secondHandler));
        load.SetTo(0);
    }

    [Fact]
    public void A_monitor_whose_last_sample_is_older_than_three_intervals_is_stalled()
    {
        var options = Options();
        options.UseDedicatedThread = true; // real waits of an hour: the fake clock moves, the thread does not sample
        options.SampleInterval = TimeSpan.FromHours(1);
        using var monitor = new ConcurrencyMonitor(options);
        Assert.False(monitor.IsStalled); // not started
        monitor.Start();
        Assert.True(SpinWait.SpinUntil(() => monitor.SampleCount == 1, TimeSpan.FromSeconds(30)));
        _time.Advance(TimeSpan.FromHours(3));
        Assert.False(monitor.IsStalled); // exactly three intervals: not yet
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(monitor.IsStalled);
        monitor.SampleNow();
        Assert.False(monitor.IsStalled);
    }

    [Fact]
    public void Http_counts_never_go_negative_when_connections_opened_before_the_start_close()
    {
        var options = Options().EnableOnly(ProbeKind.HttpOpenConnections, ProbeKind.HttpActiveRequests);
        using var monitor = new ConcurrencyMonitor(options);
        monitor.Start(); // the listener picks up any meter named System.Net.Http, this fake one too
        using var meter = new Meter("System.Net.Http");
        UpDownCounter<long> connections = meter.CreateUpDownCounter<long>("http.client.open_connections");
        UpDownCounter<long> requests = meter.CreateUpDownCounter<long>("http.client.active_requests");

        double Connections() => monitor.SampleNow()!.Values[ProbeKind.HttpOpenConnections];

        Assert.Equal(0, Connections());
        connections.Add(-2); // two connections opened before the start close
        requests.Add(-1);
        Assert.Equal(0, Connections());
        Assert.Equal(0, monitor.LastSample!.Values[ProbeKind.HttpActiveRequests]);
        connections.Add(1);  // a new one opens: one is open, for certain
        Assert.Equal(1, Connections());
        connections.Add(1);
        connections.Add(1);
        Assert.Equal(3, Connections());
        connections.Add(-1);
        Assert.Equal(2, Connections());
        requests.Add(1);
        Assert.Equal(1, monitor.SampleNow()!.Values[ProbeKind.HttpActiveRequests]);
    }

    [Fact]
    public void Duration_histograms_advise_second_scale_buckets_that_a_listener_sees()
    {
        using var meter = new Meter(MetricNames.MeterName);
        var histograms = new ConcurrentDictionary<string, Histogram<double>>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (ReferenceEquals(instrument.Meter, meter) && instrument is Histogram<double> histogram)
                {
                    histograms[instrument.Name] = histogram;
                }
            },
        };
        listener.Start();
        using var monitor = new ConcurrencyMonitor(new ConcurrencyMonitorOptions { Meter = meter, Tracker = _tracker, ListenToRuntimeEvents = false });

        IReadOnlyList<double> probe = histograms[MetricNames.ProbeDuration].Advice!.HistogramBucketBoundaries!;
        IReadOnlyList<double> task = histograms[MetricNames.TaskDuration].Advice!.HistogramBucketBoundaries!;
        Assert.Equal(MetricNames.ProbeDurationBuckets, probe);
        Assert.Equal(MetricNames.TaskDurationBuckets, task);
        Assert.Equal("s", histograms[MetricNames.ProbeDuration].Unit);

        // A healthy probe (2 ms), one at the Degraded level (1 s) and a starving one (3 s) land in different
        // buckets, and 1 s is a boundary, so a p99 > 1 s alert means what it says. With OpenTelemetry's
        // default boundaries (0, 5, 10, ...) all three would share the first bucket.
        int Bucket(IReadOnlyList<double> bounds, double value) => bounds.Count(b => b < value);
        Assert.Equal(3, new[] { 0.002, 1, 3 }.Select(v => Bucket(probe, v)).Distinct().Count());
        Assert.Contains(1.0, probe);
        double[] otelDefaults = { 0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000 };
        Assert.Single(new[] { 0.002, 1, 3 }.Select(v => Bucket(otelDefaults, v)).Distinct());
        Assert.True(task.Last() >= 3600, "background tasks can run for an hour");
    }

    private static bool IsDisposing(ConcurrencyMonitor monitor) => monitor.IsDisposed;

    private ConcurrencyMonitorOptions Options() => new ConcurrencyMonitorOptions
    {
        TimeProvider = _time,
        Tracker = _tracker,
        SampleInterval = TimeSpan.FromSeconds(1),
        WarmupSamples = 0,
        Cooldown = TimeSpan.Zero,
        ListenToRuntimeEvents = false,
        UseDedicatedThread = false,
        TrackedTasks = new ProbeOptions { SustainedFor = null },
    }.EnableOnly(ProbeKind.TrackedTasks);
}

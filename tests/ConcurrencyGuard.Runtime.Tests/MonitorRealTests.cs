using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace ConcurrencyGuard.Runtime.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial (blocks the thread pool)";
}

/// <summary>Real clock, real thread pool. Runs alone: it starves the pool on purpose.</summary>
[Collection(SerialCollection.Name)]
public class MonitorRealTests
{
    private readonly ITestOutputHelper _output;

    public MonitorRealTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Blocked_thread_pool_raises_the_starvation_alarm_and_clears_after_release()
    {
        var options = new ConcurrencyMonitorOptions
        {
            SampleInterval = TimeSpan.FromMilliseconds(200),
            Tracker = new TaskTracker(),
            Cooldown = TimeSpan.Zero,
        }.EnableOnly(ProbeKind.StarvationLatency, ProbeKind.StarvationEvents, ProbeKind.ThreadPoolQueueLength, ProbeKind.ThreadPoolThreads);
        options.StarvationLatency.Degraded = 0.5;
        options.StarvationLatency.SustainedFor = null;

        options.StarvationEvents.Degraded = 1;
        using var raised = new ManualResetEventSlim();
        using var runtimeSaidSo = new ManualResetEventSlim();
        using var cleared = new ManualResetEventSlim();
        ConcurrencyAlarm? alarm = null;
        using var monitor = new ConcurrencyMonitor(options);
        monitor.AlarmRaised += (_, e) =>
        {
            if (e.Alarm.Probe == ProbeKind.StarvationEvents)
            {
                runtimeSaidSo.Set();
            }

            if (e.Alarm.Probe == ProbeKind.StarvationLatency && alarm is null)
            {
                alarm = e.Alarm;
                raised.Set();
            }
        };
        monitor.AlarmCleared += (_, e) =>
        {
            if (alarm is not null && e.Alarm.EpisodeId == alarm.EpisodeId)
            {
                cleared.Set();
            }
        };
        monitor.Start();
        Assert.True(SpinWait.SpinUntil(() => monitor.SampleCount >= 3, TimeSpan.FromSeconds(30)), "the monitor did not sample");
        Assert.NotNull(monitor.SamplingThread);
        Assert.Null(alarm);

        int stop = 0;
        int blockers = ThreadPool.ThreadCount + (4 * Environment.ProcessorCount) + 32;
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < blockers; i++)
        {
            // Thread.Sleep does not tell the pool it is blocked, so only starvation detection adds threads.
            ThreadPool.UnsafeQueueUserWorkItem<object?>(_ => { while (Volatile.Read(ref stop) == 0) { Thread.Sleep(20); } }, null, preferLocal: false);
        }

        bool fired;
        bool runtimeEvent;
        TimeSpan timeToFire;
        TimeSpan timeToRuntimeEvent;
        try
        {
            fired = raised.Wait(TimeSpan.FromSeconds(30));
            timeToFire = watch.Elapsed;
            // The runtime's own starvation event (55, reason Starvation) arrives through the EventListener.
            runtimeEvent = runtimeSaidSo.Wait(TimeSpan.FromSeconds(30));
            timeToRuntimeEvent = watch.Elapsed;
        }
        finally
        {
            Volatile.Write(ref stop, 1);
        }

        _output.WriteLine($"starvation alarm after {timeToFire.TotalSeconds:0.00} s ({blockers} blockers): {alarm}");
        _output.WriteLine($"runtime starvation event alarm after {timeToRuntimeEvent.TotalSeconds:0.00} s");
        Assert.True(fired, "the starvation alarm did not fire within 30 s of blocking the pool");
        Assert.True(runtimeEvent, "no runtime starvation adjustment (event 55, reason 6) was seen within 30 s");
        Assert.Equal(AlarmRule.Threshold, alarm!.Rule);
        Assert.True(alarm.Value >= 0.5);
        Assert.True(cleared.Wait(TimeSpan.FromSeconds(60)), "the starvation alarm did not clear after the pool was released");

        monitor.Dispose();
        Assert.False(monitor.SamplingThread!.IsAlive);
        long samples = monitor.SampleCount;
        Thread.Sleep(300);
        Assert.Equal(samples, monitor.SampleCount);
    }

    [SkippableFact]
    public void Open_handles_probe_sees_new_file_descriptors()
    {
        Skip.IfNot(RuntimeInformation.IsOSPlatform(OSPlatform.Linux), "/proc/self/fd is Linux only; elsewhere the handle count is platform-defined");

        var options = new ConcurrencyMonitorOptions { ListenToRuntimeEvents = false, Tracker = new TaskTracker() }
            .EnableOnly(ProbeKind.OpenHandles, ProbeKind.HandleUsage);
        using var monitor = new ConcurrencyMonitor(options);
        double before = monitor.SampleNow()!.Values[ProbeKind.OpenHandles];
        var streams = new List<FileStream>();
        try
        {
            for (int i = 0; i < 50; i++)
            {
                streams.Add(new FileStream(typeof(MonitorRealTests).Assembly.Location, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            }

            ConcurrencySample sample = monitor.SampleNow()!;
            Assert.True(sample.Values[ProbeKind.OpenHandles] >= before + 50);
            Assert.True(sample.FileDescriptorLimit > 0);
            Assert.Equal(sample.Values[ProbeKind.OpenHandles] / sample.FileDescriptorLimit, sample.Values[ProbeKind.HandleUsage], 9);
        }
        finally
        {
            streams.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task Meter_publishes_task_and_alarm_instruments()
    {
        using var meter = new Meter(MetricNames.MeterName);
        var tracker = new TaskTracker();
        var options = new ConcurrencyMonitorOptions
        {
            Meter = meter,
            Tracker = tracker,
            ListenToRuntimeEvents = false,
            UseDedicatedThread = false,
            SampleInterval = TimeSpan.FromHours(1),
        }.EnableOnly(ProbeKind.TrackedTasks);
        options.TrackedTasks.Degraded = 1;

        var measurements = new List<(string Name, double Value, KeyValuePair<string, object?>[] Tags)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, meter))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
        {
            lock (measurements)
            {
                measurements.Add((instrument.Name, Convert.ToDouble(value), tags.ToArray()));
            }
        }

        listener.SetMeasurementEventCallback<int>(Record);
        listener.SetMeasurementEventCallback<long>(Record);
        listener.SetMeasurementEventCallback<double>(Record);
        listener.Start();

        using var monitor = new ConcurrencyMonitor(options);
        monitor.Start(); // attaches the tracker instruments
        var gate = new TaskCompletionSource();
        tracker.Track(Fail(gate.Task));
        tracker.Track(gate.Task);
        monitor.SampleNow();
        listener.RecordObservableInstruments();
        gate.SetResult();
        Assert.True(await tracker.WaitForIdleAsync(TimeSpan.FromSeconds(30)));

        lock (measurements)
        {
            Assert.Contains(measurements, m => m.Name == "concurrencyguard.task.active" && m.Value == 2);
            Assert.Contains(measurements, m => m.Name == "concurrencyguard.alarm.active" && m.Value == 1);
            Assert.Contains(measurements, m => m.Name == "concurrencyguard.task.fault.count" && m.Value == 1);
            Assert.Contains(measurements, m => m.Name == "concurrencyguard.alarm.count"
                && m.Tags.Contains(new KeyValuePair<string, object?>("concurrencyguard.probe", "tracked_tasks"))
                && m.Tags.Contains(new KeyValuePair<string, object?>("concurrencyguard.alarm.rule", "threshold"))
                && m.Tags.Contains(new KeyValuePair<string, object?>("concurrencyguard.alarm.severity", "degraded")));
            Assert.Equal(2, measurements.Count(m => m.Name == "concurrencyguard.task.duration"));
            Assert.Contains(measurements, m => m.Name == "concurrencyguard.task.duration"
                && m.Tags.Contains(new KeyValuePair<string, object?>("concurrencyguard.task.outcome", "faulted")));
            Assert.All(measurements, m => Assert.StartsWith("concurrencyguard.", m.Name));
        }

        monitor.Dispose();
        Assert.Null(tracker.Instruments);
    }

    [Fact]
    public async Task Http_client_probes_see_requests_in_flight_and_open_connections()
    {
        var options = new ConcurrencyMonitorOptions { ListenToRuntimeEvents = false, Tracker = new TaskTracker(), UseDedicatedThread = false, SampleInterval = TimeSpan.FromHours(1) }
            .EnableOnly(ProbeKind.HttpActiveRequests, ProbeKind.HttpOpenConnections);
        using var monitor = new ConcurrencyMonitor(options);
        monitor.Start(); // starts the System.Net.Http MeterListener

        using var server = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        server.Start();
        int port = ((System.Net.IPEndPoint)server.LocalEndpoint).Port;
        var respond = new TaskCompletionSource();
        Task serve = Task.Run(async () =>
        {
            using System.Net.Sockets.TcpClient connection = await server.AcceptTcpClientAsync();
            using System.Net.Sockets.NetworkStream stream = connection.GetStream();
            var buffer = new byte[4096];
            string request = string.Empty;
            while (!request.Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                int read = await stream.ReadAsync(buffer);
                if (read == 0)
                {
                    return;
                }

                request += System.Text.Encoding.ASCII.GetString(buffer, 0, read);
            }

            await respond.Task;
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"));
        });

        using var client = new System.Net.Http.HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        Task<string> call = client.GetStringAsync($"http://127.0.0.1:{port}/slow");
        try
        {
            Assert.True(
                SpinWait.SpinUntil(() => monitor.SampleNow()!.Values[ProbeKind.HttpActiveRequests] >= 1, TimeSpan.FromSeconds(30)),
                "the request in flight was not seen");
            // The connection is counted once it is established, a moment after the request starts.
            Assert.True(
                SpinWait.SpinUntil(() => monitor.SampleNow()!.Values[ProbeKind.HttpOpenConnections] >= 1, TimeSpan.FromSeconds(30)),
                "the open connection was not seen");
            Assert.True(monitor.LastSample!.Values[ProbeKind.HttpActiveRequests] >= 1);
        }
        finally
        {
            respond.SetResult();
        }

        Assert.Equal("ok", await call);
        await serve;
        Assert.True(
            SpinWait.SpinUntil(() => monitor.SampleNow()!.Values[ProbeKind.HttpActiveRequests] == 0, TimeSpan.FromSeconds(30)),
            "the finished request was still counted");
    }

    [Fact]
    public void Gc_pause_share_and_lock_contention_rate_match_what_the_test_caused_within_bounds()
    {
        var options = new ConcurrencyMonitorOptions { ListenToRuntimeEvents = false, Tracker = new TaskTracker() }
            .EnableOnly(ProbeKind.GcPauseShare, ProbeKind.LockContentionRate);
        using var monitor = new ConcurrencyMonitor(options);

        // Outer readings are taken before the first sample and after the second, inner ones after the first and
        // before the second: the monitor's window lies between them, so its values are bounded both ways.
        TimeSpan pauseOuterStart = GC.GetTotalPauseDuration();
        long contentionOuterStart = Monitor.LockContentionCount;
        long wallOuterStart = Stopwatch.GetTimestamp();
        monitor.SampleNow(); // baseline for the rates
        long wallInnerStart = Stopwatch.GetTimestamp();
        TimeSpan pauseInnerStart = GC.GetTotalPauseDuration();
        long contentionInnerStart = Monitor.LockContentionCount;

        var watch = Stopwatch.StartNew();
        while (watch.ElapsedMilliseconds < 200)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        }

        object gate = new();
        int stop = 0;
        var threads = Enumerable.Range(0, 2).Select(_ => new Thread(() =>
        {
            while (Volatile.Read(ref stop) == 0)
            {
                lock (gate)
                {
                    Thread.Sleep(2); // the other thread has to wait: a contention
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        Thread.Sleep(200);
        Volatile.Write(ref stop, 1);
        threads.ForEach(t => t.Join());

        TimeSpan pauseInnerEnd = GC.GetTotalPauseDuration();
        long contentionInnerEnd = Monitor.LockContentionCount;
        long wallInnerEnd = Stopwatch.GetTimestamp();
        ConcurrencySample sample = monitor.SampleNow()!;
        long wallOuterEnd = Stopwatch.GetTimestamp();
        TimeSpan pauseOuterEnd = GC.GetTotalPauseDuration();
        long contentionOuterEnd = Monitor.LockContentionCount;

        double innerSeconds = Stopwatch.GetElapsedTime(wallInnerStart, wallInnerEnd).TotalSeconds;
        double outerSeconds = Stopwatch.GetElapsedTime(wallOuterStart, wallOuterEnd).TotalSeconds;
        double share = sample.Values[ProbeKind.GcPauseShare];
        double contention = sample.Values[ProbeKind.LockContentionRate];
        double shareLow = (pauseInnerEnd - pauseInnerStart).TotalSeconds / outerSeconds;
        double shareHigh = Math.Min(1, (pauseOuterEnd - pauseOuterStart).TotalSeconds / innerSeconds);
        double contentionLow = (contentionInnerEnd - contentionInnerStart) / outerSeconds;
        double contentionHigh = (contentionOuterEnd - contentionOuterStart) / innerSeconds;
        _output.WriteLine($"gc pause share {share:0.###} in [{shareLow:0.###}, {shareHigh:0.###}], lock contention {contention:0.#}/s in [{contentionLow:0.#}, {contentionHigh:0.#}]");
        Assert.True(shareLow > 0, "the forced collections paused nothing");
        Assert.InRange(share, shareLow * 0.999, shareHigh * 1.001);
        Assert.True(contentionLow > 0, "the threads did not contend");
        Assert.InRange(contention, contentionLow * 0.999, contentionHigh * 1.001);
    }

    private static async Task Fail(Task gate)
    {
        await gate.ConfigureAwait(false);
        throw new InvalidOperationException("fault for the metric");
    }
}

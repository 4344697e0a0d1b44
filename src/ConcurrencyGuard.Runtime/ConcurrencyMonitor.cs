using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading;

namespace ConcurrencyGuard;

/// <summary>
/// Samples the probes (tracked tasks, thread pool, starvation, lock contention, GC pauses, handles,
/// HTTP client) on its own schedule, evaluates the alarm rules and raises <see cref="AlarmRaised"/> /
/// <see cref="AlarmCleared"/>. Publishes the <c>ConcurrencyGuard</c> meter. <see cref="Dispose"/> stops
/// everything it started. Thread-safe.
/// </summary>
public sealed class ConcurrencyMonitor : IDisposable
{
    private const string HttpMeterName = "System.Net.Http";
    private const string HttpActiveRequestsName = "http.client.active_requests";
    private const string HttpOpenConnectionsName = "http.client.open_connections";

    private readonly object _gate = new();
    private readonly ConcurrencyMonitorOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<ProbeKind, ProbeState> _states = new();
    private readonly bool _ownsMeter;
    private readonly TrackerInstruments _trackerInstruments;
    private readonly Histogram<double> _probeDuration;
    private readonly Counter<long> _starvationCount;
    private readonly Counter<long> _alarmCount;
    private readonly ManualResetEventSlim _stop = new(false);
    private readonly WaitCallbackState _probeCallback;

    private Thread? _thread;
    private ITimer? _timer;
    private RuntimeEventListener? _runtimeEvents;
    private MeterListener? _httpListener;
    private readonly LowerBoundCounter _httpActive = new();
    private readonly LowerBoundCounter _httpConnections = new();
    private readonly int[] _probeFailures = new int[Enum.GetValues<ProbeKind>().Length];

    private int _started;
    private volatile bool _disposed;
    private long _samples;
    private long _skippedSamples;
    private long _startedAt;
    private volatile ConcurrencyAlarm[] _active = Array.Empty<ConcurrencyAlarm>();
    private volatile ConcurrencySample? _last;

    private long _lastTimestamp;
    private long _lastCompleted;
    private long _lastContentions;
    private TimeSpan _lastPause;
    private long _lastStarvation;
    private long _recentStarvation;
    private int _probePending;
    private long _probeQueuedAt;
    private long _lastProbeLatencyTicks = -1;
    private long _fdLimit = -2;

    /// <summary>Creates a monitor; call <see cref="Start"/> to begin sampling.</summary>
    /// <param name="options">Settings; defaults when <see langword="null"/>. Validated here.</param>
    /// <exception cref="ArgumentException">A setting is invalid.</exception>
    public ConcurrencyMonitor(ConcurrencyMonitorOptions? options = null)
    {
        _options = options ?? new ConcurrencyMonitorOptions();
        _options.Validate();
        _time = _options.TimeProvider ?? TimeProvider.System;
        Tracker = _options.Tracker ?? TaskTracker.Default;
        foreach (ProbeKind kind in Enum.GetValues<ProbeKind>())
        {
            _states[kind] = new ProbeState(kind, _options.SurgeWindowSamples);
        }

        _ownsMeter = _options.Meter is null;
        Meter = _options.Meter ?? new Meter(MetricNames.MeterName, typeof(ConcurrencyMonitor).Assembly.GetName().Version?.ToString());
        _trackerInstruments = new TrackerInstruments(
            CreateSecondsHistogram(Meter, MetricNames.TaskDuration, "Run time of tracked fire-and-forget tasks.", MetricNames.TaskDurationBuckets),
            Meter.CreateCounter<long>(MetricNames.TaskFaultCount, "{fault}", "Tracked tasks that faulted."),
            Meter.CreateCounter<long>(MetricNames.TaskDroppedCount, "{task}", "Tasks not tracked because the registry was at its cap."));
        TaskTracker tracker = Tracker;
        Meter.CreateObservableUpDownCounter(MetricNames.TaskActive, () => tracker.Outstanding, "{task}", "Tracked tasks outstanding.");
        _probeDuration = CreateSecondsHistogram(Meter, MetricNames.ProbeDuration, "Time a probe work item waited in the thread-pool queue before it ran.", MetricNames.ProbeDurationBuckets);
        _starvationCount = Meter.CreateCounter<long>(MetricNames.StarvationCount, "{adjustment}", "Thread injections the runtime made because of thread-pool starvation.");
        _alarmCount = Meter.CreateCounter<long>(MetricNames.AlarmCount, "{alarm}", "Alarms raised (escalations included).");
        Meter.CreateObservableUpDownCounter(MetricNames.AlarmActive, () => _active.Length, "{alarm}", "Alarms currently raised.");
        _probeCallback = new WaitCallbackState(this);
    }

    /// <summary>Raised when an alarm episode starts or escalates. Runs on the sampling thread; keep handlers quick.</summary>
    public event EventHandler<ConcurrencyAlarmEventArgs>? AlarmRaised;

    /// <summary>Raised when an alarm episode clears (after hysteresis).</summary>
    public event EventHandler<ConcurrencyAlarmEventArgs>? AlarmCleared;

    /// <summary>
    /// Raised on the sampling thread when reading a probe threw: that probe has no value in the sample,
    /// the others are sampled as usual. Carries the number of consecutive failures of the probe.
    /// </summary>
    public event EventHandler<ProbeFailedEventArgs>? ProbeFailed;

    /// <summary>The tracker whose tasks are probed.</summary>
    public TaskTracker Tracker { get; }

    /// <summary>The meter the instruments are published on.</summary>
    public Meter Meter { get; }

    /// <summary>The settings.</summary>
    public ConcurrencyMonitorOptions Options => _options;

    /// <summary>The worst severity among the alarms currently raised (computed by the last sample; answers instantly).</summary>
    public ConcurrencyStatus Status => _last?.Status ?? ConcurrencyStatus.Healthy;

    /// <summary>The alarms currently raised.</summary>
    public IReadOnlyList<ConcurrencyAlarm> ActiveAlarms => _active;

    /// <summary>The last sample, or <see langword="null"/> before the first.</summary>
    public ConcurrencySample? LastSample => _last;

    /// <summary>How many samples were taken.</summary>
    public long SampleCount => Interlocked.Read(ref _samples);

    /// <summary>Whether <see cref="Start"/> was called and <see cref="Dispose"/> was not.</summary>
    public bool IsRunning => Volatile.Read(ref _started) == 1 && !_disposed;

    /// <summary>Timer ticks skipped because the previous sample was still running (a sample never queues behind another).</summary>
    public long SkippedSamples => Interlocked.Read(ref _skippedSamples);

    /// <summary>When <see cref="Start"/> was called (on the monitor's clock), or <see langword="null"/> before.</summary>
    public DateTimeOffset? StartedAt => Interlocked.Read(ref _startedAt) is long ticks and not 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    /// <summary>
    /// Whether the monitor is running but its last sample (or its start, before the first sample) is older
    /// than three sample intervals: its state is stale, for example because the sampling thread is stuck.
    /// </summary>
    public bool IsStalled
    {
        get
        {
            if (!IsRunning || StartedAt is not DateTimeOffset started)
            {
                return false;
            }

            DateTimeOffset last = _last?.Timestamp ?? started;
            return _time.GetUtcNow() - last > 3 * _options.SampleInterval;
        }
    }

    /// <summary>Test hook: runs inside the per-probe error handling before each probe is read.</summary>
    internal Action<ProbeKind>? BeforeProbe { get; set; }

    internal Thread? SamplingThread => _thread;

    internal bool IsDisposed => _disposed;

    internal bool HasTimer => _timer is not null;

    /// <summary>
    /// Starts sampling every <see cref="ConcurrencyMonitorOptions.SampleInterval"/> (first sample right away),
    /// the runtime event listener and the HTTP meter listener. Calling it again does nothing.
    /// </summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            return;
        }

        Interlocked.Exchange(ref _startedAt, _time.GetUtcNow().UtcTicks);
        Tracker.Instruments = _trackerInstruments;
        if (_options.ListenToRuntimeEvents && (_options.StarvationEvents.Enabled || _options.StarvationLatency.Enabled))
        {
            _runtimeEvents = new RuntimeEventListener();
        }

        if (_options.HttpActiveRequests.Enabled || _options.HttpOpenConnections.Enabled)
        {
            StartHttpListener();
        }

        bool dedicated = _options.UseDedicatedThread ?? ReferenceEquals(_time, TimeProvider.System);
        if (dedicated)
        {
            _thread = new Thread(static state => ((ConcurrencyMonitor)state!).Loop())
            {
                IsBackground = true,
                Name = "ConcurrencyGuard monitor",
            };
            _thread.Start(this);
        }
        else
        {
            SampleNow();
            _timer = _time.CreateTimer(
                static state => ((ConcurrencyMonitor)state!).SampleOnTick(),
                this,
                _options.SampleInterval,
                _options.SampleInterval);
        }
    }

    /// <summary>Takes one sample now, evaluates the rules and raises events. Sampling is serialized.</summary>
    /// <returns>The sample (the previous one if the monitor is disposed).</returns>
    public ConcurrencySample? SampleNow()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return _last;
            }

            return Sample();
        }
    }

    /// <summary>Stops the sampling thread or timer and the listeners, detaches the instruments and disposes an owned meter.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _stop.Set();

        // Wait for a sample in progress on another thread, so no event is raised after Dispose returns.
        if (!Monitor.IsEntered(_gate))
        {
            lock (_gate)
            {
            }
        }

        Thread? thread = _thread;
        if (thread is not null && thread != Thread.CurrentThread)
        {
            thread.Join(TimeSpan.FromSeconds(10));
        }

        _timer?.Dispose();
        _runtimeEvents?.Dispose();
        _httpListener?.Dispose();
        if (ReferenceEquals(Tracker.Instruments, _trackerInstruments))
        {
            Tracker.Instruments = null;
        }

        if (_ownsMeter)
        {
            Meter.Dispose();
        }
    }

    private void Loop()
    {
        try
        {
            SampleSafe();
            while (!_stop.Wait(_options.SampleInterval))
            {
                SampleSafe();
            }
        }
        catch (Exception)
        {
            // Nothing may escape a thread of ours: it would end the process.
        }
    }

    /// <summary>A timer tick: samples unless a sample is still running, so ticks never pile up behind the gate.</summary>
    private void SampleOnTick()
    {
        if (!Monitor.TryEnter(_gate))
        {
            Interlocked.Increment(ref _skippedSamples);
            return;
        }

        try
        {
            SampleSafe();
        }
        finally
        {
            Monitor.Exit(_gate);
        }
    }

    private void SampleSafe()
    {
        try
        {
            SampleNow();
        }
        catch (Exception)
        {
            // The monitor must never take the process down (probes are guarded one by one in Sample).
        }
    }

    private void StartHttpListener()
    {
        var listener = new MeterListener
        {
            InstrumentPublished = static (instrument, l) =>
            {
                if (instrument.Meter.Name == HttpMeterName
                    && (instrument.Name == HttpActiveRequestsName || instrument.Name == HttpOpenConnectionsName))
                {
                    l.EnableMeasurementEvents(instrument, null);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            (instrument.Name == HttpActiveRequestsName ? _httpActive : _httpConnections).Add(value);
        });
        listener.Start();
        _httpListener = listener;
    }

    private ConcurrencySample Sample()
    {
        DateTimeOffset now = _time.GetUtcNow();
        long timestamp = _time.GetTimestamp();
        double elapsed = _lastTimestamp == 0 ? double.NaN : _time.GetElapsedTime(_lastTimestamp, timestamp).TotalSeconds;
        bool haveRate = elapsed > 0;
        var values = new Dictionary<ProbeKind, double>();
        long queue = 0;
        long starvationDelta = 0;

        // One failing probe costs only its own value: each read is guarded on its own.
        void Probe(ProbeKind kind, Func<double> read)
        {
            if (!_options.GetProbe(kind).Enabled)
            {
                return;
            }

            double value;
            try
            {
                BeforeProbe?.Invoke(kind);
                value = read();
            }
            catch (Exception e)
            {
                int failures = ++_probeFailures[(int)kind];
                Fire(ProbeFailed, new ProbeFailedEventArgs(kind, e, failures));
                return;
            }

            _probeFailures[(int)kind] = 0;
            if (!double.IsNaN(value) && !double.IsInfinity(value))
            {
                values[kind] = value;
            }
        }

        Probe(ProbeKind.TrackedTasks, () => Tracker.Outstanding);
        Probe(ProbeKind.ThreadPoolThreads, () => ThreadPool.ThreadCount);
        queue = ThreadPool.PendingWorkItemCount;
        Probe(ProbeKind.ThreadPoolQueueLength, () => queue);
        Probe(ProbeKind.ThreadPoolCompletionRate, () =>
        {
            long completed = ThreadPool.CompletedWorkItemCount;
            double rate = haveRate ? Math.Max(0, completed - _lastCompleted) / elapsed : double.NaN;
            _lastCompleted = completed;
            return rate;
        });

        long starvation = _runtimeEvents?.StarvationAdjustments ?? 0;
        starvationDelta = starvation - _lastStarvation;
        _lastStarvation = starvation;
        if (starvationDelta > 0)
        {
            _starvationCount.Add(starvationDelta);
        }

        if (_runtimeEvents is not null)
        {
            Probe(ProbeKind.StarvationEvents, () => starvationDelta);
        }

        Probe(ProbeKind.StarvationLatency, MeasureProbeLatency);
        Probe(ProbeKind.LockContentionRate, () =>
        {
            long contentions = Monitor.LockContentionCount;
            double rate = haveRate ? Math.Max(0, contentions - _lastContentions) / elapsed : double.NaN;
            _lastContentions = contentions;
            return rate;
        });
        Probe(ProbeKind.GcPauseShare, () =>
        {
            TimeSpan pause = GC.GetTotalPauseDuration();
            double share = haveRate ? Math.Clamp((pause - _lastPause).TotalSeconds / elapsed, 0, 1) : double.NaN;
            _lastPause = pause;
            return share;
        });

        long handles = -1;
        Probe(ProbeKind.OpenHandles, () => handles = SystemProbes.OpenHandles());
        Probe(ProbeKind.HandleUsage, () =>
        {
            if (_fdLimit == -2)
            {
                _fdLimit = SystemProbes.FileDescriptorLimit();
            }

            if (handles < 0)
            {
                handles = SystemProbes.OpenHandles();
            }

            return handles >= 0 && _fdLimit > 0 ? (double)handles / _fdLimit : double.NaN;
        });

        if (_httpListener is not null)
        {
            Probe(ProbeKind.HttpActiveRequests, () => _httpActive.LowerBound);
            Probe(ProbeKind.HttpOpenConnections, () => _httpConnections.LowerBound);
        }

        _lastTimestamp = timestamp;

        // Starvation needs corroboration: the probe's own latency is not proof on its own.
        _recentStarvation = starvationDelta > 0 ? 2 : Math.Max(0, _recentStarvation - 1);
        bool corroborated = queue > 1 || _recentStarvation > 0;

        var sink = new AlarmSink(kind => kind == ProbeKind.TrackedTasks ? Tracker.Snapshot(_options.TopSites, captureEntries: false) : null);
        foreach (KeyValuePair<ProbeKind, double> pair in values)
        {
            double input = pair.Key == ProbeKind.StarvationLatency && !corroborated ? 0 : pair.Value;
            try
            {
                _states[pair.Key].Evaluate(input, now, _options.GetProbe(pair.Key), _options, sink);
            }
            catch (Exception e)
            {
                Fire(ProbeFailed, new ProbeFailedEventArgs(pair.Key, e, ++_probeFailures[(int)pair.Key]));
            }
        }

        ConcurrencyAlarm[] active = _states.Values.SelectMany(s => s.ActiveAlarms).ToArray();
        ConcurrencyStatus status = active.Length == 0 ? ConcurrencyStatus.Healthy : active.Max(a => a.Severity);
        _active = active;
        var sample = new ConcurrencySample(now, values, status, _fdLimit < 0 ? -1 : _fdLimit);
        _last = sample;
        Interlocked.Increment(ref _samples);

        foreach (ConcurrencyAlarm alarm in sink.ClearedAlarms)
        {
            Fire(AlarmCleared, alarm);
        }

        foreach (ConcurrencyAlarm alarm in sink.RaisedAlarms)
        {
            _alarmCount.Add(
                1,
                new KeyValuePair<string, object?>(MetricNames.ProbeTag, ProbeName(alarm.Probe)),
                new KeyValuePair<string, object?>(MetricNames.RuleTag, alarm.Rule.ToString().ToLowerInvariant()),
                new KeyValuePair<string, object?>(MetricNames.SeverityTag, alarm.Severity.ToString().ToLowerInvariant()));
            Fire(AlarmRaised, alarm);
        }

        return sample;
    }

    /// <summary>The probe kind in snake_case, as used in metric tags and logs (for example <c>tracked_tasks</c>).</summary>
    /// <param name="kind">The probe.</param>
    /// <returns>Its snake_case name.</returns>
    public static string ProbeName(ProbeKind kind)
    {
        string name = kind.ToString();
        var builder = new System.Text.StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                builder.Append('_');
            }

            builder.Append(char.ToLowerInvariant(name[i]));
        }

        return builder.ToString();
    }

    private double MeasureProbeLatency()
    {
        double latency = Interlocked.Read(ref _lastProbeLatencyTicks) is long ticks and >= 0
            ? TimeSpan.FromTicks(ticks).TotalSeconds
            : double.NaN;
        if (Volatile.Read(ref _probePending) == 1)
        {
            double waiting = _time.GetElapsedTime(Interlocked.Read(ref _probeQueuedAt)).TotalSeconds;
            return double.IsNaN(latency) ? waiting : Math.Max(latency, waiting);
        }

        Interlocked.Exchange(ref _lastProbeLatencyTicks, -1);
        Interlocked.Exchange(ref _probeQueuedAt, _time.GetTimestamp());
        Volatile.Write(ref _probePending, 1);
        ThreadPool.UnsafeQueueUserWorkItem(_probeCallback, preferLocal: false);
        return double.IsNaN(latency) ? 0 : latency;
    }

    private void OnProbeRan()
    {
        TimeSpan latency = _time.GetElapsedTime(Interlocked.Read(ref _probeQueuedAt));
        Interlocked.Exchange(ref _lastProbeLatencyTicks, Math.Max(0, latency.Ticks));
        Volatile.Write(ref _probePending, 0);
        if (!_disposed)
        {
            _probeDuration.Record(latency.TotalSeconds);
        }
    }

    private void Fire(EventHandler<ConcurrencyAlarmEventArgs>? handlers, ConcurrencyAlarm alarm)
    {
        if (handlers is not null)
        {
            Fire(handlers, new ConcurrencyAlarmEventArgs(alarm));
        }
    }

    private void Fire<T>(EventHandler<T>? handlers, T args)
    {
        if (handlers is null)
        {
            return;
        }

        foreach (EventHandler<T> handler in handlers.GetInvocationList())
        {
            if (_disposed)
            {
                return; // no event after Dispose (Dispose waits for the sample in progress)
            }

            try
            {
                handler(this, args);
            }
            catch (Exception)
            {
                // A subscriber's failure must not stop the monitor.
            }
        }
    }

    private static Histogram<double> CreateSecondsHistogram(Meter meter, string name, string description, IReadOnlyList<double> buckets)
    {
#if NET9_0_OR_GREATER
        // Advice makes OpenTelemetry use second-scale buckets instead of its millisecond defaults (0, 5, 10, ... 10000).
        return meter.CreateHistogram<double>(name, "s", description, tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = buckets });
#else
        _ = buckets; // net8 has no advice: configure an OpenTelemetry view with MetricNames' boundaries (see docs).
        return meter.CreateHistogram<double>(name, "s", description);
#endif
    }

    /// <summary>
    /// Running sum of an UpDownCounter seen from the listener's start, reported as a lower bound of the
    /// true count: a decrement of something counted before the start lowers the floor, not the count.
    /// </summary>
    private sealed class LowerBoundCounter
    {
        private long _sum;
        private long _lowest;

        /// <summary>Never negative and never above the true count: sum minus the lowest sum seen (at most 0).</summary>
        public long LowerBound
        {
            get
            {
                long lowest = Interlocked.Read(ref _lowest);
                return Math.Max(0, Interlocked.Read(ref _sum) - lowest);
            }
        }

        public void Add(long delta)
        {
            long sum = Interlocked.Add(ref _sum, delta);
            long lowest;
            while (sum < (lowest = Interlocked.Read(ref _lowest)) && Interlocked.CompareExchange(ref _lowest, sum, lowest) != lowest)
            {
            }
        }
    }

    private sealed class WaitCallbackState : IThreadPoolWorkItem
    {
        private readonly ConcurrencyMonitor _monitor;

        public WaitCallbackState(ConcurrencyMonitor monitor) => _monitor = monitor;

        public void Execute() => _monitor.OnProbeRan();
    }
}

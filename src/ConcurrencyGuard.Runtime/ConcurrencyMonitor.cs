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
    private long _httpActive;
    private long _httpConnections;

    private int _started;
    private volatile bool _disposed;
    private long _samples;
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
            Meter.CreateHistogram<double>(MetricNames.TaskDuration, "s", "Run time of tracked fire-and-forget tasks."),
            Meter.CreateCounter<long>(MetricNames.TaskFaultCount, "{fault}", "Tracked tasks that faulted."),
            Meter.CreateCounter<long>(MetricNames.TaskDroppedCount, "{task}", "Tasks not tracked because the registry was at its cap."));
        TaskTracker tracker = Tracker;
        Meter.CreateObservableUpDownCounter(MetricNames.TaskActive, () => tracker.Outstanding, "{task}", "Tracked tasks outstanding.");
        _probeDuration = Meter.CreateHistogram<double>(MetricNames.ProbeDuration, "s", "Time a probe work item waited in the thread-pool queue before it ran.");
        _starvationCount = Meter.CreateCounter<long>(MetricNames.StarvationCount, "{adjustment}", "Thread injections the runtime made because of thread-pool starvation.");
        _alarmCount = Meter.CreateCounter<long>(MetricNames.AlarmCount, "{alarm}", "Alarms raised (escalations included).");
        Meter.CreateObservableUpDownCounter(MetricNames.AlarmActive, () => _active.Length, "{alarm}", "Alarms currently raised.");
        _probeCallback = new WaitCallbackState(this);
    }

    /// <summary>Raised when an alarm episode starts or escalates. Runs on the sampling thread; keep handlers quick.</summary>
    public event EventHandler<ConcurrencyAlarmEventArgs>? AlarmRaised;

    /// <summary>Raised when an alarm episode clears (after hysteresis).</summary>
    public event EventHandler<ConcurrencyAlarmEventArgs>? AlarmCleared;

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

    internal Thread? SamplingThread => _thread;

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
                static state => ((ConcurrencyMonitor)state!).SampleSafe(),
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
        SampleSafe();
        while (!_stop.Wait(_options.SampleInterval))
        {
            SampleSafe();
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
            // The monitor must never take the process down; a failing probe is skipped this round.
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
            if (instrument.Name == HttpActiveRequestsName)
            {
                Interlocked.Add(ref _httpActive, value);
            }
            else
            {
                Interlocked.Add(ref _httpConnections, value);
            }
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

        void Put(ProbeKind kind, double value)
        {
            if (_options.GetProbe(kind).Enabled && !double.IsNaN(value) && !double.IsInfinity(value))
            {
                values[kind] = value;
            }
        }

        Put(ProbeKind.TrackedTasks, Tracker.Outstanding);
        Put(ProbeKind.ThreadPoolThreads, ThreadPool.ThreadCount);
        long queue = ThreadPool.PendingWorkItemCount;
        Put(ProbeKind.ThreadPoolQueueLength, queue);

        long completed = ThreadPool.CompletedWorkItemCount;
        if (haveRate)
        {
            Put(ProbeKind.ThreadPoolCompletionRate, Math.Max(0, completed - _lastCompleted) / elapsed);
        }

        _lastCompleted = completed;

        long starvation = _runtimeEvents?.StarvationAdjustments ?? 0;
        long starvationDelta = starvation - _lastStarvation;
        _lastStarvation = starvation;
        if (starvationDelta > 0)
        {
            _starvationCount.Add(starvationDelta);
        }

        if (_runtimeEvents is not null)
        {
            Put(ProbeKind.StarvationEvents, starvationDelta);
        }

        if (_options.StarvationLatency.Enabled)
        {
            Put(ProbeKind.StarvationLatency, MeasureProbeLatency());
        }

        long contentions = Monitor.LockContentionCount;
        if (haveRate)
        {
            Put(ProbeKind.LockContentionRate, Math.Max(0, contentions - _lastContentions) / elapsed);
        }

        _lastContentions = contentions;

        TimeSpan pause = GC.GetTotalPauseDuration();
        if (haveRate && _options.GcPauseShare.Enabled)
        {
            Put(ProbeKind.GcPauseShare, Math.Clamp((pause - _lastPause).TotalSeconds / elapsed, 0, 1));
        }

        _lastPause = pause;

        if (_options.OpenHandles.Enabled || _options.HandleUsage.Enabled)
        {
            long handles = SystemProbes.OpenHandles();
            if (_fdLimit == -2)
            {
                _fdLimit = SystemProbes.FileDescriptorLimit();
            }

            if (handles >= 0)
            {
                Put(ProbeKind.OpenHandles, handles);
                if (_fdLimit > 0)
                {
                    Put(ProbeKind.HandleUsage, (double)handles / _fdLimit);
                }
            }
        }

        if (_httpListener is not null)
        {
            Put(ProbeKind.HttpActiveRequests, Math.Max(0, Interlocked.Read(ref _httpActive)));
            Put(ProbeKind.HttpOpenConnections, Math.Max(0, Interlocked.Read(ref _httpConnections)));
        }

        _lastTimestamp = timestamp;

        // Starvation needs corroboration: the probe's own latency is not proof on its own.
        _recentStarvation = starvationDelta > 0 ? 2 : Math.Max(0, _recentStarvation - 1);
        bool corroborated = queue > 1 || _recentStarvation > 0;

        var sink = new AlarmSink(kind => kind == ProbeKind.TrackedTasks ? Tracker.Snapshot(_options.TopSites, captureEntries: false) : null);
        foreach (KeyValuePair<ProbeKind, double> pair in values)
        {
            double input = pair.Key == ProbeKind.StarvationLatency && !corroborated ? 0 : pair.Value;
            _states[pair.Key].Evaluate(input, now, _options.GetProbe(pair.Key), _options, sink);
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
        if (handlers is null)
        {
            return;
        }

        var args = new ConcurrencyAlarmEventArgs(alarm);
        foreach (EventHandler<ConcurrencyAlarmEventArgs> handler in handlers.GetInvocationList())
        {
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

    private sealed class WaitCallbackState : IThreadPoolWorkItem
    {
        private readonly ConcurrencyMonitor _monitor;

        public WaitCallbackState(ConcurrencyMonitor monitor) => _monitor = monitor;

        public void Execute() => _monitor.OnProbeRan();
    }
}

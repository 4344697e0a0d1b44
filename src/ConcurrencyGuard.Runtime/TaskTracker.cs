using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace ConcurrencyGuard;

/// <summary>
/// Registry of tracked fire-and-forget tasks, keyed by creation site. <see cref="Default"/> is the
/// process-wide tracker used by <see cref="TaskExtensions.Forget(Task, string?, string, string, int)"/>;
/// create more (for example one per test) with the constructor. Thread-safe.
/// </summary>
/// <remarks>
/// The hot path takes no global lock and captures no stack trace: the site comes from caller-info
/// attributes and is looked up in a cache keyed by (file, line, member); counts are kept in
/// per-processor cells and per-site counters. An entry is removed when its task completes.
/// </remarks>
public sealed class TaskTracker
{
    private const string OverflowName = "<other>";

    [ThreadStatic]
    private static TaskSite? t_lastSite;

    // Far from the cap, each stripe sums the stripes once every CapCheckPeriod registrations of its own;
    // within CapCheckPeriod per stripe of the cap, every registration checks.
    private const int CapCheckPeriod = 64;

    private readonly ConcurrentDictionary<SiteKey, TaskSite> _sites = new();
    private readonly TaskRegistry _registry = new();
    private readonly ConcurrentQueue<TaskFaultedEventArgs> _unhandledFaults = new();
    private readonly TimeProvider _time;
    private readonly bool _coarseClock;
    private readonly int _maxTracked;
    private readonly int _maxSites;
    private readonly int _maxRetainedFaults;
    private readonly TaskSite _overflowSite;
    private readonly long _capSlack;
    private volatile bool _capCheckEveryCall;
    private long _faulted;
    private long _canceled;
    private long _dropped;
    private int _siteCount;
    private volatile TrackerInstruments? _instruments;

    /// <summary>Creates a tracker (for example one per test); most code uses <see cref="Default"/>.</summary>
    /// <param name="options">Settings; defaults when <see langword="null"/>.</param>
    public TaskTracker(TaskTrackerOptions? options = null)
    {
        options ??= new TaskTrackerOptions();
        if (options.MaxTrackedTasks <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxTrackedTasks must be positive.");
        }

        if (options.MaxSites <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxSites must be positive.");
        }

        _time = options.TimeProvider ?? TimeProvider.System;

        // With the system clock, ages come from the millisecond tick (a few ns) instead of the
        // high-resolution timestamp (about 25 ns, a third of the tracked path's cost).
        _coarseClock = ReferenceEquals(_time, TimeProvider.System);
        _maxTracked = options.MaxTrackedTasks;
        _maxSites = options.MaxSites;
        _maxRetainedFaults = Math.Max(0, options.MaxRetainedFaults);
        _overflowSite = new TaskSite(this, OverflowName, 0, OverflowName);
        _capSlack = (long)_registry.StripeCount * CapCheckPeriod;
        _capCheckEveryCall = _capSlack >= _maxTracked;
    }

    /// <summary>The process-wide tracker used by <c>Forget()</c>.</summary>
    public static TaskTracker Default { get; } = new TaskTracker();

    /// <summary>Raised on the completing thread when a tracked task faults. Handlers should be quick and must not throw.</summary>
    /// <remarks>When nobody is subscribed the fault is retained (see <see cref="GetUnhandledFaults"/>); it is always counted in <see cref="Faulted"/>.</remarks>
    public event EventHandler<TaskFaultedEventArgs>? TaskFaulted;

    /// <summary>The number of tracked tasks that have not completed yet.</summary>
    /// <remarks>
    /// Read without a lock while tasks come and go, it is never lower than the number of tasks that
    /// stayed outstanding during the read (a task is counted and uncounted on the same stripe), so a
    /// zero means every task registered before the read had completed.
    /// </remarks>
    public int Outstanding => _registry.Outstanding;

    /// <summary>How many tasks were handed to this tracker since it was created.</summary>
    public long Started => _registry.Started;

    /// <summary>How many tracked tasks faulted.</summary>
    public long Faulted => Interlocked.Read(ref _faulted);

    /// <summary>How many tracked tasks were canceled.</summary>
    public long Canceled => Interlocked.Read(ref _canceled);

    /// <summary>How many tasks were not registered because the registry was at its cap (their faults were still reported).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>The clock used for ages.</summary>
    public TimeProvider TimeProvider => _time;

    internal TrackerInstruments? Instruments
    {
        get => _instruments;
        set => _instruments = value;
    }

    /// <summary>
    /// Tracks an already started task: it is counted under its creation site until it completes,
    /// and a fault is reported through <see cref="TaskFaulted"/>.
    /// </summary>
    /// <param name="task">The task.</param>
    /// <param name="name">An optional name shown in dumps and fault reports.</param>
    /// <param name="member">Filled in by the compiler.</param>
    /// <param name="file">Filled in by the compiler.</param>
    /// <param name="line">Filled in by the compiler.</param>
    public void Track(
        Task task,
        string? name = null,
        [CallerMemberName] string member = "",
        [CallerFilePath] string file = "",
        [CallerLineNumber] int line = 0)
    {
        if (task is null)
        {
            throw new ArgumentNullException(nameof(task));
        }

        TaskSite site = GetSite(file ?? string.Empty, line, member ?? string.Empty);
        if (task.IsCompleted)
        {
            _registry.CountUnregistered();
            Observe(site, name, task, null, Activity.Current);
            return;
        }

        int stripe = _registry.CurrentStripe;
        if ((_capCheckEveryCall || (_registry.RegisteredOn(stripe) & (CapCheckPeriod - 1)) == 0) && AtCap())
        {
            Drop(task, site, name);
            return;
        }

        // The high-resolution start is taken only while a duration histogram listens.
        long preciseStart = _coarseClock && _instruments is { Duration.Enabled: true } ? _time.GetTimestamp() : 0;
        var entry = new TrackedTask(site, name, ClockNow(), preciseStart, Activity.Current, task);
        TaskLeakScope? scope = TaskLeakScope.Current;
        if (scope is not null && scope.TryAdd(this))
        {
            entry.Scope = scope;
        }

        _registry.Add(entry, stripe);
        task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(entry.OnCompleted);
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the thread pool (so no synchronous part runs on the caller)
    /// and tracks the resulting task like <see cref="Track"/>.
    /// </summary>
    /// <param name="work">The asynchronous work to start.</param>
    /// <param name="name">An optional name shown in dumps and fault reports.</param>
    /// <param name="member">Filled in by the compiler.</param>
    /// <param name="file">Filled in by the compiler.</param>
    /// <param name="line">Filled in by the compiler.</param>
    public void Run(
        Func<Task> work,
        string? name = null,
        [CallerMemberName] string member = "",
        [CallerFilePath] string file = "",
        [CallerLineNumber] int line = 0)
    {
        if (work is null)
        {
            throw new ArgumentNullException(nameof(work));
        }

        Track(Task.Run(work), name, member, file, line);
    }

    /// <summary>
    /// Groups the outstanding tasks by creation site: the <paramref name="top"/> sites with most
    /// outstanding tasks, each with its count, the age of its oldest task and the names seen.
    /// </summary>
    /// <param name="top">How many sites to list (the totals cover all of them).</param>
    /// <returns>The snapshot; its <see cref="TaskTrackerSnapshot.ToString"/> prints the grouped dump.</returns>
    public TaskTrackerSnapshot Snapshot(int top = 10) => Snapshot(top, captureEntries: true);

    internal TaskTrackerSnapshot Snapshot(int top, bool captureEntries)
        => TaskTrackerSnapshot.Create(this, EnumerateEntries(), top, captureEntries);

    /// <summary>
    /// Waits until no tracked task is outstanding, or the timeout passes. Completion-signalled: it
    /// does not poll.
    /// </summary>
    /// <param name="timeout">The longest time to wait.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="true"/> when idle, <see langword="false"/> when the timeout passed first.</returns>
    public async Task<bool> WaitForIdleAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout));
        }

        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        while (true)
        {
            Task signal = ChangeSignal.Register();
            try
            {
                if (Outstanding == 0)
                {
                    return true;
                }

                TimeSpan remaining = timeout == Timeout.InfiniteTimeSpan
                    ? Timeout.InfiniteTimeSpan
                    : timeout - System.Diagnostics.Stopwatch.GetElapsedTime(start);
                if (remaining != Timeout.InfiniteTimeSpan && remaining <= TimeSpan.Zero)
                {
                    return false;
                }

                try
                {
                    await signal.WaitAsync(remaining, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    return Outstanding == 0;
                }
            }
            finally
            {
                ChangeSignal.Unregister();
            }
        }
    }

    /// <summary>Faults that were raised while nobody subscribed to <see cref="TaskFaulted"/> (the most recent ones).</summary>
    /// <returns>The retained faults, oldest first.</returns>
    public IReadOnlyList<TaskFaultedEventArgs> GetUnhandledFaults() => _unhandledFaults.ToArray();

    /// <summary>Now, on the clock of <see cref="TrackedTask.StartTimestamp"/>.</summary>
    internal long ClockNow() => _coarseClock ? Environment.TickCount64 : _time.GetTimestamp();

    /// <summary>Time between two readings of <see cref="ClockNow"/>.</summary>
    internal TimeSpan ClockElapsed(long start, long end)
        => _coarseClock ? TimeSpan.FromMilliseconds(end - start) : _time.GetElapsedTime(start, end);

    internal List<TrackedTask> EnumerateEntries()
    {
        var entries = new List<TrackedTask>();
        _registry.CopyTo(entries);
        return entries;
    }

    internal void Complete(TrackedTask entry, Task task)
    {
        // Report the outcome before the task stops counting as outstanding, so that "idle"
        // (WaitForIdleAsync, a passing leak check) implies every fault was already reported.
        Observe(entry.Site, entry.Name, task, entry, entry.Activity);
        if (_registry.Remove(entry))
        {
            entry.Scope?.Remove();
        }

        ChangeSignal.NotifyIfWaiting();
    }

    private bool AtCap()
    {
        int outstanding = _registry.Outstanding;
        bool near = outstanding + _capSlack >= _maxTracked;
        if (near != _capCheckEveryCall)
        {
            _capCheckEveryCall = near;
        }

        return outstanding >= _maxTracked;
    }

    private void Drop(Task task, TaskSite site, string? name)
    {
        _registry.CountUnregistered();
        Interlocked.Increment(ref _dropped);
        _instruments?.Dropped.Add(1);

        // Still observe the outcome so a fault is never lost; the unregistered entry carries start and trace.
        var entry = new TrackedTask(site, name, ClockNow(), 0, Activity.Current, task);
        task.ContinueWith(
            static (t, state) =>
            {
                var dropped = (TrackedTask)state!;
                dropped.Site.Tracker.Observe(dropped.Site, dropped.Name, t, dropped, dropped.Activity);
            },
            entry,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Reports the outcome; <paramref name="entry"/> (null for untracked tasks) gives the duration.</summary>
    private void Observe(TaskSite site, string? name, Task task, TrackedTask? entry, Activity? activity)
    {
        string outcome;
        if (task.IsFaulted)
        {
            outcome = "faulted";
            AggregateException? aggregate = task.Exception; // reading it marks the exception observed
            Exception exception = aggregate is { InnerExceptions.Count: 1 } ? aggregate.InnerExceptions[0] : aggregate!;
            ReportFault(site, name, exception, activity);
        }
        else if (task.IsCanceled)
        {
            outcome = "canceled";
            Interlocked.Increment(ref _canceled);
        }
        else
        {
            outcome = "success";
        }

        TrackerInstruments? instruments = _instruments;
        if (instruments is not null && instruments.Duration.Enabled)
        {
            instruments.Duration.Record(
                entry is null ? 0
                    : entry.PreciseStart != 0 ? _time.GetElapsedTime(entry.PreciseStart).TotalSeconds
                    : ClockElapsed(entry.StartTimestamp, ClockNow()).TotalSeconds,
                new KeyValuePair<string, object?>(MetricNames.OutcomeTag, outcome));
        }
    }

    private void ReportFault(TaskSite site, string? name, Exception exception, Activity? activity)
    {
        Interlocked.Increment(ref _faulted);
        _instruments?.Faults.Add(1);
        var args = new TaskFaultedEventArgs(exception, site, name, _time.GetUtcNow(), activity?.Context ?? default);
        EventHandler<TaskFaultedEventArgs>? handlers = TaskFaulted;
        if (handlers is null)
        {
            _unhandledFaults.Enqueue(args);
            while (_unhandledFaults.Count > _maxRetainedFaults && _unhandledFaults.TryDequeue(out _))
            {
            }

            return;
        }

        foreach (EventHandler<TaskFaultedEventArgs> handler in handlers.GetInvocationList())
        {
            try
            {
                handler(this, args);
            }
            catch (Exception)
            {
                // A subscriber's failure must not break the completing thread; the fault itself was delivered.
            }
        }
    }

    private TaskSite GetSite(string file, int line, string member)
    {
        TaskSite? last = t_lastSite;
        if (last is not null
            && ReferenceEquals(last.Tracker, this)
            && last.Line == line
            && ReferenceEquals(last.File, file)
            && ReferenceEquals(last.Member, member))
        {
            return last;
        }

        var key = new SiteKey(file, line, member);
        if (!_sites.TryGetValue(key, out TaskSite? site))
        {
            site = AddSite(key);
        }

        t_lastSite = site;
        return site;
    }

    private TaskSite AddSite(SiteKey key)
    {
        if (Volatile.Read(ref _siteCount) >= _maxSites)
        {
            return _overflowSite;
        }

        var created = new TaskSite(this, key.File, key.Line, key.Member);
        TaskSite site = _sites.GetOrAdd(key, created);
        if (ReferenceEquals(site, created))
        {
            Interlocked.Increment(ref _siteCount);
        }

        return site;
    }

    private readonly struct SiteKey : IEquatable<SiteKey>
    {
        public SiteKey(string file, int line, string member)
        {
            File = file;
            Line = line;
            Member = member;
        }

        public string File { get; }

        public int Line { get; }

        public string Member { get; }

        public bool Equals(SiteKey other)
            => Line == other.Line
               && string.Equals(File, other.File, StringComparison.Ordinal)
               && string.Equals(Member, other.Member, StringComparison.Ordinal);

        public override bool Equals(object? obj) => obj is SiteKey other && Equals(other);

        // Cheap on purpose (this runs per task when sites alternate): the line, the lengths and a few
        // characters of the file name; Equals settles the rare collision.
        public override int GetHashCode()
        {
            int hash = (Line * 397) ^ (File.Length << 16) ^ Member.Length;
            if (File.Length >= 8)
            {
                hash = (hash * 31) + File[File.Length - 4] + (File[File.Length - 6] << 8) + (File[File.Length - 8] << 16);
            }

            return Member.Length > 0 ? (hash * 31) + Member[0] + (Member[Member.Length - 1] << 8) : hash;
        }
    }
}

/// <summary>Instruments the tracker records into while a monitor is attached.</summary>
internal sealed class TrackerInstruments
{
    public TrackerInstruments(Histogram<double> duration, Counter<long> faults, Counter<long> dropped)
    {
        Duration = duration;
        Faults = faults;
        Dropped = dropped;
    }

    public Histogram<double> Duration { get; }

    public Counter<long> Faults { get; }

    public Counter<long> Dropped { get; }
}

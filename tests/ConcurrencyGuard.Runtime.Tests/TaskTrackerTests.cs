using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace ConcurrencyGuard.Runtime.Tests;

public class TaskTrackerTests
{
    [Fact]
    public async Task Leak_of_1000_tasks_from_one_site_is_named_by_file_and_line_and_fails_then_passes_when_completed()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var tracker = new TaskTracker(new TaskTrackerOptions { TimeProvider = time });
        var gate = new TaskCompletionSource();
        int line = 0;
        for (int i = 0; i < 1000; i++)
        {
            WaitOn(gate.Task).Forget(tracker, "leaky"); line = Here.Line();
        }

        time.Advance(TimeSpan.FromSeconds(42));
        Assert.Equal(1000, tracker.Outstanding);

        TaskTrackerSnapshot snapshot = tracker.Snapshot();
        TaskSiteSnapshot top = Assert.Single(snapshot.Sites);
        Assert.Equal(1000, top.Count);
        Assert.Equal("TaskTrackerTests.cs", top.Site.FileName);
        Assert.Equal(line, top.Site.Line);
        Assert.Equal(nameof(Leak_of_1000_tasks_from_one_site_is_named_by_file_and_line_and_fails_then_passes_when_completed), top.Site.Member);
        Assert.Equal(TimeSpan.FromSeconds(42), top.OldestAge);
        Assert.Equal(new[] { "leaky" }, top.Names);
        Assert.Contains($"1000 @ TaskTrackerTests.cs:{line}", snapshot.ToString());

        var options = new TaskLeakOptions { Tracker = tracker, Timeout = TimeSpan.FromMilliseconds(100) };
        TaskLeakException failure = await Assert.ThrowsAsync<TaskLeakException>(() => TaskLeaks.VerifyNoneAsync(options));
        Assert.Contains($"TaskTrackerTests.cs:{line}", failure.Message);
        Assert.Contains("1000 unexpected outstanding", failure.Message);
        Assert.Equal(1000, failure.Leaks!.Sites[0].Count);

        gate.SetResult();
        await TaskLeaks.VerifyNoneAsync(new TaskLeakOptions { Tracker = tracker, Timeout = TimeSpan.FromSeconds(30) });
        Assert.Equal(0, tracker.Outstanding);
        Assert.Empty(tracker.Snapshot().Sites);
    }

    [Fact]
    public async Task Forget_registers_in_the_default_tracker_and_the_ambient_scope()
    {
        using TaskLeakScope scope = TaskLeaks.Scope();
        var gate = new TaskCompletionSource();
        int line = 0;
        for (int i = 0; i < 1000; i++)
        {
            WaitOn(gate.Task).Forget(); line = Here.Line();
        }

        Assert.Equal(1000, scope.Outstanding);
        Assert.True(TaskTracker.Default.Outstanding >= 1000);

        TaskLeakException failure = await Assert.ThrowsAsync<TaskLeakException>(
            () => TaskLeaks.VerifyNoneAsync(new TaskLeakOptions { Timeout = TimeSpan.FromMilliseconds(50) }));
        Assert.Contains($"   1000 @ TaskTrackerTests.cs:{line} ({nameof(Forget_registers_in_the_default_tracker_and_the_ambient_scope)})", failure.Message);

        gate.SetResult();
        await scope.VerifyNoneAsync(new TaskLeakOptions { Timeout = TimeSpan.FromSeconds(30) });
        Assert.Equal(0, scope.Outstanding);
    }

    [Fact]
    public async Task Parallel_scopes_see_only_their_own_tasks()
    {
        var leakGate = new TaskCompletionSource();
        var bothStarted = new CountdownEvent(2);
        TaskLeakScope? a = null;
        TaskLeakScope? b = null;
        Task scopeA = Task.Run(async () =>
        {
            using TaskLeakScope scope = TaskLeaks.Scope("A");
            a = scope;
            WaitOn(leakGate.Task).Forget("a-leak");
            bothStarted.Signal();
            bothStarted.Wait(TimeSpan.FromSeconds(30)); // B's tasks exist while A checks
            TaskLeakException e = await Assert.ThrowsAsync<TaskLeakException>(() => scope.VerifyNoneAsync(new TaskLeakOptions { Timeout = TimeSpan.FromMilliseconds(50) }));
            Assert.Equal(1, e.Leaks!.Outstanding);
            Assert.Equal(new[] { "a-leak" }, e.Leaks.Sites.Single().Names);
        });
        Task scopeB = Task.Run(async () =>
        {
            using TaskLeakScope scope = TaskLeaks.Scope("B");
            b = scope;
            var quick = new TaskCompletionSource();
            WaitOn(quick.Task).Forget("b-quick");
            WaitOn(leakGate.Task).Forget("b-slow-but-ignored");
            bothStarted.Signal();
            bothStarted.Wait(TimeSpan.FromSeconds(30));
            quick.SetResult();
            await scope.VerifyNoneAsync(new TaskLeakOptions { Timeout = TimeSpan.FromSeconds(30) }.IgnoreName("b-slow-but-ignored"));
        });

        await Task.WhenAll(scopeA, scopeB);
        Assert.Equal(1, a!.Tracked); // each scope saw exactly its own tasks
        Assert.Equal(2, b!.Tracked);
        leakGate.SetResult();
    }

    [Fact]
    public async Task A_scope_that_saw_no_task_fails_by_default_and_passes_when_told_none_is_expected()
    {
        using TaskLeakScope scope = TaskLeaks.Scope();
        TaskLeakException e = await Assert.ThrowsAsync<TaskLeakException>(() => TaskLeaks.VerifyNoneAsync());
        Assert.Contains("saw no tracked task", e.Message);
        await TaskLeaks.VerifyNoneAsync(new TaskLeakOptions { FailOnEmptyScope = false });

        Task.CompletedTask.Forget(); // already completed: not registered, so not counted
        Task.Delay(1).Forget();
        Assert.Equal(1, scope.Tracked);
        await TaskLeaks.VerifyNoneAsync(new TaskLeakOptions { Timeout = TimeSpan.FromSeconds(30) });
    }

    [Fact]
    public async Task A_scope_opened_in_an_awaited_helper_ends_with_the_helper_and_the_empty_check_says_so()
    {
        TaskLeakScope scope = await OpenScopeAsync(); // the pitfall: the AsyncLocal does not flow back
        var gate = new TaskCompletionSource();
        WaitOn(gate.Task).Forget("not-in-the-scope");
        Assert.Equal(0, scope.Tracked);
        TaskLeakException e = await Assert.ThrowsAsync<TaskLeakException>(() => scope.VerifyNoneAsync());
        Assert.Contains("awaited helper", e.Message);

        // Positive control: opened in the test method itself, the same call lands in it.
        using (TaskLeakScope direct = TaskLeaks.Scope())
        {
            WaitOn(gate.Task).Forget("in-the-scope");
            Assert.Equal(1, direct.Tracked);
        }

        gate.SetResult();
        scope.Dispose();
    }

    [Fact]
    public async Task Tasks_tracked_after_a_scope_is_disposed_are_not_attributed_to_it()
    {
        var gate = new TaskCompletionSource();
        var beforeDispose = new TaskCompletionSource();
        var afterDispose = new TaskCompletionSource();
        var tracked = new TaskCompletionSource();
        TaskLeakScope scope = TaskLeaks.Scope("ends-early");

        // A flow that captured the scope and outlives it (like a timer or a task the test did not await).
        Task flow = Task.Run(async () =>
        {
            await beforeDispose.Task;
            WaitOn(gate.Task).Forget("before-dispose");
            tracked.SetResult();
            await afterDispose.Task;
            WaitOn(gate.Task).Forget("after-dispose");
        });

        beforeDispose.SetResult();
        await tracked.Task;
        Assert.Equal(1, scope.Tracked); // positive control: the captured flow does reach the live scope

        scope.Dispose();
        Assert.True(scope.IsDisposed);
        afterDispose.SetResult();
        await flow;
        Assert.Equal(1, scope.Tracked);
        Assert.Equal(new[] { "before-dispose" }, scope.Entries.Select(e => e.Name).ToArray());
        gate.SetResult();
    }

    [Fact]
    public async Task A_fault_carries_the_trace_context_of_the_call_that_handed_the_task_over()
    {
        var tracker = new TaskTracker();
        var faults = new ConcurrentQueue<TaskFaultedEventArgs>();
        tracker.TaskFaulted += (_, e) => faults.Enqueue(e);
        var gate = new TaskCompletionSource();
        System.Diagnostics.ActivityContext context;
        using (var activity = new System.Diagnostics.Activity("request").SetIdFormat(System.Diagnostics.ActivityIdFormat.W3C).Start())
        {
            context = activity.Context;
            tracker.Track(Throw(new InvalidOperationException("later"), gate.Task), "in-request");
        }

        tracker.Track(Throw(new InvalidOperationException("no trace"), gate.Task), "outside");
        gate.SetResult(); // completes on this thread, outside the activity
        Assert.True(await tracker.WaitForIdleAsync(TimeSpan.FromSeconds(30)));

        TaskFaultedEventArgs inRequest = faults.Single(f => f.Name == "in-request");
        Assert.NotEqual(default, context.TraceId);
        Assert.Equal(context.TraceId, inRequest.TraceContext.TraceId);
        Assert.Equal(context.SpanId, inRequest.TraceContext.SpanId);
        Assert.Equal(default, faults.Single(f => f.Name == "outside").TraceContext);
    }

    private static async Task<TaskLeakScope> OpenScopeAsync()
    {
        await Task.Yield();
        return TaskLeaks.Scope("opened-in-helper");
    }

    [Fact]
    public async Task Ignore_by_site_name_and_baseline()
    {
        var tracker = new TaskTracker();
        var gate = new TaskCompletionSource();
        tracker.Track(WaitOn(gate.Task), "old");
        TaskTrackerSnapshot baseline = tracker.Snapshot();
        tracker.Track(WaitOn(gate.Task), "named"); int siteLine = Here.Line();
        tracker.Track(WaitOn(gate.Task));

        var quick = new TaskLeakOptions { Tracker = tracker, Timeout = TimeSpan.FromMilliseconds(20) };
        var e = await Assert.ThrowsAsync<TaskLeakException>(() => TaskLeaks.VerifyNoneAsync(quick));
        Assert.Equal(3, e.Leaks!.Outstanding);

        var options = new TaskLeakOptions { Tracker = tracker, Timeout = TimeSpan.FromMilliseconds(20), Baseline = baseline }
            .IgnoreName("named");
        e = await Assert.ThrowsAsync<TaskLeakException>(() => TaskLeaks.VerifyNoneAsync(options));
        Assert.Equal(1, e.Leaks!.Outstanding);
        Assert.Equal(siteLine + 1, e.Leaks.Sites[0].Site.Line);

        options.IgnoreSite($"TaskTrackerTests.cs:{siteLine + 1}");
        await TaskLeaks.VerifyNoneAsync(options);

        var byMember = new TaskLeakOptions { Tracker = tracker, Timeout = TimeSpan.FromMilliseconds(20) }.IgnoreSite(nameof(Ignore_by_site_name_and_baseline));
        await TaskLeaks.VerifyNoneAsync(byMember);
        gate.SetResult();
    }

    [Fact]
    public async Task WaitForIdle_reports_timeout_and_idle()
    {
        var tracker = new TaskTracker();
        Assert.True(await tracker.WaitForIdleAsync(TimeSpan.Zero));
        var gate = new TaskCompletionSource();
        tracker.Track(WaitOn(gate.Task));
        Assert.False(await tracker.WaitForIdleAsync(TimeSpan.FromMilliseconds(20)));
        Task<bool> waiting = tracker.WaitForIdleAsync(TimeSpan.FromSeconds(30));
        Assert.False(waiting.IsCompleted);
        gate.SetResult();
        Assert.True(await waiting);
    }

    [Fact]
    public async Task Faults_are_reported_with_site_and_name_and_never_become_unobserved()
    {
        var tracker = new TaskTracker();
        var faults = new ConcurrentQueue<TaskFaultedEventArgs>();
        tracker.TaskFaulted += (_, e) => faults.Enqueue(e);
        var unobserved = new ConcurrentQueue<Exception>();
        EventHandler<UnobservedTaskExceptionEventArgs> onUnobserved = (_, e) =>
        {
            foreach (Exception inner in e.Exception.InnerExceptions)
            {
                unobserved.Enqueue(inner);
            }
        };
        TaskScheduler.UnobservedTaskException += onUnobserved;
        try
        {
            var boom = new InvalidOperationException("boom");
            var later = new TaskCompletionSource();
            tracker.Track(Throw(boom, later.Task), "thrower"); int line = Here.Line();
            var immediate = new ArgumentException("already failed");
            tracker.Track(Task.FromException(immediate), "immediate");
            later.SetResult();
            Assert.True(await tracker.WaitForIdleAsync(TimeSpan.FromSeconds(30)));

            Assert.Equal(2, tracker.Faulted);
            Assert.Equal(2, faults.Count);
            TaskFaultedEventArgs thrown = faults.Single(f => f.Name == "thrower");
            Assert.Same(boom, thrown.Exception);
            Assert.Equal(line, thrown.Site.Line);
            Assert.Equal("TaskTrackerTests.cs", thrown.Site.FileName);
            Assert.Same(immediate, faults.Single(f => f.Name == "immediate").Exception);
            Assert.Empty(tracker.GetUnhandledFaults());

            for (int i = 0; i < 3; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }

            Assert.DoesNotContain(unobserved, e => ReferenceEquals(e, boom) || ReferenceEquals(e, immediate));

            // Positive control: an untracked faulted task that nobody observes does raise the event here.
            var untracked = new InvalidOperationException("untracked");
            DropFaultedTask(untracked);
            for (int i = 0; i < 20 && !unobserved.Contains(untracked); i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }

            Assert.Contains(untracked, unobserved);
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= onUnobserved;
        }
    }

    [Fact]
    public async Task Faults_without_subscriber_are_retained_and_counted()
    {
        var tracker = new TaskTracker(new TaskTrackerOptions { MaxRetainedFaults = 2 });
        for (int i = 0; i < 3; i++)
        {
            tracker.Track(Throw(new InvalidOperationException("f" + i), Task.Delay(1)));
        }

        Assert.True(await tracker.WaitForIdleAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(3, tracker.Faulted);
        Assert.Equal(2, tracker.GetUnhandledFaults().Count);
    }

    [Fact]
    public async Task Canceled_tasks_are_counted_not_reported_as_faults()
    {
        var tracker = new TaskTracker();
        int faults = 0;
        tracker.TaskFaulted += (_, _) => Interlocked.Increment(ref faults);
        using var cts = new CancellationTokenSource();
        tracker.Track(Task.Delay(Timeout.Infinite, cts.Token));
        cts.Cancel();
        Assert.True(await tracker.WaitForIdleAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, tracker.Canceled);
        Assert.Equal(0, faults);
    }

    [Fact]
    public async Task Cap_drops_registrations_but_still_reports_their_faults()
    {
        var tracker = new TaskTracker(new TaskTrackerOptions { MaxTrackedTasks = 10 });
        int faults = 0;
        tracker.TaskFaulted += (_, _) => Interlocked.Increment(ref faults);
        var gate = new TaskCompletionSource();
        for (int i = 0; i < 15; i++)
        {
            tracker.Track(Throw(new InvalidOperationException(), gate.Task));
        }

        Assert.Equal(10, tracker.Outstanding);
        Assert.Equal(5, tracker.Dropped);
        gate.SetResult();
        Assert.True(await tracker.WaitForIdleAsync(TimeSpan.FromSeconds(30)));
        SpinWait.SpinUntil(() => Volatile.Read(ref faults) == 15, TimeSpan.FromSeconds(30));
        Assert.Equal(15, Volatile.Read(ref faults));
    }

    [Fact]
    public async Task Run_runs_on_the_pool_and_tracks()
    {
        var tracker = new TaskTracker();
        var gate = new TaskCompletionSource();
        using var started = new ManualResetEventSlim();
        bool onPool = false;
        int ranOn = -1;
        tracker.Run(async () =>
        {
            ranOn = Environment.CurrentManagedThreadId;
            onPool = Thread.CurrentThread.IsThreadPoolThread;
            started.Set();
            await gate.Task;
        }, "runner");

        // The caller blocks here, so the synchronous part cannot have run on it.
        Assert.True(started.Wait(TimeSpan.FromSeconds(30)));
        Assert.True(onPool, "the work did not run on a thread-pool thread");
        Assert.NotEqual(Environment.CurrentManagedThreadId, ranOn);
        Assert.Equal(1, tracker.Outstanding);
        Assert.Equal("runner", tracker.Snapshot().Sites[0].Names[0]);
        gate.SetResult();
        Assert.True(await tracker.WaitForIdleAsync(TimeSpan.FromSeconds(30)));
        Assert.Throws<ArgumentNullException>(() => tracker.Run(null!));
    }

    [Fact]
    public async Task ValueTask_forget_consumes_completed_and_tracks_pending()
    {
        using TaskLeakScope scope = TaskLeaks.Scope();
        default(ValueTask).Forget();
        new ValueTask<int>(5).Forget();
        Assert.Equal(0, scope.Outstanding);

        var gate = new TaskCompletionSource<int>();
        new ValueTask<int>(gate.Task).Forget("vt");
        new ValueTask(gate.Task).Forget("vt2");
        Assert.Equal(2, scope.Outstanding);
        gate.SetResult(1);
        await scope.VerifyNoneAsync(new TaskLeakOptions { Timeout = TimeSpan.FromSeconds(30) });
    }

    [Fact]
    public async Task Stress_many_threads_tracking_and_completing_loses_nothing()
    {
        const int Threads = 8;
        const int PerThread = 20_000;
        var tracker = new TaskTracker();
        long faultEvents = 0;
        tracker.TaskFaulted += (_, _) => Interlocked.Increment(ref faultEvents);
        var completers = new BlockingCollection<TaskCompletionSource>();
        using var start = new Barrier(Threads + 2);

        var producers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < PerThread; i++)
            {
                var tcs = new TaskCompletionSource();
                if (i % 3 == 0)
                {
                    tracker.Track(Task.CompletedTask, "done");
                }

                tracker.Track(tcs.Task, "pending");
                completers.Add(tcs);
            }
        })).ToList();
        var consumers = Enumerable.Range(0, 2).Select(c => new Thread(() =>
        {
            if (c == 0)
            {
                start.SignalAndWait();
            }

            int n = 0;
            foreach (TaskCompletionSource tcs in completers.GetConsumingEnumerable())
            {
                if (++n % 10 == 0)
                {
                    tcs.SetException(new InvalidOperationException());
                }
                else
                {
                    tcs.SetResult();
                }
            }
        })).ToList();
        producers.ForEach(p => p.Start());
        consumers.ForEach(c => c.Start());
        start.SignalAndWait();
        producers.ForEach(p => p.Join());
        completers.CompleteAdding();
        consumers.ForEach(c => c.Join());

        Assert.True(await tracker.WaitForIdleAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, tracker.Outstanding);
        long total = Threads * PerThread;
        Assert.Equal(total + Threads * ((PerThread + 2) / 3), tracker.Started);
        Assert.Equal(tracker.Faulted, Interlocked.Read(ref faultEvents));
        Assert.InRange(tracker.Faulted, total / 10 - 2, total / 10 + 2);
        Assert.Empty(tracker.Snapshot().Sites);
    }

    [Fact]
    public void Snapshot_orders_sites_by_count_then_age_and_caps_the_list()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var tracker = new TaskTracker(new TaskTrackerOptions { TimeProvider = time, MaxSites = 3 });
        var gate = new TaskCompletionSource();
        tracker.Track(gate.Task, "a"); int lineA = Here.Line();
        time.Advance(TimeSpan.FromSeconds(5));
        for (int i = 0; i < 3; i++)
        {
            tracker.Track(gate.Task, "b" + i); // line B
        }

        tracker.Track(gate.Task, "c");
        tracker.Track(gate.Task, "d");
        tracker.Track(gate.Task, "e");

        TaskTrackerSnapshot snapshot = tracker.Snapshot(top: 2);
        Assert.Equal(7, snapshot.Outstanding);
        Assert.Equal(4, snapshot.SiteCount); // three real sites, then the overflow site
        Assert.Equal(3, snapshot.Sites[0].Count);
        Assert.Equal(3, snapshot.Sites[0].Names.Count);
        Assert.Equal(2, snapshot.Sites[1].Count); // overflow site holds d and e
        Assert.Equal("<other>", snapshot.Sites[1].Site.FileName);
        Assert.Contains("... and 2 more site(s)", snapshot.ToString());
        TaskTrackerSnapshot all = tracker.Snapshot(10);
        TaskSiteSnapshot a = all.Sites.Single(s => s.Site.Line == lineA);
        Assert.Equal(TimeSpan.FromSeconds(5), a.OldestAge);
        gate.SetResult();
    }

    [Fact]
    public void Hot_path_allocates_only_the_entry_and_its_completion_callback()
    {
        var tracker = new TaskTracker();
        var gate = new TaskCompletionSource();
        Task[] pending = Enumerable.Range(0, 1000).Select(_ => WaitOn(gate.Task)).ToArray();
        void TrackPending(Task task) => tracker.Track(task, "p");
        void TrackCompleted() => tracker.Track(Task.CompletedTask, "c");
        TrackPending(WaitOn(gate.Task)); // the site's first use creates its state
        TrackCompleted();

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            TrackCompleted();
        }

        long completedBytes = GC.GetAllocatedBytesForCurrentThread() - before;

        before = GC.GetAllocatedBytesForCurrentThread();
        foreach (Task task in pending)
        {
            TrackPending(task);
        }

        long perPending = (GC.GetAllocatedBytesForCurrentThread() - before) / pending.Length;

        Assert.Equal(0, completedBytes);            // already completed: nothing allocated
        Assert.InRange(perPending, 1, 200);         // entry + delegate; a stack trace alone would be kilobytes
        Assert.Equal(1001, tracker.Outstanding);
        gate.SetResult();
    }

    private static async Task WaitOn(Task gate) => await gate.ConfigureAwait(false);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void DropFaultedTask(Exception exception)
    {
        var tcs = new TaskCompletionSource();
        tcs.SetException(exception);
    }

    private static async Task Throw(Exception exception, Task after)
    {
        await after.ConfigureAwait(false);
        throw exception;
    }
}

internal static class TrackerTestExtensions
{
    public static void Forget(
        this Task task,
        TaskTracker tracker,
        string? name = null,
        [System.Runtime.CompilerServices.CallerMemberName] string member = "",
        [System.Runtime.CompilerServices.CallerFilePath] string file = "",
        [System.Runtime.CompilerServices.CallerLineNumber] int line = 0)
        => tracker.Track(task, name, member, file, line);
}

using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace ConcurrencyGuard.Runtime.Tests;

/// <summary>Outstanding and idle waits while other threads register and complete tasks.</summary>
public class OutstandingTests
{
    [Fact]
    public void Outstanding_never_reads_below_a_task_that_stays_outstanding_while_others_churn_across_threads()
    {
        var tracker = new TaskTracker();
        var old = new TaskCompletionSource();
        tracker.Track(old.Task, "old");

        using var churn = new Churn(tracker, threads: Math.Max(2, Environment.ProcessorCount));
        int reads = 0;
        int lowest = int.MaxValue;
        while (reads < 200_000 || churn.Completed < 50_000)
        {
            lowest = Math.Min(lowest, tracker.Outstanding);
            reads++;
        }

        churn.Stop();
        Assert.True(churn.Completed >= 50_000, "the churn did not run");
        Assert.True(lowest >= 1, $"Outstanding read {lowest} while the old task was outstanding");

        old.SetResult();
        Assert.True(SpinWait.SpinUntil(() => tracker.Outstanding == 0, TimeSpan.FromSeconds(30))); // quiescent: exact
    }

    [Fact]
    public async Task WaitForIdle_does_not_report_idle_while_a_task_is_outstanding_during_churn_then_does()
    {
        var tracker = new TaskTracker();
        var old = new TaskCompletionSource();
        tracker.Track(old.Task, "old");
        using var churn = new Churn(tracker, threads: 2);
        SpinWait.SpinUntil(() => churn.Completed > 1_000, TimeSpan.FromSeconds(30));

        for (int i = 0; i < 20; i++)
        {
            Assert.False(await tracker.WaitForIdleAsync(TimeSpan.FromMilliseconds(5)), "idle reported while the old task was outstanding");
        }

        churn.Stop();
        Task<bool> idle = tracker.WaitForIdleAsync(TimeSpan.FromSeconds(30));
        old.SetResult();
        Assert.True(await idle);
        Assert.Equal(0, tracker.Outstanding);
    }

    [Fact]
    public async Task An_idle_wait_racing_the_last_completion_on_another_thread_is_always_woken()
    {
        // A lost wake-up would leave the infinite wait hanging until the token cancels it and fail the test.
        var tracker = new TaskTracker();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        for (int i = 0; i < 2_000; i++)
        {
            var tcs = new TaskCompletionSource();
            tracker.Track(tcs.Task);
            using var go = new ManualResetEventSlim();
            Thread completer = new(() =>
            {
                go.Wait();
                tcs.SetResult();
            });
            completer.Start();
            Task<bool> idle = tracker.WaitForIdleAsync(Timeout.InfiniteTimeSpan, cancel.Token);
            go.Set();
            Assert.True(await idle);
            completer.Join();
        }
    }

    [Fact]
    public void Cap_holds_exactly_when_far_from_it_checks_are_periodic()
    {
        var tracker = new TaskTracker(new TaskTrackerOptions { MaxTrackedTasks = 10_000 });
        var gate = new TaskCompletionSource();
        for (int i = 0; i < 10_100; i++)
        {
            tracker.Track(gate.Task);
        }

        Assert.Equal(10_000, tracker.Outstanding);
        Assert.Equal(100, tracker.Dropped);
        Assert.Equal(10_100, tracker.Started);
        gate.SetResult();
        Assert.True(SpinWait.SpinUntil(() => tracker.Outstanding == 0, TimeSpan.FromSeconds(30)));
    }

    /// <summary>Threads that register pending tasks and hand them to the next thread to complete.</summary>
    private sealed class Churn : IDisposable
    {
        private readonly Thread[] _threads;
        private readonly BlockingCollection<TaskCompletionSource>[] _queues;
        private int _stop;
        private long _completed;

        public Churn(TaskTracker tracker, int threads)
        {
            _queues = Enumerable.Range(0, threads).Select(_ => new BlockingCollection<TaskCompletionSource>(1000)).ToArray();
            _threads = Enumerable.Range(0, threads).Select(t => new Thread(() =>
            {
                while (Volatile.Read(ref _stop) == 0)
                {
                    var tcs = new TaskCompletionSource();
                    tracker.Track(tcs.Task, "churn", "Churn", "Churn.cs", t);
                    _queues[(t + 1) % threads].Add(tcs);
                    while (_queues[t].TryTake(out TaskCompletionSource? other))
                    {
                        other.SetResult();
                        Interlocked.Increment(ref _completed);
                    }
                }
            })
            { IsBackground = true }).ToArray();
            foreach (Thread thread in _threads)
            {
                thread.Start();
            }
        }

        public long Completed => Interlocked.Read(ref _completed);

        public void Stop()
        {
            if (Interlocked.Exchange(ref _stop, 1) != 0)
            {
                return;
            }

            foreach (Thread thread in _threads)
            {
                while (!thread.Join(10))
                {
                    foreach (BlockingCollection<TaskCompletionSource> queue in _queues)
                    {
                        while (queue.TryTake(out TaskCompletionSource? tcs))
                        {
                            tcs.SetResult();
                        }
                    }
                }
            }

            foreach (BlockingCollection<TaskCompletionSource> queue in _queues)
            {
                while (queue.TryTake(out TaskCompletionSource? tcs))
                {
                    tcs.SetResult();
                }
            }
        }

        public void Dispose() => Stop();
    }
}

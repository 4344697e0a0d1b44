using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace ConcurrencyGuard.Runtime.Tests;

internal static class Here
{
    public static int Line([CallerLineNumber] int line = 0) => line;
}

/// <summary>Holds a controllable number of outstanding tracked tasks in a tracker.</summary>
internal sealed class Load
{
    private readonly TaskTracker _tracker;
    private readonly Stack<TaskCompletionSource> _pending = new();

    public Load(TaskTracker tracker) => _tracker = tracker;

    public void SetTo(int count)
    {
        while (_pending.Count < count)
        {
            var tcs = new TaskCompletionSource();
            _tracker.Track(tcs.Task, "load");
            _pending.Push(tcs);
        }

        while (_pending.Count > count)
        {
            _pending.Pop().SetResult();
        }

        // Completion callbacks may run on the pool (they are not inlined under a synchronization context).
        if (!SpinWait.SpinUntil(() => _tracker.Outstanding == count, TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException($"tracker did not settle at {count} (is {_tracker.Outstanding})");
        }
    }
}

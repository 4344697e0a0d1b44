using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace ConcurrencyGuard;

/// <summary>
/// A leak-check scope: tasks tracked while it is the ambient scope (it flows with the async
/// execution context) are attributed to it, so parallel tests can each check only their own tasks.
/// Create with <see cref="TaskLeaks.Scope"/>; dispose to end it.
/// </summary>
/// <remarks>
/// The scope flows down, never up: opened inside an awaited helper (<c>await OpenScopeAsync()</c>),
/// it ends as the helper returns and the caller's tasks are not in it. Open it in the test method
/// itself. A scope that saw no task fails the check by default (<see cref="TaskLeakOptions.FailOnEmptyScope"/>).
/// </remarks>
public sealed class TaskLeakScope : IDisposable
{
    private static readonly AsyncLocal<TaskLeakScope?> s_current = new();
    private static bool s_used; // until a scope exists, the hot path skips the AsyncLocal read
    private readonly TaskLeakScope? _previous;
    private TaskTracker[] _trackers = Array.Empty<TaskTracker>();
    private long _tracked;
    private long _completed;
    private int _disposed;

    internal TaskLeakScope(string? name)
    {
        Name = name;
        Volatile.Write(ref s_used, true);
        _previous = s_current.Value;
        s_current.Value = this;
    }

    /// <summary>The scope's name (the test name, by default the calling member).</summary>
    public string? Name { get; }

    /// <summary>Tracked tasks of this scope still outstanding.</summary>
    public int Outstanding
    {
        get
        {
            long completed = Interlocked.Read(ref _completed); // first, so a task counted there is counted in _tracked too
            return (int)(Interlocked.Read(ref _tracked) - completed);
        }
    }

    /// <summary>How many tasks were attributed to this scope since it was opened (completed ones included).</summary>
    public long Tracked => Interlocked.Read(ref _tracked);

    /// <summary>Whether <see cref="Dispose"/> was called: tasks tracked afterwards are not attributed to it.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>
    /// The innermost scope of this flow that is not disposed. A flow that captured a scope before it
    /// was disposed (a timer, a task still running) falls back to the enclosing scope, or to none.
    /// </summary>
    internal static TaskLeakScope? Current
    {
        get
        {
            if (!Volatile.Read(ref s_used))
            {
                return null;
            }

            TaskLeakScope? scope = s_current.Value;
            while (scope is not null && scope.IsDisposed)
            {
                scope = scope._previous;
            }

            return scope;
        }
    }

    /// <summary>
    /// Checks that no task tracked inside this scope is still outstanding after the options' timeout.
    /// </summary>
    /// <param name="options">Timeout and ignore lists; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the scope is clean.</returns>
    /// <exception cref="TaskLeakException">Tasks of this scope were still outstanding, or (by default) the scope saw no task at all.</exception>
    public Task VerifyNoneAsync(TaskLeakOptions? options = null, CancellationToken cancellationToken = default)
        => TaskLeaks.VerifyAsync(this, null, options ?? new TaskLeakOptions(), cancellationToken);

    /// <summary>Ends the scope: tasks tracked afterwards, on any flow, are no longer attributed to it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && ReferenceEquals(s_current.Value, this))
        {
            s_current.Value = _previous;
        }
    }

    /// <summary>Returns the scope's name.</summary>
    public override string ToString() => Name ?? "(unnamed scope)";

    /// <summary>The outstanding entries of this scope, from every tracker that registered one in it.</summary>
    internal IEnumerable<TrackedTask> Entries
    {
        get
        {
            foreach (TaskTracker tracker in Volatile.Read(ref _trackers))
            {
                foreach (TrackedTask entry in tracker.EnumerateEntries())
                {
                    if (ReferenceEquals(entry.Scope, this))
                    {
                        yield return entry;
                    }
                }
            }
        }
    }

    /// <summary>Attributes a task of <paramref name="tracker"/> to this scope; false once disposed.</summary>
    internal bool TryAdd(TaskTracker tracker)
    {
        if (IsDisposed)
        {
            return false;
        }

        TaskTracker[] trackers = Volatile.Read(ref _trackers);
        if (Array.IndexOf(trackers, tracker) < 0)
        {
            AddTracker(tracker);
        }

        Interlocked.Increment(ref _tracked);
        return true;
    }

    internal void Remove() => Interlocked.Increment(ref _completed);

    private void AddTracker(TaskTracker tracker)
    {
        while (true)
        {
            TaskTracker[] current = Volatile.Read(ref _trackers);
            if (Array.IndexOf(current, tracker) >= 0)
            {
                return;
            }

            var next = new TaskTracker[current.Length + 1];
            current.CopyTo(next, 0);
            next[current.Length] = tracker;
            if (Interlocked.CompareExchange(ref _trackers, next, current) == current)
            {
                return;
            }
        }
    }
}

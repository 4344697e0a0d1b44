using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace ConcurrencyGuard;

/// <summary>
/// A leak-check scope: tasks tracked while it is the ambient scope (it flows with the async
/// execution context) are attributed to it, so parallel tests can each check only their own tasks.
/// Create with <see cref="TaskLeaks.Scope"/>; dispose to end it.
/// </summary>
public sealed class TaskLeakScope : IDisposable
{
    private static readonly AsyncLocal<TaskLeakScope?> s_current = new();
    private static bool s_used; // until a scope exists, the hot path skips the AsyncLocal read
    private readonly ConcurrentDictionary<TrackedTask, byte> _entries = new();
    private readonly TaskLeakScope? _previous;
    private int _count;
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
    public int Outstanding => Volatile.Read(ref _count);

    internal static TaskLeakScope? Current => Volatile.Read(ref s_used) ? s_current.Value : null;

    /// <summary>
    /// Checks that no task tracked inside this scope is still outstanding after the options' timeout.
    /// </summary>
    /// <param name="options">Timeout and ignore lists; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the scope is clean.</returns>
    /// <exception cref="TaskLeakException">Tasks of this scope were still outstanding.</exception>
    public Task VerifyNoneAsync(TaskLeakOptions? options = null, CancellationToken cancellationToken = default)
        => TaskLeaks.VerifyAsync(this, null, options ?? new TaskLeakOptions(), cancellationToken);

    /// <summary>Ends the scope: tasks tracked afterwards on this flow are no longer attributed to it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && ReferenceEquals(s_current.Value, this))
        {
            s_current.Value = _previous;
        }
    }

    internal IEnumerable<TrackedTask> Entries
    {
        get
        {
            foreach (KeyValuePair<TrackedTask, byte> pair in _entries)
            {
                yield return pair.Key;
            }
        }
    }

    internal void Add(TrackedTask entry)
    {
        _entries.TryAdd(entry, 0);
        Interlocked.Increment(ref _count);
    }

    internal void Remove(TrackedTask entry)
    {
        if (_entries.TryRemove(entry, out _))
        {
            Interlocked.Decrement(ref _count);
        }
    }
}

using System;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;

namespace ConcurrencyGuard;

/// <summary>
/// Tracked fire-and-forget. <c>task.Forget()</c> registers the task in <see cref="TaskTracker.Default"/>
/// under its creation site (file, line, member from caller-info attributes) until it completes; a fault
/// is reported through <see cref="TaskTracker.TaskFaulted"/> instead of being lost.
/// </summary>
/// <remarks>The ConcurrencyGuard analyzers recognise <c>ConcurrencyGuard.TaskExtensions.Forget</c> as observing the task.</remarks>
public static class TaskExtensions
{
    /// <summary>Tracks <paramref name="task"/> in <see cref="TaskTracker.Default"/> without awaiting it.</summary>
    /// <param name="task">The task to let run.</param>
    /// <param name="name">An optional name shown in dumps and fault reports.</param>
    /// <param name="member">Filled in by the compiler.</param>
    /// <param name="file">Filled in by the compiler.</param>
    /// <param name="line">Filled in by the compiler.</param>
    public static void Forget(
        this Task task,
        string? name = null,
        [CallerMemberName] string member = "",
        [CallerFilePath] string file = "",
        [CallerLineNumber] int line = 0)
        => TaskTracker.Default.Track(task, name, member, file, line);

    /// <summary>Tracks <paramref name="task"/> in <see cref="TaskTracker.Default"/> without awaiting it.</summary>
    /// <param name="task">The value task to let run; it is consumed exactly once.</param>
    /// <param name="name">An optional name shown in dumps and fault reports.</param>
    /// <param name="member">Filled in by the compiler.</param>
    /// <param name="file">Filled in by the compiler.</param>
    /// <param name="line">Filled in by the compiler.</param>
    public static void Forget(
        this ValueTask task,
        string? name = null,
        [CallerMemberName] string member = "",
        [CallerFilePath] string file = "",
        [CallerLineNumber] int line = 0)
    {
        if (task.IsCompletedSuccessfully)
        {
            // Consume it so a pooled IValueTaskSource is released.
            task.GetAwaiter().GetResult();
            return;
        }

        TaskTracker.Default.Track(task.AsTask(), name, member, file, line);
    }

    /// <summary>Tracks <paramref name="task"/> in <see cref="TaskTracker.Default"/> without awaiting it.</summary>
    /// <typeparam name="T">The result type, which is discarded.</typeparam>
    /// <param name="task">The value task to let run; it is consumed exactly once.</param>
    /// <param name="name">An optional name shown in dumps and fault reports.</param>
    /// <param name="member">Filled in by the compiler.</param>
    /// <param name="file">Filled in by the compiler.</param>
    /// <param name="line">Filled in by the compiler.</param>
    public static void Forget<T>(
        this ValueTask<T> task,
        string? name = null,
        [CallerMemberName] string member = "",
        [CallerFilePath] string file = "",
        [CallerLineNumber] int line = 0)
    {
        if (task.IsCompletedSuccessfully)
        {
            _ = task.GetAwaiter().GetResult();
            return;
        }

        TaskTracker.Default.Track(task.AsTask(), name, member, file, line);
    }
}

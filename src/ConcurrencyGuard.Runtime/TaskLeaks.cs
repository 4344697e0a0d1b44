using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace ConcurrencyGuard;

/// <summary>
/// Test-time leak check for tracked tasks (the goleak of .NET), usable from any test framework:
/// it throws <see cref="TaskLeakException"/> on failure.
/// </summary>
public static class TaskLeaks
{
    /// <summary>
    /// Waits up to <see cref="TaskLeakOptions.Timeout"/> for tracked tasks to complete and throws
    /// <see cref="TaskLeakException"/> (whose message is the grouped creation-site dump) if any that
    /// are not ignored are still outstanding. Checks the options' scope, else the ambient
    /// <see cref="Scope"/>, else the whole tracker.
    /// </summary>
    /// <param name="options">Timeout, ignore lists, baseline; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when nothing unexpected is outstanding.</returns>
    /// <exception cref="TaskLeakException">Tasks were still outstanding.</exception>
    public static Task VerifyNoneAsync(TaskLeakOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new TaskLeakOptions();
        TaskLeakScope? scope = options.Scope ?? TaskLeakScope.Current;
        return VerifyAsync(scope, options.Tracker ?? TaskTracker.Default, options, cancellationToken);
    }

    /// <summary>
    /// Opens a scope: tasks tracked from this async flow on (until it is disposed) belong to it, and
    /// <see cref="VerifyNoneAsync"/> called on the same flow checks only them. Use one per test so
    /// parallel tests do not see each other's tasks.
    /// </summary>
    /// <param name="name">A name for reports; defaults to the calling member.</param>
    /// <returns>The scope; dispose it at the end of the test.</returns>
    /// <remarks>
    /// Open it in the test method itself: an <see cref="AsyncLocal{T}"/> value set inside an awaited
    /// helper does not flow back to the caller, so a scope opened there ends when the helper returns.
    /// </remarks>
    public static TaskLeakScope Scope([CallerMemberName] string name = "") => new(name);

    internal static async Task VerifyAsync(TaskLeakScope? scope, TaskTracker? tracker, TaskLeakOptions options, CancellationToken cancellationToken)
    {
        if (options.Timeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Timeout must not be negative.");
        }

        if (scope is not null && options.FailOnEmptyScope && scope.Tracked == 0)
        {
            throw new TaskLeakException(
                $"leak scope '{scope}' saw no tracked task, so the check would pass without checking anything. "
                + "Was the scope opened inside an awaited helper (it ends when the helper returns), or does the code under test "
                + "start no tracked work? Set TaskLeakOptions.FailOnEmptyScope = false if none is expected.");
        }

        tracker ??= TaskTracker.Default;
        long start = Stopwatch.GetTimestamp();
        while (true)
        {
            Task signal = ChangeSignal.Register();
            try
            {
                List<TrackedTask> leaked = Collect(scope, tracker, options);
                if (leaked.Count == 0)
                {
                    return;
                }

                TimeSpan remaining = options.Timeout - Stopwatch.GetElapsedTime(start);
                if (remaining <= TimeSpan.Zero)
                {
                    TaskTrackerSnapshot report = TaskTrackerSnapshot.Create(
                        tracker, leaked, Math.Max(1, options.MaxSitesInReport), false, 0, 0, 0);
                    throw new TaskLeakException(report, options.Timeout);
                }

                try
                {
                    await signal.WaitAsync(remaining, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // Loop once more: re-check, then report.
                }
            }
            finally
            {
                ChangeSignal.Unregister();
            }
        }
    }

    private static List<TrackedTask> Collect(TaskLeakScope? scope, TaskTracker tracker, TaskLeakOptions options)
    {
        var leaked = new List<TrackedTask>();
        IEnumerable<TrackedTask> source = scope is not null ? scope.Entries : tracker.EnumerateEntries();
        foreach (TrackedTask entry in source)
        {
            if (!IsIgnored(entry, options))
            {
                leaked.Add(entry);
            }
        }

        return leaked;
    }

    private static bool IsIgnored(TrackedTask entry, TaskLeakOptions options)
    {
        if (options.Baseline is not null && options.Baseline.Contains(entry))
        {
            return true;
        }

        if (entry.Name is not null)
        {
            foreach (string name in options.IgnoredNames)
            {
                if (string.Equals(name, entry.Name, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        foreach (string site in options.IgnoredSites)
        {
            if (entry.Site.Matches(site))
            {
                return true;
            }
        }

        return false;
    }
}

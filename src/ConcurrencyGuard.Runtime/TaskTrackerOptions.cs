using System;

namespace ConcurrencyGuard;

/// <summary>Settings of a <see cref="TaskTracker"/>.</summary>
public sealed class TaskTrackerOptions
{
    /// <summary>Clock used for task ages. Defaults to <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Most tasks held in the registry at once (default 1,000,000). Past it, new tasks are not
    /// registered (their faults are still reported) and <see cref="TaskTracker.Dropped"/> counts them.
    /// </summary>
    public int MaxTrackedTasks { get; set; } = 1_000_000;

    /// <summary>
    /// Most distinct creation sites kept (default 10,000). Tasks from further sites are grouped
    /// under one overflow site named <c>&lt;other&gt;</c>.
    /// </summary>
    public int MaxSites { get; set; } = 10_000;

    /// <summary>
    /// How many faults with no <see cref="TaskTracker.TaskFaulted"/> subscriber are retained for
    /// <see cref="TaskTracker.GetUnhandledFaults"/> (default 100; older ones are discarded, all are counted).
    /// </summary>
    public int MaxRetainedFaults { get; set; } = 100;
}

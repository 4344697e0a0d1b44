using System.Diagnostics;
using System.Threading.Tasks;

namespace ConcurrencyGuard;

/// <summary>One outstanding tracked task: a small record removed when the task completes.</summary>
internal sealed class TrackedTask
{
    private Task? _task;

    public TrackedTask(TaskSite site, string? name, long startTimestamp, long preciseStart, Activity? activity, Task task)
    {
        PreciseStart = preciseStart;
        Site = site;
        Name = name;
        StartTimestamp = startTimestamp;
        Activity = activity;
        _task = task;
    }

    public TaskSite Site { get; }

    public string? Name { get; }

    /// <summary>When the task was handed over, on the tracker's clock (<see cref="TaskTracker.ClockNow"/>).</summary>
    public long StartTimestamp { get; }

    /// <summary>A high-resolution <see cref="System.TimeProvider"/> timestamp for the duration metric, or 0 when none was taken.</summary>
    public long PreciseStart { get; }

    /// <summary>The activity current when the task was handed over (its trace context goes with a fault report).</summary>
    public Activity? Activity { get; }

    public TaskLeakScope? Scope { get; set; }

    // Intrusive list links, guarded by the registry stripe's lock; Stripe is 0 once removed.
    public int Stripe { get; set; }

    public TrackedTask? Prev { get; set; }

    public TrackedTask? Next { get; set; }

    /// <summary>Completion callback handed to the task's awaiter (one delegate per tracked task).</summary>
    public void OnCompleted()
    {
        Task? task = _task;
        _task = null;
        if (task is not null)
        {
            Site.Tracker.Complete(this, task);
        }
    }
}

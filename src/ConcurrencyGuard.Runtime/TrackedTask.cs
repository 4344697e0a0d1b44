using System;
using System.Threading.Tasks;

namespace ConcurrencyGuard;

/// <summary>One outstanding tracked task: a small record removed when the task completes.</summary>
internal sealed class TrackedTask
{
    private Task? _task;

    public TrackedTask(TaskSite site, string? name, long startTimestamp, TaskLeakScope? scope, Task task)
    {
        Site = site;
        Name = name;
        StartTimestamp = startTimestamp;
        Scope = scope;
        _task = task;
    }

    public TaskSite Site { get; }

    public string? Name { get; }

    public long StartTimestamp { get; }

    public TaskLeakScope? Scope { get; }

    // Intrusive list links, guarded by the stripe's lock; Stripe is null once removed.
    public TaskSite.Stripe? Stripe { get; set; }

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

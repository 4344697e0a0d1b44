using System;
using System.Diagnostics;

namespace ConcurrencyGuard;

/// <summary>A tracked task faulted.</summary>
public sealed class TaskFaultedEventArgs : EventArgs
{
    /// <summary>Creates the event data.</summary>
    /// <param name="exception">The task's exception (the single inner exception when there is one).</param>
    /// <param name="site">Where the task was handed to the tracker.</param>
    /// <param name="name">The optional name given to the task.</param>
    /// <param name="timestamp">When the fault was observed.</param>
    public TaskFaultedEventArgs(Exception exception, TaskSite site, string? name, DateTimeOffset timestamp)
        : this(exception, site, name, timestamp, default)
    {
    }

    /// <summary>Creates the event data with the trace context of the call that handed the task over.</summary>
    /// <param name="exception">The task's exception (the single inner exception when there is one).</param>
    /// <param name="site">Where the task was handed to the tracker.</param>
    /// <param name="name">The optional name given to the task.</param>
    /// <param name="timestamp">When the fault was observed.</param>
    /// <param name="traceContext">The context of <see cref="Activity.Current"/> at that call (default when there was none).</param>
    public TaskFaultedEventArgs(Exception exception, TaskSite site, string? name, DateTimeOffset timestamp, ActivityContext traceContext)
    {
        Exception = exception ?? throw new ArgumentNullException(nameof(exception));
        Site = site ?? throw new ArgumentNullException(nameof(site));
        Name = name;
        Timestamp = timestamp;
        TraceContext = traceContext;
    }

    /// <summary>The exception; an <see cref="AggregateException"/> only when the task held several.</summary>
    public Exception Exception { get; }

    /// <summary>The creation site (file, line, member).</summary>
    public TaskSite Site { get; }

    /// <summary>The task's name, if one was given.</summary>
    public string? Name { get; }

    /// <summary>When the fault was observed.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>
    /// The trace context (<see cref="ActivityContext.TraceId"/>, <see cref="ActivityContext.SpanId"/>) of the
    /// activity that was current when the task was handed to the tracker, so a fault logged later, on
    /// another thread, can still be joined to the request that started the work. Default when there was none.
    /// </summary>
    public ActivityContext TraceContext { get; }

    /// <summary>Returns a one-line description: site, name and exception type and message.</summary>
    public override string ToString()
        => $"{Site}{(Name is null ? "" : " '" + Name + "'")}: {Exception.GetType().FullName}: {Exception.Message}";
}

using System;

namespace ConcurrencyGuard;

/// <summary>Thrown by the leak check when tracked tasks are still outstanding; the message is the grouped dump.</summary>
public sealed class TaskLeakException : Exception
{
    /// <summary>Creates the exception from a snapshot of the leaked tasks.</summary>
    /// <param name="leaks">The leaked tasks grouped by site.</param>
    /// <param name="timeout">How long the check waited.</param>
    public TaskLeakException(TaskTrackerSnapshot leaks, TimeSpan timeout)
        : base(FormatMessage(leaks, timeout))
    {
        Leaks = leaks;
    }

    /// <summary>Creates the exception with a message only.</summary>
    /// <param name="message">The message.</param>
    public TaskLeakException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public TaskLeakException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with the default message.</summary>
    public TaskLeakException()
        : base("Tracked tasks were still outstanding.")
    {
    }

    /// <summary>The leaked tasks grouped by creation site (null when built from a message only).</summary>
    public TaskTrackerSnapshot? Leaks { get; }

    private static string FormatMessage(TaskTrackerSnapshot leaks, TimeSpan timeout)
        => $"found {leaks.Outstanding} unexpected outstanding tracked task(s) after waiting {timeout.TotalSeconds:0.###} s:"
           + Environment.NewLine + leaks;
}

using System;
using Microsoft.Extensions.Logging;

namespace ConcurrencyGuard.Hosting;

/// <summary>The stable event IDs of the ConcurrencyGuard log messages (category <c>ConcurrencyGuard</c>).</summary>
public static class ConcurrencyGuardEventIds
{
    /// <summary>1: an alarm was raised or escalated (Warning for Degraded, Error for Unhealthy).</summary>
    public const int AlarmRaised = 1;

    /// <summary>2: an alarm cleared (Information).</summary>
    public const int AlarmCleared = 2;

    /// <summary>3: a tracked fire-and-forget task faulted (Error, with the exception).</summary>
    public const int TaskFaulted = 3;

    /// <summary>4: a process dump was written (Warning, with the path).</summary>
    public const int DumpWritten = 4;

    /// <summary>5: writing a process dump failed (Error).</summary>
    public const int DumpFailed = 5;

    /// <summary>6: a dump was skipped by the rate limit (Information).</summary>
    public const int DumpSkipped = 6;

    /// <summary>7: the monitor started (Information).</summary>
    public const int MonitorStarted = 7;

    /// <summary>8: the monitor stopped (Information).</summary>
    public const int MonitorStopped = 8;

    /// <summary>9: faults of one creation site over the log burst were counted, not logged one by one (Warning, with the count).</summary>
    public const int TaskFaultsSuppressed = 9;

    /// <summary>10: reading a probe failed; the other probes were sampled (Warning; logged at the 1st, 10th, 100th... failure in a row).</summary>
    public const int ProbeFailed = 10;

    /// <summary>11: a process dump did not finish within <c>Dump:WriteTimeout</c> and was abandoned (Error).</summary>
    public const int DumpTimedOut = 11;
}

internal static partial class Log
{
    [LoggerMessage(EventId = ConcurrencyGuardEventIds.AlarmRaised, EventName = "AlarmRaised",
        Message = "Concurrency alarm raised: {Probe} {Rule} {Severity}, value {Value} vs threshold {Threshold} (episode {EpisodeId}, notification {Notification}){TopSites}")]
    public static partial void AlarmRaised(ILogger logger, LogLevel level, string probe, string rule, string severity, double value, double threshold, Guid episodeId, int notification, string topSites);

    [LoggerMessage(EventId = ConcurrencyGuardEventIds.AlarmCleared, EventName = "AlarmCleared", Level = LogLevel.Information,
        Message = "Concurrency alarm cleared: {Probe} {Rule}, value {Value} (episode {EpisodeId}, raised at {RaisedAt:O})")]
    public static partial void AlarmCleared(ILogger logger, string probe, string rule, double value, Guid episodeId, DateTimeOffset raisedAt);

    [LoggerMessage(EventId = ConcurrencyGuardEventIds.TaskFaulted, EventName = "TaskFaulted", Level = LogLevel.Error,
        Message = "Tracked task {TaskName} created at {Site} faulted")]
    public static partial void TaskFaulted(ILogger logger, Exception exception, string taskName, string site);

    [LoggerMessage(EventId = ConcurrencyGuardEventIds.DumpWritten, EventName = "DumpWritten", Level = LogLevel.Warning,
        Message = "Process dump written to {DumpPath} for alarm episode {EpisodeId}; open it with: dotnet-dump analyze \"{DumpPath}\" then run dumpasync")]
    public static partial void DumpWritten(ILogger logger, string dumpPath, Guid episodeId);

    [LoggerMessage(EventId = ConcurrencyGuardEventIds.DumpFailed, EventName = "DumpFailed", Level = LogLevel.Error,
        Message = "Writing a process dump to {DumpPath} failed")]
    public static partial void DumpFailed(ILogger logger, Exception exception, string dumpPath);

    [LoggerMessage(EventId = ConcurrencyGuardEventIds.DumpSkipped, EventName = "DumpSkipped", Level = LogLevel.Information,
        Message = "Process dump for alarm episode {EpisodeId} skipped: {Reason}")]
    public static partial void DumpSkipped(ILogger logger, Guid episodeId, string reason);

    [LoggerMessage(EventId = ConcurrencyGuardEventIds.MonitorStarted, EventName = "MonitorStarted", Level = LogLevel.Information,
        Message = "ConcurrencyGuard monitor started (sampling every {SampleInterval})")]
    public static partial void MonitorStarted(ILogger logger, TimeSpan sampleInterval);

    [LoggerMessage(EventId = ConcurrencyGuardEventIds.TaskFaultsSuppressed, EventName = "TaskFaultsSuppressed", Level = LogLevel.Warning,
        Message = "{Count} more fault(s) of tracked tasks created at {Site} in the last {Window} were not logged one by one (last: {ExceptionType}: {ExceptionMessage})")]
    public static partial void TaskFaultsSuppressed(ILogger logger, long count, string site, TimeSpan window, string exceptionType, string exceptionMessage);

    [LoggerMessage(EventId = ConcurrencyGuardEventIds.ProbeFailed, EventName = "ProbeFailed", Level = LogLevel.Warning,
        Message = "Reading the {Probe} probe failed ({Failures} sample(s) in a row); the other probes were sampled")]
    public static partial void ProbeFailed(ILogger logger, Exception exception, string probe, int failures);

    [LoggerMessage(EventId = ConcurrencyGuardEventIds.DumpTimedOut, EventName = "DumpTimedOut", Level = LogLevel.Error,
        Message = "Writing the process dump {DumpPath} did not finish within {WriteTimeout}; it was abandoned and later dumps may start")]
    public static partial void DumpTimedOut(ILogger logger, string dumpPath, TimeSpan writeTimeout);

    [LoggerMessage(EventId = ConcurrencyGuardEventIds.MonitorStopped, EventName = "MonitorStopped", Level = LogLevel.Information,
        Message = "ConcurrencyGuard monitor stopped")]
    public static partial void MonitorStopped(ILogger logger);
}

using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyGuard;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConcurrencyGuard.Hosting;

/// <summary>
/// Runs the <see cref="ConcurrencyMonitor"/> for the host's lifetime and routes its alarms and the
/// tracker's faults to logging and the optional dump. Stopping disposes the monitor: no timer or thread survives.
/// </summary>
internal sealed class ConcurrencyGuardHostedService : IHostedService, IDisposable
{
    private readonly ConcurrencyMonitor _monitor;
    private readonly ConcurrencyGuardOptions _options;
    private readonly ILogger _logger;
    private readonly ProcessDumper _dumper;
    private readonly TimeProvider _time;
    private FaultLogLimiter? _faults;
    private int _started;

    public ConcurrencyGuardHostedService(
        ConcurrencyMonitor monitor,
        IOptions<ConcurrencyGuardOptions> options,
        ILoggerFactory loggerFactory,
        TimeProvider time,
        Func<IDumpWriter> dumpWriter)
    {
        _monitor = monitor;
        _options = options.Value;
        _time = time;
        _logger = loggerFactory.CreateLogger("ConcurrencyGuard");
        _dumper = new ProcessDumper(_options.Dump, dumpWriter, time, _logger);
    }

    internal ProcessDumper Dumper => _dumper;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled || Interlocked.Exchange(ref _started, 1) != 0)
        {
            return Task.CompletedTask;
        }

        _monitor.AlarmRaised += OnRaised;
        _monitor.AlarmCleared += OnCleared;
        _monitor.ProbeFailed += OnProbeFailed;
        if (_options.LogTaskFaults)
        {
            _faults = new FaultLogLimiter(_logger, _time, _options.TaskFaultLogBurst, _options.TaskFaultLogWindow);
            _monitor.Tracker.TaskFaulted += OnFaulted;
        }

        _monitor.Start();
        Log.MonitorStarted(_logger, _options.SampleInterval);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 2) != 1)
        {
            return Task.CompletedTask;
        }

        _monitor.Dispose();
        _monitor.AlarmRaised -= OnRaised;
        _monitor.AlarmCleared -= OnCleared;
        _monitor.ProbeFailed -= OnProbeFailed;
        _monitor.Tracker.TaskFaulted -= OnFaulted;
        _faults?.Dispose(); // logs the pending summaries
        Log.MonitorStopped(_logger);
        return Task.CompletedTask;
    }

    /// <summary>A host disposed without being stopped still ends the fault-log timer (the container disposes the monitor).</summary>
    public void Dispose() => _faults?.Dispose();

    private void OnRaised(object? sender, ConcurrencyAlarmEventArgs e)
    {
        ConcurrencyAlarm alarm = e.Alarm;
        string sites = alarm.TopSites is { Sites.Count: > 0 } snapshot
            ? Environment.NewLine + string.Join(Environment.NewLine, snapshot.Sites.Select(s => s.ToString()))
            : string.Empty;
        Log.AlarmRaised(
            _logger,
            alarm.Severity == ConcurrencyStatus.Unhealthy ? LogLevel.Error : LogLevel.Warning,
            ConcurrencyMonitor.ProbeName(alarm.Probe),
            alarm.Rule.ToString().ToLowerInvariant(),
            alarm.Severity.ToString(),
            alarm.Value,
            alarm.Level,
            alarm.EpisodeId,
            alarm.NotificationCount,
            sites);
        if (alarm.Rule == AlarmRule.Sustained && alarm.NotificationCount == 1)
        {
            _dumper.OnSustainedAlarm(alarm);
        }
    }

    private void OnCleared(object? sender, ConcurrencyAlarmEventArgs e)
        => Log.AlarmCleared(_logger, ConcurrencyMonitor.ProbeName(e.Alarm.Probe), e.Alarm.Rule.ToString().ToLowerInvariant(), e.Alarm.Value, e.Alarm.EpisodeId, e.Alarm.RaisedAt);

    private void OnFaulted(object? sender, TaskFaultedEventArgs e) => _faults?.OnFault(e);

    private void OnProbeFailed(object? sender, ProbeFailedEventArgs e)
    {
        // A probe that keeps failing is logged at its 1st, 10th, 100th... failure in a row.
        int failures = e.ConsecutiveFailures;
        while (failures % 10 == 0)
        {
            failures /= 10;
        }

        if (failures == 1)
        {
            Log.ProbeFailed(_logger, e.Exception, ConcurrencyMonitor.ProbeName(e.Probe), e.ConsecutiveFailures);
        }
    }
}

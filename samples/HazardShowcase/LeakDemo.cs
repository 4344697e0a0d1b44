using ConcurrencyGuard;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HazardShowcase;

/// <summary>
/// The --leak demo: warms a "cache" with tracked fire-and-forget calls that never complete (a lost
/// wake-up), 500 a second, until the monitor's tracked-task alarm has been raised, escalated and
/// sustained; then prints the created-by dump and the health check, and stops the app.
/// </summary>
public sealed class LeakDemo(
    ConcurrencyMonitor monitor,
    HealthCheckService health,
    IHostApplicationLifetime lifetime,
    ILogger<LeakDemo> logger) : BackgroundService
{
    private readonly TaskCompletionSource _neverSignalled = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var sustained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        monitor.AlarmRaised += (_, e) =>
        {
            if (e.Alarm.Probe == ProbeKind.TrackedTasks && e.Alarm.Rule == AlarmRule.Sustained)
            {
                sustained.TrySetResult();
            }
        };

        logger.LogWarning("Leak demo: leaking 500 tracked tasks a second from LeakDemo.WarmAsync");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        int key = 0;
        while (!sustained.Task.IsCompleted && !timeout.IsCancellationRequested)
        {
            for (int i = 0; i < 50; i++)
            {
                WarmAsync(key++).Forget("cache-warm");
            }

            await Task.WhenAny(Task.Delay(100, stoppingToken), sustained.Task);
        }

        Console.WriteLine();
        Console.WriteLine(sustained.Task.IsCompleted ? "Sustained alarm raised. The created-by dump:" : "No sustained alarm within 60 s. The created-by dump:");
        Console.WriteLine(TaskTracker.Default.Snapshot(5));
        HealthReport report = await health.CheckHealthAsync(stoppingToken);
        Console.WriteLine($"Health: {report.Status} — {report.Entries["concurrencyguard"].Description}");
        Console.WriteLine();
        Environment.ExitCode = sustained.Task.IsCompleted ? 0 : 1;
        _neverSignalled.TrySetResult(); // release the leaked tasks so shutdown is clean
        lifetime.StopApplication();
    }

    private async Task WarmAsync(int key)
    {
        await _neverSignalled.Task; // nobody ever signals it: every call leaks
        _ = key;
    }
}

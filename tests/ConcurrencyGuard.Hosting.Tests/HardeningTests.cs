using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace ConcurrencyGuard.Hosting.Tests;

/// <summary>Fault-log limits and trace context, probe failures, a stalled monitor, dump budget, timeout and permissions, one source of defaults.</summary>
public class HardeningTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly TaskTracker _tracker = new();
    private readonly CapturingLoggerProvider _logs = new();
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cg-hardening-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_burst_of_faults_logs_the_first_few_per_site_then_one_summary_with_the_count()
    {
        using IHost host = Build(o => { o.TaskFaultLogBurst = 5; o.TaskFaultLogWindow = TimeSpan.FromMinutes(1); });
        await host.StartAsync();
        for (int i = 0; i < 50; i++)
        {
            _tracker.Track(Task.FromException(new InvalidOperationException("burst " + i)), "bursty");
        }

        _tracker.Track(Task.FromException(new ArgumentException("other site")), "calm");
        IReadOnlyList<LogEntry> full = _logs.WithId(ConcurrencyGuardEventIds.TaskFaulted);
        Assert.Equal(5, full.Count(e => e.Message.Contains("bursty", StringComparison.Ordinal)));
        Assert.Single(full, e => e.Message.Contains("calm", StringComparison.Ordinal)); // its own budget
        Assert.Empty(_logs.WithId(ConcurrencyGuardEventIds.TaskFaultsSuppressed));

        _time.Advance(TimeSpan.FromMinutes(1)); // the window ends: one summary for the bursty site
        LogEntry summary = Assert.Single(_logs.WithId(ConcurrencyGuardEventIds.TaskFaultsSuppressed));
        Assert.Equal(LogLevel.Warning, summary.Level);
        Assert.StartsWith("45 more fault(s) of tracked tasks created at HardeningTests.cs:", summary.Message);
        Assert.Contains("burst 49", summary.Message);

        _tracker.Track(Task.FromException(new InvalidOperationException("next window")), "bursty");
        Assert.Equal(6, _logs.WithId(ConcurrencyGuardEventIds.TaskFaulted).Count(e => e.Message.Contains("bursty", StringComparison.Ordinal)));
        await host.StopAsync();
    }

    [Fact]
    public async Task A_fault_is_logged_in_the_trace_of_the_call_that_started_the_task()
    {
        using IHost host = Build();
        await host.StartAsync();
        var gate = new TaskCompletionSource();
        ActivityTraceId trace;
        using (Activity request = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            trace = request.TraceId;
            _tracker.Track(Throw(gate.Task), "in-request");
        }

        gate.SetResult(); // faults here, outside the request's activity
        Assert.True(await _tracker.WaitForIdleAsync(TimeSpan.FromSeconds(30)));
        LogEntry fault = Assert.Single(_logs.WithId(ConcurrencyGuardEventIds.TaskFaulted));
        Assert.Equal(trace.ToString(), fault.TraceId);

        _tracker.Track(Task.FromException(new InvalidOperationException("no trace")), "outside");
        Assert.Null(_logs.WithId(ConcurrencyGuardEventIds.TaskFaulted).Last().TraceId);
        await host.StopAsync();
    }

    [Fact]
    public async Task A_failing_probe_is_logged_at_its_first_and_tenth_failure_and_the_rest_is_sampled()
    {
        using IHost host = Build(o => o.ThreadPoolThreads.Enabled = true);
        ConcurrencyMonitor monitor = host.Services.GetRequiredService<ConcurrencyMonitor>();
        monitor.BeforeProbe = kind =>
        {
            if (kind == ProbeKind.ThreadPoolThreads)
            {
                throw new InvalidOperationException("probe broke");
            }
        };
        await host.StartAsync(); // first sample
        for (int i = 0; i < 11; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        IReadOnlyList<LogEntry> failures = _logs.WithId(ConcurrencyGuardEventIds.ProbeFailed);
        Assert.Equal(2, failures.Count);
        Assert.Contains("(1 sample(s) in a row)", failures[0].Message);
        Assert.Contains("(10 sample(s) in a row)", failures[1].Message);
        Assert.Equal("probe broke", failures[0].Exception!.Message);
        Assert.True(monitor.LastSample!.Values.ContainsKey(ProbeKind.TrackedTasks));
        await host.StopAsync();
    }

    [Fact]
    public async Task A_stalled_monitor_reports_Degraded_instead_of_its_last_state()
    {
        using IHost host = Build(o => o.TrackedTasks.Degraded = 1, health: h => h.AddConcurrencyGuard());
        ConcurrencyMonitor monitor = host.Services.GetRequiredService<ConcurrencyMonitor>();
        HealthCheckService health = host.Services.GetRequiredService<HealthCheckService>();
        await host.StartAsync();
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Status); // positive control

        // Stall the sampling: a sample blocks in an alarm handler, so timer ticks are skipped.
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        monitor.AlarmRaised += (_, _) => { inside.Set(); release.Wait(TimeSpan.FromSeconds(60)); };
        var gate = new TaskCompletionSource();
        _tracker.Track(gate.Task);
        Task stuck = Task.Run(() => monitor.SampleNow());
        Assert.True(inside.Wait(TimeSpan.FromSeconds(30)));
        for (int i = 0; i < 4; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        HealthReport report = await health.CheckHealthAsync();
        HealthReportEntry entry = report.Entries["concurrencyguard"];
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Contains("stalled", entry.Description);
        Assert.Equal(true, entry.Data["stalled"]);

        release.Set();
        await stuck;
        gate.SetResult();
        Assert.True(await _tracker.WaitForIdleAsync(TimeSpan.FromSeconds(30)));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(monitor.IsStalled);
        await host.StopAsync();
    }

    [Fact]
    public async Task A_failed_dump_does_not_use_the_budget_and_the_folder_and_file_are_owner_only()
    {
        var writer = new FakeDumpWriter { Behaviour = attempt => { if (attempt == 1) { throw new IOException("disk full"); } } };
        using IHost host = BuildDumping(writer, maxDumps: 1);
        ConcurrencyGuardHostedService service = host.Services.GetRequiredService<ConcurrencyGuardHostedService>();
        await host.StartAsync();

        await SustainedEpisode(service);
        Assert.Equal(1, writer.Attempts);
        Assert.Single(_logs.WithId(ConcurrencyGuardEventIds.DumpFailed));
        Assert.Equal(0, service.Dumper.Written);

        await SustainedEpisode(service); // the failure did not use the budget of one
        (string path, _) = Assert.Single(writer.Written);
        Assert.Equal(1, service.Dumper.Written);

        await SustainedEpisode(service);
        Assert.Equal(2, writer.Attempts);
        Assert.Contains("limit of 1 dump(s)", _logs.WithId(ConcurrencyGuardEventIds.DumpSkipped).Last().Message);

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_folder));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        await host.StopAsync();
    }

    [Fact]
    public async Task A_hung_dump_is_abandoned_after_the_write_timeout_so_later_dumps_still_happen()
    {
        using var unblock = new ManualResetEventSlim();
        var writer = new FakeDumpWriter { Behaviour = attempt => { if (attempt == 1) { unblock.Wait(TimeSpan.FromSeconds(60)); throw new IOException("hung"); } } };
        using IHost host = BuildDumping(writer, maxDumps: 3, writeTimeout: TimeSpan.FromMinutes(2));
        ConcurrencyGuardHostedService service = host.Services.GetRequiredService<ConcurrencyGuardHostedService>();
        await host.StartAsync();

        await SustainedEpisode(service, join: false);
        Assert.True(SpinWait.SpinUntil(() => writer.Attempts == 1, TimeSpan.FromSeconds(30)));
        await SustainedEpisode(service, join: false); // within the timeout: skipped, a dump is being written
        Assert.Contains("being written", _logs.WithId(ConcurrencyGuardEventIds.DumpSkipped).Last().Message);
        Assert.Empty(_logs.WithId(ConcurrencyGuardEventIds.DumpTimedOut));

        _time.Advance(TimeSpan.FromMinutes(2));
        await SustainedEpisode(service); // past the timeout: abandoned, a new dump is written
        Assert.Single(_logs.WithId(ConcurrencyGuardEventIds.DumpTimedOut));
        Assert.Equal(2, writer.Attempts);
        Assert.Single(writer.Written);
        unblock.Set();
        await host.StopAsync();
    }

    [Fact]
    public void Hosting_probe_defaults_come_from_the_monitor_defaults()
    {
        var hosting = new ConcurrencyGuardOptions();
        ConcurrencyMonitorOptions mapped = hosting.ToMonitorOptions(_time, _tracker, null);
        var monitor = new ConcurrencyMonitorOptions();
        foreach (ProbeKind kind in Enum.GetValues<ProbeKind>())
        {
            ProbeOptions expected = ConcurrencyMonitorOptions.DefaultsFor(kind);
            foreach (ProbeOptions actual in new[] { mapped.GetProbe(kind), monitor.GetProbe(kind) })
            {
                Assert.Equal(expected.Enabled, actual.Enabled);
                Assert.Equal(expected.Degraded, actual.Degraded);
                Assert.Equal(expected.Unhealthy, actual.Unhealthy);
                Assert.Equal(expected.SurgeFactor, actual.SurgeFactor);
                Assert.Equal(expected.SurgeMinimum, actual.SurgeMinimum);
                Assert.Equal(expected.SustainedFor, actual.SustainedFor);
            }
        }

        hosting.TrackedTasks.Degraded = 1; // each options object has its own copy
        Assert.Equal(10_000, ConcurrencyMonitorOptions.DefaultsFor(ProbeKind.TrackedTasks).Degraded);
        Assert.Equal(10_000, new ConcurrencyGuardOptions().TrackedTasks.Degraded);
    }

    private async Task SustainedEpisode(ConcurrencyGuardHostedService service, bool join = true)
    {
        var load = new Load(_tracker);
        load.SetTo(12);
        for (int i = 0; i < 6; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        if (join)
        {
            service.Dumper.Thread?.Join(TimeSpan.FromSeconds(30));
        }

        load.SetTo(0);
        for (int i = 0; i < 3; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        await Task.Yield();
    }

    private IHost BuildDumping(FakeDumpWriter writer, int maxDumps, TimeSpan? writeTimeout = null) => Build(
        o =>
        {
            o.TrackedTasks.Degraded = 10;
            o.TrackedTasks.Unhealthy = null;
            o.TrackedTasks.SustainedFor = TimeSpan.FromSeconds(5);
            o.Cooldown = TimeSpan.Zero;
            o.Dump.Enabled = true;
            o.Dump.Directory = _folder;
            o.Dump.MinInterval = TimeSpan.Zero;
            o.Dump.MaxDumps = maxDumps;
            o.Dump.WriteTimeout = writeTimeout ?? TimeSpan.FromMinutes(2);
        },
        services: s => s.AddSingleton<IDumpWriter>(writer));

    private IHost Build(Action<ConcurrencyGuardOptions>? configure = null, Action<IHealthChecksBuilder>? health = null, Action<IServiceCollection>? services = null)
        => TestHost.Build(_time, _tracker, _logs, configure: configure, health: health, services: services);

    private static async Task Throw(Task gate)
    {
        await gate.ConfigureAwait(false);
        throw new InvalidOperationException("fault in a request's background work");
    }
}

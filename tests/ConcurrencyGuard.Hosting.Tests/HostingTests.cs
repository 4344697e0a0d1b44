using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
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

public class HostingTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly TaskTracker _tracker = new();
    private readonly CapturingLoggerProvider _logs = new();

    // One source of default thresholds: the hosting options and the monitor options both start from ConcurrencyMonitorOptions.DefaultsFor.
    [Fact]
    public void Hosting_and_monitor_probe_defaults_are_the_same_table()
    {
        ConcurrencyMonitorOptions fromHosting = new ConcurrencyGuardOptions().ToMonitorOptions(_time, _tracker, meter: null);
        var direct = new ConcurrencyMonitorOptions();
        foreach (ProbeKind kind in Enum.GetValues<ProbeKind>())
        {
            ProbeOptions expected = ConcurrencyMonitorOptions.DefaultsFor(kind);
            foreach (ProbeOptions actual in new[] { fromHosting.GetProbe(kind), direct.GetProbe(kind) })
            {
                Assert.Equal(
                    (expected.Enabled, expected.Degraded, expected.Unhealthy, expected.SurgeFactor, expected.SurgeMinimum, expected.SustainedFor),
                    (actual.Enabled, actual.Degraded, actual.Unhealthy, actual.SurgeFactor, actual.SurgeMinimum, actual.SustainedFor));
            }
        }

        Assert.Equal(10_000, ConcurrencyMonitorOptions.DefaultsFor(ProbeKind.TrackedTasks).Degraded);
        Assert.Equal(TimeSpan.FromSeconds(30), ConcurrencyMonitorOptions.DefaultsFor(ProbeKind.StarvationLatency).SustainedFor);
        Assert.NotSame(ConcurrencyMonitorOptions.DefaultsFor(ProbeKind.GcPauseShare), ConcurrencyMonitorOptions.DefaultsFor(ProbeKind.GcPauseShare));
    }

    [Fact]
    public async Task Real_host_runs_the_monitor_and_stopping_leaves_no_thread_or_timer()
    {
        using IHost host = Build(
            config: new() { ["ConcurrencyGuard:SampleInterval"] = "00:00:00.050" },
            fakeTime: false);
        ConcurrencyMonitor monitor = host.Services.GetRequiredService<ConcurrencyMonitor>();
        Assert.False(monitor.IsRunning);

        await host.StartAsync();
        Assert.True(monitor.IsRunning);
        Assert.True(SpinWait.SpinUntil(() => monitor.SampleCount >= 3, TimeSpan.FromSeconds(30)));
        Thread samplingThread = monitor.SamplingThread!;
        Assert.True(samplingThread.IsAlive);
        Assert.Same(host.Services.GetRequiredService<IMeterFactory>(), monitor.Meter.Scope);
        Assert.Equal(MetricNames.MeterName, monitor.Meter.Name);
        Assert.Single(_logs.WithId(ConcurrencyGuardEventIds.MonitorStarted));

        await host.StopAsync();
        Assert.False(monitor.IsRunning);
        Assert.False(samplingThread.IsAlive);
        long samples = monitor.SampleCount;
        Thread.Sleep(200);
        Assert.Equal(samples, monitor.SampleCount);
        Assert.Single(_logs.WithId(ConcurrencyGuardEventIds.MonitorStopped));
    }

    [Fact]
    public async Task Stopping_a_host_on_a_fake_clock_disposes_the_timer()
    {
        using IHost host = Build();
        ConcurrencyMonitor monitor = host.Services.GetRequiredService<ConcurrencyMonitor>();
        await host.StartAsync();
        Assert.True(monitor.HasTimer);
        _time.Advance(TimeSpan.FromSeconds(1));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(3, monitor.SampleCount);

        await host.StopAsync();
        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(3, monitor.SampleCount);
        Assert.False(monitor.IsRunning);
    }

    [Fact]
    public async Task Disabled_in_configuration_the_monitor_does_not_run_and_the_check_says_so()
    {
        using IHost host = Build(config: new() { ["ConcurrencyGuard:Enabled"] = "false" }, health: h => h.AddConcurrencyGuard());
        await host.StartAsync();
        ConcurrencyMonitor monitor = host.Services.GetRequiredService<ConcurrencyMonitor>();
        Assert.False(monitor.IsRunning);
        HealthReport report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal("The concurrency monitor is not running.", report.Entries["concurrencyguard"].Description);
        Assert.Equal(false, report.Entries["concurrencyguard"].Data["running"]);
        await host.StopAsync();
    }

    [Fact]
    public void Options_bind_from_the_section_and_code_configuration_wins()
    {
        using IHost host = Build(
            config: new()
            {
                ["ConcurrencyGuard:SampleInterval"] = "00:00:03",
                ["ConcurrencyGuard:TrackedTasks:Degraded"] = "5",
                ["ConcurrencyGuard:TrackedTasks:SustainedFor"] = "00:05:00",
                ["ConcurrencyGuard:TopSites"] = "3",
                ["ConcurrencyGuard:Dump:Enabled"] = "true",
                ["ConcurrencyGuard:Dump:Directory"] = "/tmp/cg-dumps",
                ["ConcurrencyGuard:Dump:Type"] = "Mini",
            },
            configure: o => o.TopSites = 7,
            testDefaults: false);

        ConcurrencyGuardOptions options = host.Services.GetRequiredService<IOptions<ConcurrencyGuardOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(3), options.SampleInterval);
        Assert.Equal(5, options.TrackedTasks.Degraded);
        Assert.Equal(100_000, options.TrackedTasks.Unhealthy); // default kept
        Assert.Equal(TimeSpan.FromMinutes(5), options.TrackedTasks.SustainedFor);
        Assert.Equal(7, options.TopSites);
        Assert.True(options.Dump.Enabled);
        Assert.Equal(DumpKind.Mini, options.Dump.Type);

        ConcurrencyMonitor monitor = host.Services.GetRequiredService<ConcurrencyMonitor>();
        Assert.Equal(5, monitor.Options.TrackedTasks.Degraded);
        Assert.Equal(TimeSpan.FromSeconds(3), monitor.Options.SampleInterval);
    }

    [Fact]
    public void Defaults_need_no_configuration()
    {
        var options = new ConcurrencyGuardOptions();
        Assert.Equal(10_000, options.TrackedTasks.Degraded);
        Assert.Equal(100_000, options.TrackedTasks.Unhealthy);
        Assert.False(options.Dump.Enabled);
        Assert.True(new ConcurrencyGuardOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData("TrackedTasks:Degraded", "-1", "ConcurrencyGuard:TrackedTasks.Degraded must not be negative (was -1).")]
    [InlineData("TrackedTasks:Unhealthy", "50", "ConcurrencyGuard:TrackedTasks.Unhealthy (50) must not be below TrackedTasks.Degraded (10000).")]
    [InlineData("SampleInterval", "00:00:00", "ConcurrencyGuard:SampleInterval must be positive (was 00:00:00).")]
    [InlineData("StarvationLatency:SustainedFor", "00:00:00", "ConcurrencyGuard:StarvationLatency.SustainedFor must be positive when set (was 00:00:00).")]
    [InlineData("Dump:Enabled", "true", "ConcurrencyGuard:Dump.Directory is required when Dump.Enabled is true.")]
    [InlineData("Hysteresis", "1.5", "ConcurrencyGuard:Hysteresis must be in [0, 1) (was 1.5).")]
    [InlineData("SampleInterval", "30.00:00:00", "ConcurrencyGuard:SampleInterval must be between 00:00:00.0100000 and 1.00:00:00 (was 30.00:00:00).")]
    [InlineData("SurgeWindowSamples", "100000000", "ConcurrencyGuard:SurgeWindowSamples must be between 1 and 10000 (was 100000000).")]
    [InlineData("TaskFaultLogBurst", "0", "ConcurrencyGuard:TaskFaultLogBurst must be at least 1 (was 0).")]
    [InlineData("Dump:WriteTimeout", "00:00:00", "ConcurrencyGuard:Dump.WriteTimeout must be positive and at most 1.00:00:00 (was 00:00:00).")]
    public async Task Bad_configuration_fails_at_start_with_a_clear_message(string key, string value, string expected)
    {
        using IHost host = Build(config: new() { ["ConcurrencyGuard:" + key] = value });
        OptionsValidationException e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public async Task Health_check_reports_the_background_state_and_honours_the_failure_status()
    {
        using IHost host = Build(
            configure: o => { o.TrackedTasks.Degraded = 10; o.TrackedTasks.Unhealthy = 20; },
            health: h => h.AddConcurrencyGuard().AddConcurrencyGuard("concurrencyguard-soft", HealthStatus.Degraded, new[] { "live" }));
        Assert.Single(host.Services.GetServices<IHostedService>().OfType<ConcurrencyGuardHostedService>());
        HealthCheckService health = host.Services.GetRequiredService<HealthCheckService>();
        var load = new Load(_tracker);
        await host.StartAsync();

        HealthReport report = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, report.Entries["concurrencyguard"].Status);
        Assert.Equal(HealthStatus.Healthy, report.Entries["concurrencyguard-soft"].Status);

        load.SetTo(12);
        report = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, report.Entries["concurrencyguard"].Status); // answered from the last sample, not computed now

        _time.Advance(TimeSpan.FromSeconds(1));
        report = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Degraded, report.Entries["concurrencyguard"].Status);
        Assert.Equal(HealthStatus.Degraded, report.Entries["concurrencyguard-soft"].Status);
        Assert.Equal(12.0, (double)report.Entries["concurrencyguard"].Data["tracked_tasks"]);
        Assert.Contains("TestSupport.cs", string.Join(" ", (string[])report.Entries["concurrencyguard"].Data["top_sites"]));

        load.SetTo(25);
        _time.Advance(TimeSpan.FromSeconds(1));
        report = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Unhealthy, report.Entries["concurrencyguard"].Status);
        Assert.Equal(HealthStatus.Degraded, report.Entries["concurrencyguard-soft"].Status);
        Assert.Equal(25.0, (double)report.Entries["concurrencyguard"].Data["tracked_tasks"]);
        Assert.Contains("TrackedTasks Threshold Unhealthy", report.Entries["concurrencyguard"].Description);

        load.SetTo(0);
        for (int k = 0; k < 3; k++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        report = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, report.Status);
        await host.StopAsync();
    }

    [Fact]
    public async Task Alarms_and_task_faults_are_logged_with_stable_event_ids()
    {
        using IHost host = Build(configure: o => { o.TrackedTasks.Degraded = 10; o.TrackedTasks.Unhealthy = 20; });
        var load = new Load(_tracker);
        await host.StartAsync();

        load.SetTo(10);
        _time.Advance(TimeSpan.FromSeconds(1));
        LogEntry raised = Assert.Single(_logs.WithId(ConcurrencyGuardEventIds.AlarmRaised));
        Assert.Equal(LogLevel.Warning, raised.Level);
        Assert.Equal("AlarmRaised", raised.EventName);
        Assert.Equal("ConcurrencyGuard", raised.Category);
        Assert.Contains("tracked_tasks threshold Degraded", raised.Message);
        Assert.Contains("TestSupport.cs:", raised.Message); // the top creation site
        Assert.Contains("names: load", raised.Message);

        load.SetTo(20);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(LogLevel.Error, _logs.WithId(ConcurrencyGuardEventIds.AlarmRaised).Last().Level);

        load.SetTo(0);
        for (int i = 0; i < 3; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        LogEntry cleared = Assert.Single(_logs.WithId(ConcurrencyGuardEventIds.AlarmCleared));
        Assert.Equal(LogLevel.Information, cleared.Level);

        var boom = new InvalidOperationException("boom");
        _tracker.Track(Task.FromException(boom), "bad-job"); int line = new System.Diagnostics.StackFrame(0, true).GetFileLineNumber();
        LogEntry fault = Assert.Single(_logs.WithId(ConcurrencyGuardEventIds.TaskFaulted));
        Assert.Equal(LogLevel.Error, fault.Level);
        Assert.Same(boom, fault.Exception);
        Assert.Contains("bad-job", fault.Message);
        Assert.Contains($"HostingTests.cs:{line}", fault.Message);

        await host.StopAsync();
        _tracker.Track(Task.FromException(new InvalidOperationException("after stop")));
        Assert.Single(_logs.WithId(ConcurrencyGuardEventIds.TaskFaulted)); // unsubscribed on stop
    }

    [Fact]
    public async Task Sustained_alarm_writes_a_dump_rate_limited()
    {
        string folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cg-dump-" + Guid.NewGuid().ToString("N"));
        var writer = new FakeDumpWriter();
        using IHost host = Build(
            configure: o =>
            {
                o.TrackedTasks.Degraded = 10;
                o.TrackedTasks.Unhealthy = null;
                o.TrackedTasks.SustainedFor = TimeSpan.FromSeconds(5);
                o.Cooldown = TimeSpan.Zero;
                o.Dump.Enabled = true;
                o.Dump.Directory = folder;
                o.Dump.MinInterval = TimeSpan.FromMinutes(10);
                o.Dump.Type = DumpKind.Mini;
            },
            services: s => s.AddSingleton<IDumpWriter>(writer));
        ConcurrencyGuardHostedService service = host.Services.GetRequiredService<ConcurrencyGuardHostedService>();
        var load = new Load(_tracker);
        await host.StartAsync();

        async Task Episode(TimeSpan before)
        {
            _time.Advance(before);
            load.SetTo(12);
            for (int i = 0; i < 6; i++)
            {
                _time.Advance(TimeSpan.FromSeconds(1));
            }

            service.Dumper.Thread?.Join(TimeSpan.FromSeconds(30));
            load.SetTo(0);
            for (int i = 0; i < 3; i++)
            {
                _time.Advance(TimeSpan.FromSeconds(1));
            }

            await Task.Yield();
        }

        await Episode(TimeSpan.Zero);
        var (path, kind) = Assert.Single(writer.Written);
        Assert.Equal(DumpKind.Mini, kind);
        Assert.EndsWith("-tracked_tasks.dmp", path);
        Assert.Contains(path, Assert.Single(_logs.WithId(ConcurrencyGuardEventIds.DumpWritten)).Message);

        await Episode(TimeSpan.FromMinutes(1)); // within MinInterval: skipped
        Assert.Single(writer.Written);
        Assert.Contains("less than", Assert.Single(_logs.WithId(ConcurrencyGuardEventIds.DumpSkipped)).Message);

        await Episode(TimeSpan.FromMinutes(10)); // past MinInterval: written
        Assert.Equal(2, writer.Written.Count);
        await host.StopAsync();
        System.IO.Directory.Delete(folder, recursive: true);
    }

    private IHost Build(
        Dictionary<string, string?>? config = null,
        Action<ConcurrencyGuardOptions>? configure = null,
        Action<IHealthChecksBuilder>? health = null,
        Action<IServiceCollection>? services = null,
        bool fakeTime = true,
        bool testDefaults = true)
        => TestHost.Build(_time, _tracker, _logs, config, configure, health, services, fakeTime, testDefaults);
}

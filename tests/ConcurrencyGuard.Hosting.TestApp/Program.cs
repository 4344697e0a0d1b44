using System;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyGuard;
using ConcurrencyGuard.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Usage: ConcurrencyGuard.Hosting.TestApp <dump-folder> [WithHeap|Mini]
// Leaks tracked tasks until a sustained alarm writes a process dump, prints DUMP-WRITTEN <path> or
// DUMP-FAILED <exception type>: <message>, and exits (0 written, 2 failed, 3 timed out).
// Usage: ConcurrencyGuard.Hosting.TestApp --no-dump
// Runs the monitor with dumps off through a sustained alarm and exits 0.
// Both print DIAG-CLIENT-LOADED true|false: whether Microsoft.Diagnostics.NETCore.Client was loaded.
if (args.Length > 0 && args[0] == "--no-dump")
{
    return await RunWithoutDumps();
}

string folder = args.Length > 0 ? args[0] : throw new ArgumentException("dump folder expected");
DumpKind kind = args.Length > 1 ? Enum.Parse<DumpKind>(args[1]) : DumpKind.WithHeap;

var outcome = new TaskCompletionSource<(int Code, string Line)>(TaskCreationOptions.RunContinuationsAsynchronously);
HostApplicationBuilder builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders();
builder.Logging.AddProvider(new OutcomeLoggerProvider(outcome));
builder.Services.AddConcurrencyGuard(o =>
{
    o.SampleInterval = TimeSpan.FromMilliseconds(100);
    o.TrackedTasks.Degraded = 10;
    o.TrackedTasks.Unhealthy = null;
    o.TrackedTasks.SustainedFor = TimeSpan.FromMilliseconds(500);
    o.Dump.Enabled = true;
    o.Dump.Directory = folder;
    o.Dump.Type = kind;
});

using IHost host = builder.Build();
await host.StartAsync();
var never = new TaskCompletionSource();
for (int i = 0; i < 100; i++)
{
    LeakOne(never.Task);
}

Task finished = await Task.WhenAny(outcome.Task, Task.Delay(TimeSpan.FromSeconds(90)));
(int code, string line) = finished == outcome.Task ? outcome.Task.Result : (3, "TIMEOUT");
Console.WriteLine(line);
Console.WriteLine("DIAG-CLIENT-LOADED " + DiagnosticsClientLoaded());
never.SetResult();
await host.StopAsync();
return code;

static async Task<int> RunWithoutDumps()
{
    var sustained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    HostApplicationBuilder builder = Host.CreateApplicationBuilder();
    builder.Logging.ClearProviders();
    builder.Services.AddConcurrencyGuard(o =>
    {
        o.SampleInterval = TimeSpan.FromMilliseconds(100);
        o.TrackedTasks.Degraded = 10;
        o.TrackedTasks.Unhealthy = null;
        o.TrackedTasks.SustainedFor = TimeSpan.FromMilliseconds(300);
    });
    using IHost host = builder.Build();
    host.Services.GetRequiredService<ConcurrencyMonitor>().AlarmRaised += (_, e) =>
    {
        if (e.Alarm.Rule == AlarmRule.Sustained)
        {
            sustained.TrySetResult();
        }
    };
    await host.StartAsync();
    var never = new TaskCompletionSource();
    for (int i = 0; i < 20; i++)
    {
        LeakOne(never.Task);
    }

    bool alarmed = await Task.WhenAny(sustained.Task, Task.Delay(TimeSpan.FromSeconds(60))) == sustained.Task;
    Console.WriteLine(alarmed ? "SUSTAINED-ALARM" : "TIMEOUT");
    Console.WriteLine("DIAG-CLIENT-LOADED " + DiagnosticsClientLoaded());
    never.SetResult();
    await host.StopAsync();
    return alarmed ? 0 : 3;
}

static bool DiagnosticsClientLoaded()
    => Array.Exists(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name == "Microsoft.Diagnostics.NETCore.Client");

static void LeakOne(Task gate) => Wait(gate).Forget("leaked-on-purpose");

static async Task Wait(Task gate) => await gate;

internal sealed class OutcomeLoggerProvider : ILoggerProvider, ILogger
{
    private readonly TaskCompletionSource<(int, string)> _outcome;

    public OutcomeLoggerProvider(TaskCompletionSource<(int, string)> outcome) => _outcome = outcome;

    public ILogger CreateLogger(string categoryName) => this;

    public void Dispose()
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        Console.WriteLine($"[{eventId.Id}] {formatter(state, exception)}");
        if (eventId.Id == ConcurrencyGuardEventIds.DumpWritten && state is System.Collections.Generic.IReadOnlyList<System.Collections.Generic.KeyValuePair<string, object?>> values)
        {
            foreach (var pair in values)
            {
                if (pair.Key == "DumpPath")
                {
                    _outcome.TrySetResult((0, "DUMP-WRITTEN " + pair.Value));
                }
            }
        }
        else if (eventId.Id == ConcurrencyGuardEventIds.DumpFailed)
        {
            Exception root = exception?.GetBaseException() ?? new InvalidOperationException("unknown");
            _outcome.TrySetResult((2, $"DUMP-FAILED {exception?.GetType().FullName}: {root.GetType().FullName}: {root.Message}"));
        }
    }
}

using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ConcurrencyGuard.Hosting.Tests;

internal sealed record LogEntry(string Category, LogLevel Level, int EventId, string? EventName, string Message, Exception? Exception, string? TraceId);

/// <summary>Captures log entries.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<LogEntry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    public IReadOnlyList<LogEntry> WithId(int id) => Entries.Where(e => e.EventId == id && e.Category == "ConcurrencyGuard").ToList();

    private sealed class Logger : ILogger
    {
        private readonly CapturingLoggerProvider _owner;
        private readonly string _category;

        public Logger(CapturingLoggerProvider owner, string category)
        {
            _owner = owner;
            _category = category;
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => _owner.Entries.Enqueue(new LogEntry(_category, logLevel, eventId.Id, eventId.Name, formatter(state, exception), exception, System.Diagnostics.Activity.Current?.TraceId.ToString()));
    }
}

/// <summary>Holds a controllable number of outstanding tracked tasks.</summary>
internal sealed class Load
{
    private readonly TaskTracker _tracker;
    private readonly Stack<TaskCompletionSource> _pending = new();

    public Load(TaskTracker tracker) => _tracker = tracker;

    public void SetTo(int count)
    {
        while (_pending.Count < count)
        {
            var tcs = new TaskCompletionSource();
            _tracker.Track(tcs.Task, "load");
            _pending.Push(tcs);
        }

        while (_pending.Count > count)
        {
            _pending.Pop().SetResult();
        }

        if (!SpinWait.SpinUntil(() => _tracker.Outstanding == count, TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException($"tracker did not settle at {count}");
        }
    }
}

/// <summary>Writes a small file in place of a dump; <see cref="Behaviour"/> can make an attempt fail or hang first.</summary>
internal sealed class FakeDumpWriter : IDumpWriter
{
    public ConcurrentQueue<(string Path, DumpKind Kind)> Written { get; } = new();

    public Action<int>? Behaviour { get; set; }

    public int Attempts => Volatile.Read(ref _attempts);

    private int _attempts;

    public void Write(string path, DumpKind kind, CancellationToken cancellationToken)
    {
        Behaviour?.Invoke(Interlocked.Increment(ref _attempts));
        System.IO.File.WriteAllText(path, "not a real dump");
        Written.Enqueue((path, kind));
    }
}

/// <summary>A test host: in-memory configuration, captured logs, the fake clock, and every probe but tracked tasks off.</summary>
internal static class TestHost
{
    public static IHost Build(
        TimeProvider time,
        TaskTracker tracker,
        CapturingLoggerProvider logs,
        Dictionary<string, string?>? config = null,
        Action<ConcurrencyGuardOptions>? configure = null,
        Action<IHealthChecksBuilder>? health = null,
        Action<IServiceCollection>? services = null,
        bool fakeTime = true,
        bool testDefaults = true)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Test" });
        var settings = new Dictionary<string, string?>(config ?? new());
        if (fakeTime)
        {
            settings.TryAdd("ConcurrencyGuard:SampleInterval", "00:00:01");
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddProvider(logs);
        if (fakeTime)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddSingleton(tracker);
        services?.Invoke(builder.Services);
        builder.Services.AddConcurrencyGuard(o =>
        {
            if (!testDefaults)
            {
                configure?.Invoke(o);
                return;
            }

            o.ListenToRuntimeEvents = false;
            o.TrackedTasks.SustainedFor = null;
            o.TrackedTasks.SurgeFactor = 0;
            foreach (ProbeOptions probe in new[]
            {
                o.ThreadPoolThreads, o.ThreadPoolQueueLength, o.ThreadPoolCompletionRate, o.StarvationLatency, o.StarvationEvents,
                o.LockContentionRate, o.GcPauseShare, o.OpenHandles, o.HandleUsage, o.HttpActiveRequests, o.HttpOpenConnections,
            })
            {
                probe.Enabled = false;
            }

            configure?.Invoke(o);
        });
        if (health is not null)
        {
            health(builder.Services.AddHealthChecks());
        }

        return builder.Build();
    }
}

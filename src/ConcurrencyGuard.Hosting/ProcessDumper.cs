using System;
using System.Globalization;
using System.IO;
using System.Threading;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Extensions.Logging;

namespace ConcurrencyGuard.Hosting;

/// <summary>Writes a dump of the own process through the runtime's diagnostics port.</summary>
internal interface IDumpWriter
{
    void Write(string path, DumpKind kind);
}

internal sealed class DiagnosticsClientDumpWriter : IDumpWriter
{
    public void Write(string path, DumpKind kind)
    {
        var client = new DiagnosticsClient(Environment.ProcessId);
        DumpType type = kind switch
        {
            DumpKind.Mini => DumpType.Normal,
            DumpKind.Triage => DumpType.Triage,
            DumpKind.Full => DumpType.Full,
            _ => DumpType.WithHeap,
        };
        client.WriteDump(type, path, logDumpGeneration: false);
    }
}

/// <summary>Rate-limited dump on sustained alarms. Dumps are written on a dedicated thread (a starved pool must not block them).</summary>
internal sealed class ProcessDumper
{
    private readonly DumpOptions _options;
    private readonly IDumpWriter _writer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private DateTimeOffset? _last;
    private int _written;
    private Thread? _thread;

    public ProcessDumper(DumpOptions options, IDumpWriter writer, TimeProvider time, ILogger logger)
    {
        _options = options;
        _writer = writer;
        _time = time;
        _logger = logger;
    }

    /// <summary>The thread writing the current dump, if any (tests join it).</summary>
    internal Thread? Thread => _thread;

    public void OnSustainedAlarm(ConcurrencyAlarm alarm)
    {
        if (!_options.Enabled || string.IsNullOrWhiteSpace(_options.Directory))
        {
            return;
        }

        string path;
        lock (_gate)
        {
            DateTimeOffset now = _time.GetUtcNow();
            if (_thread is { IsAlive: true })
            {
                Log.DumpSkipped(_logger, alarm.EpisodeId, "a dump is being written");
                return;
            }

            if (_written >= _options.MaxDumps)
            {
                Log.DumpSkipped(_logger, alarm.EpisodeId, $"the limit of {_options.MaxDumps} dump(s) per process was reached");
                return;
            }

            if (_last is DateTimeOffset last && now - last < _options.MinInterval)
            {
                Log.DumpSkipped(_logger, alarm.EpisodeId, $"the previous dump was written less than {_options.MinInterval} ago");
                return;
            }

            _last = now;
            _written++;
            string file = string.Create(
                CultureInfo.InvariantCulture,
                $"concurrencyguard-{Environment.ProcessId}-{now:yyyyMMdd-HHmmss}-{ConcurrencyMonitor.ProbeName(alarm.Probe)}.dmp");
            path = Path.Combine(_options.Directory!, file);
            _thread = new Thread(() => Write(path, alarm.EpisodeId))
            {
                IsBackground = true,
                Name = "ConcurrencyGuard dump",
            };
            _thread.Start();
        }
    }

    private void Write(string path, Guid episode)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            _writer.Write(path, _options.Type);
            Log.DumpWritten(_logger, path, episode);
        }
        catch (Exception e)
        {
            Log.DumpFailed(_logger, e, path);
        }
    }
}

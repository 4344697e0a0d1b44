using System;
using System.Globalization;
using System.IO;
using System.Threading;
using Microsoft.Extensions.Logging;

namespace ConcurrencyGuard.Hosting;

/// <summary>Writes a dump of the own process through the runtime's diagnostics port.</summary>
internal interface IDumpWriter
{
    void Write(string path, DumpKind kind, CancellationToken cancellationToken);
}

/// <summary>
/// The diagnostics-client writer. Only this class touches Microsoft.Diagnostics.NETCore.Client, and it
/// is created only when dumps are enabled, so apps without dumps never load that assembly.
/// </summary>
internal sealed class DiagnosticsClientDumpWriter : IDumpWriter
{
    public void Write(string path, DumpKind kind, CancellationToken cancellationToken)
        => DiagnosticsClientCalls.WriteDump(path, kind, cancellationToken);
}

/// <summary>Rate-limited dump on sustained alarms. Dumps are written on a dedicated thread (a starved pool must not block them).</summary>
internal sealed class ProcessDumper
{
    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly DumpOptions _options;
    private readonly Func<IDumpWriter> _writer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private DateTimeOffset? _last;
    private int _written;
    private Thread? _thread;
    private string? _writingPath;
    private DateTimeOffset _writingSince;

    public ProcessDumper(DumpOptions options, Func<IDumpWriter> writer, TimeProvider time, ILogger logger)
    {
        _options = options;
        _writer = writer;
        _time = time;
        _logger = logger;
    }

    /// <summary>The thread writing the current dump, if any (tests join it).</summary>
    internal Thread? Thread => _thread;

    /// <summary>Dumps written so far (failed and abandoned attempts excluded).</summary>
    internal int Written => Volatile.Read(ref _written);

    public void OnSustainedAlarm(ConcurrencyAlarm alarm)
    {
        if (!_options.Enabled || string.IsNullOrWhiteSpace(_options.Directory))
        {
            return;
        }

        lock (_gate)
        {
            DateTimeOffset now = _time.GetUtcNow();
            if (_thread is { IsAlive: true })
            {
                if (now - _writingSince < _options.WriteTimeout)
                {
                    Log.DumpSkipped(_logger, alarm.EpisodeId, "a dump is being written");
                    return;
                }

                // The write hangs: give up on it (a thread cannot be aborted) so it does not block every later dump.
                Log.DumpTimedOut(_logger, _writingPath!, _options.WriteTimeout);
                _thread = null;
            }

            if (Volatile.Read(ref _written) >= _options.MaxDumps)
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
            string file = string.Create(
                CultureInfo.InvariantCulture,
                $"concurrencyguard-{Environment.ProcessId}-{now:yyyyMMdd-HHmmss}-{ConcurrencyMonitor.ProbeName(alarm.Probe)}.dmp");
            string path = Path.Combine(_options.Directory!, file);
            _writingPath = path;
            _writingSince = now;
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
            string folder = Path.GetDirectoryName(path)!;
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(folder);
            }
            else
            {
                Directory.CreateDirectory(folder, OwnerOnlyFolder); // an existing folder keeps its mode
            }

            using (var timeout = new CancellationTokenSource(_options.WriteTimeout))
            {
                _writer().Write(path, _options.Type, timeout.Token);
            }

            if (!OperatingSystem.IsWindows() && File.Exists(path))
            {
                File.SetUnixFileMode(path, OwnerOnlyFile);
            }

            Interlocked.Increment(ref _written);
            Log.DumpWritten(_logger, path, episode);
        }
        catch (Exception e)
        {
            Log.DumpFailed(_logger, e, path);
        }
    }
}

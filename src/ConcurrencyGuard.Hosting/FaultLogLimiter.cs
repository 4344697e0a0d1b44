using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using ConcurrencyGuard;
using Microsoft.Extensions.Logging;

namespace ConcurrencyGuard.Hosting;

/// <summary>
/// Logs tracked task faults, at most <c>burst</c> in full per creation site and window; the rest are
/// counted and logged as one summary per site when the window ends. Each full log runs under an
/// activity parented to the trace context of the call that handed the task over, so log providers
/// that record the current trace join the fault to the request that started the work.
/// </summary>
internal sealed class FaultLogLimiter : IDisposable
{
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly int _burst;
    private readonly TimeSpan _window;
    private readonly Dictionary<TaskSite, SiteState> _sites = new();
    private readonly ITimer _timer;
    private int _disposed;

    public FaultLogLimiter(ILogger logger, TimeProvider time, int burst, TimeSpan window)
    {
        _logger = logger;
        _time = time;
        _burst = burst;
        _window = window;
        _timer = time.CreateTimer(static state => ((FaultLogLimiter)state!).Flush(), this, window, window);
    }

    public void OnFault(TaskFaultedEventArgs fault)
    {
        DateTimeOffset now = _time.GetUtcNow();
        SiteState? ended = null;
        bool log;
        lock (_sites)
        {
            if (!_sites.TryGetValue(fault.Site, out SiteState? state) || now - state.WindowStart >= _window)
            {
                ended = state;
                state = new SiteState(now);
                _sites[fault.Site] = state;
            }

            log = state.Logged < _burst;
            if (log)
            {
                state.Logged++;
            }
            else
            {
                state.Suppressed++;
                state.Last = fault.Exception;
            }
        }

        if (ended is { Suppressed: > 0 })
        {
            Summarize(fault.Site, ended);
        }

        if (log)
        {
            LogFull(fault);
        }
    }

    /// <summary>Logs the summaries of windows that ended and forgets quiet sites.</summary>
    public void Flush() => Flush(all: false);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _timer.Dispose();
            Flush(all: true);
        }
    }

    private void Flush(bool all)
    {
        DateTimeOffset now = _time.GetUtcNow();
        var ended = new List<(TaskSite Site, SiteState State)>();
        lock (_sites)
        {
            foreach (KeyValuePair<TaskSite, SiteState> pair in _sites)
            {
                if (all || now - pair.Value.WindowStart >= _window)
                {
                    ended.Add((pair.Key, pair.Value));
                }
            }

            foreach ((TaskSite site, _) in ended)
            {
                _sites.Remove(site);
            }
        }

        foreach ((TaskSite site, SiteState state) in ended)
        {
            if (state.Suppressed > 0)
            {
                Summarize(site, state);
            }
        }
    }

    private void Summarize(TaskSite site, SiteState state)
        => Log.TaskFaultsSuppressed(_logger, state.Suppressed, site.ToString(), _window, state.Last?.GetType().FullName ?? "?", state.Last?.Message ?? string.Empty);

    private void LogFull(TaskFaultedEventArgs fault)
    {
        Activity? activity = null;
        if (fault.TraceContext != default && Activity.Current?.TraceId != fault.TraceContext.TraceId)
        {
            activity = new Activity("ConcurrencyGuard.TaskFaulted").SetParentId(fault.TraceContext.TraceId, fault.TraceContext.SpanId, fault.TraceContext.TraceFlags);
            activity.Start();
        }

        try
        {
            Log.TaskFaulted(_logger, fault.Exception, fault.Name ?? "(unnamed)", fault.Site.ToString());
        }
        finally
        {
            activity?.Stop();
        }
    }

    private sealed class SiteState
    {
        public SiteState(DateTimeOffset windowStart) => WindowStart = windowStart;

        public DateTimeOffset WindowStart { get; }

        public int Logged { get; set; }

        public long Suppressed { get; set; }

        public Exception? Last { get; set; }
    }
}

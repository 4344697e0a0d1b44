using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyGuard;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ConcurrencyGuard.Hosting;

/// <summary>
/// Reports the monitor's alarm state, computed in the background, so it answers instantly even when
/// the thread pool is starved. Unhealthy alarms map to the registration's <c>FailureStatus</c>;
/// Degraded alarms to Degraded (or the failure status, if that is milder). Probe values go in the data.
/// </summary>
public sealed class ConcurrencyGuardHealthCheck : IHealthCheck
{
    private readonly ConcurrencyMonitor _monitor;

    /// <summary>Creates the check.</summary>
    /// <param name="monitor">The monitor whose state is reported.</param>
    public ConcurrencyGuardHealthCheck(ConcurrencyMonitor monitor) => _monitor = monitor;

    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ConcurrencySample? sample = _monitor.LastSample;
        IReadOnlyList<ConcurrencyAlarm> alarms = _monitor.ActiveAlarms;
        var data = new Dictionary<string, object>
        {
            ["status"] = _monitor.Status.ToString(),
            ["running"] = _monitor.IsRunning,
        };
        if (sample is not null)
        {
            data["sampled_at"] = sample.Timestamp.ToString("O", CultureInfo.InvariantCulture);
            foreach (KeyValuePair<ProbeKind, double> pair in sample.Values)
            {
                data[ConcurrencyMonitor.ProbeName(pair.Key)] = pair.Value;
            }
        }

        if (alarms.Count > 0)
        {
            data["alarms"] = alarms.Select(a => a.ToString()).ToArray();
            ConcurrencyAlarm? taskAlarm = alarms.FirstOrDefault(a => a.TopSites is not null);
            if (taskAlarm?.TopSites is { } sites)
            {
                data["top_sites"] = sites.Sites.Select(s => s.ToString().Trim()).ToArray();
            }
        }

        HealthStatus failure = context?.Registration?.FailureStatus ?? HealthStatus.Unhealthy;
        HealthStatus degraded = failure > HealthStatus.Degraded ? failure : HealthStatus.Degraded;
        if (_monitor.IsStalled)
        {
            // The state below is stale: the sampling thread is stuck or starved. Say so instead of repeating it.
            data["stalled"] = true;
            string last = sample is null ? "no sample yet" : "last sample at " + sample.Timestamp.ToString("O", CultureInfo.InvariantCulture);
            return Task.FromResult(new HealthCheckResult(
                degraded,
                $"The concurrency monitor stalled: {last}, more than three sample intervals ({_monitor.Options.SampleInterval}) ago.",
                null,
                data));
        }

        string description = alarms.Count == 0
            ? (_monitor.IsRunning ? "No concurrency alarm." : "The concurrency monitor is not running.")
            : string.Join("; ", alarms.Select(a => a.ToString()));
        HealthCheckResult result = _monitor.Status switch
        {
            ConcurrencyStatus.Unhealthy => new HealthCheckResult(failure, description, null, data),
            ConcurrencyStatus.Degraded => new HealthCheckResult(degraded, description, null, data),
            _ => HealthCheckResult.Healthy(description, data),
        };
        return Task.FromResult(result);
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using ConcurrencyGuard;
using ConcurrencyGuard.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the ConcurrencyGuard monitor.</summary>
public static class ConcurrencyGuardServiceCollectionExtensions
{
    /// <summary>
    /// Registers the concurrency monitor as a hosted service, with options bound from the
    /// <c>ConcurrencyGuard</c> configuration section (then <paramref name="configure"/>), validated at
    /// start; logging of alarms and task faults; the <c>ConcurrencyGuard</c> meter from <c>IMeterFactory</c>.
    /// Calling it again only adds the extra configuration.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Optional code configuration, applied after the configuration section.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddConcurrencyGuard(this IServiceCollection services, Action<ConcurrencyGuardOptions>? configure = null)
    {
        if (services is null)
        {
            throw new ArgumentNullException(nameof(services));
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        if (services.Contains(MarkerDescriptor))
        {
            return services;
        }

        services.Add(MarkerDescriptor);
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(TaskTracker.Default);
        services.TryAddSingleton<IDumpWriter, DiagnosticsClientDumpWriter>();
        services.AddOptions<ConcurrencyGuardOptions>().ValidateOnStart();
        services.Insert(0, ServiceDescriptor.Singleton<IConfigureOptions<ConcurrencyGuardOptions>>(sp => new ConfigureNamedOptions<ConcurrencyGuardOptions>(
            Options.Options.DefaultName,
            options => sp.GetService<IConfiguration>()?.GetSection(ConcurrencyGuardOptions.SectionName).Bind(options))));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConcurrencyGuardOptions>, ConcurrencyGuardOptionsValidator>());
        services.TryAddSingleton(sp =>
        {
            ConcurrencyGuardOptions options = sp.GetRequiredService<IOptions<ConcurrencyGuardOptions>>().Value;
            Meter meter = sp.GetRequiredService<IMeterFactory>().Create(MetricNames.MeterName);
            return new ConcurrencyMonitor(options.ToMonitorOptions(
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<TaskTracker>(),
                meter));
        });
        services.AddSingleton(sp => new ConcurrencyGuardHostedService(
            sp.GetRequiredService<ConcurrencyMonitor>(),
            sp.GetRequiredService<IOptions<ConcurrencyGuardOptions>>(),
            sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
            sp.GetRequiredService<TimeProvider>(),
            () => sp.GetRequiredService<IDumpWriter>())); // resolved at the first dump only
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<ConcurrencyGuardHostedService>());
        return services;
    }

    /// <summary>
    /// Adds a health check reporting the concurrency monitor's alarm state (Healthy, Degraded, or the
    /// registration's failure status for Unhealthy), answered instantly from the background state.
    /// Registers the monitor too if <see cref="AddConcurrencyGuard(IServiceCollection, Action{ConcurrencyGuardOptions}?)"/> was not called.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name (default <c>concurrencyguard</c>).</param>
    /// <param name="failureStatus">Reported when the monitor is Unhealthy; <see langword="null"/> means Unhealthy. Use Degraded for liveness probes.</param>
    /// <param name="tags">Tags for filtering (for example <c>ready</c>).</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddConcurrencyGuard(
        this IHealthChecksBuilder builder,
        string name = "concurrencyguard",
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
    {
        if (builder is null)
        {
            throw new ArgumentNullException(nameof(builder));
        }

        builder.Services.AddConcurrencyGuard();
        return builder.AddCheck<ConcurrencyGuardHealthCheck>(name, failureStatus, tags ?? Array.Empty<string>());
    }

    private static readonly ServiceDescriptor MarkerDescriptor = ServiceDescriptor.Singleton<ConcurrencyGuardMarker, ConcurrencyGuardMarker>();

    private sealed class ConcurrencyGuardMarker
    {
    }
}

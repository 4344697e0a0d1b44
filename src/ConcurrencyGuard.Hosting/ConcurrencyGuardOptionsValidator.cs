using System;
using System.Collections.Generic;
using ConcurrencyGuard;
using Microsoft.Extensions.Options;

namespace ConcurrencyGuard.Hosting;

/// <summary>Validates <see cref="ConcurrencyGuardOptions"/> at start: negative levels, Unhealthy below Degraded, zero intervals and missing dump folders fail with a clear message.</summary>
public sealed class ConcurrencyGuardOptionsValidator : IValidateOptions<ConcurrencyGuardOptions>
{
    /// <summary>Validates the options.</summary>
    /// <param name="name">The options name.</param>
    /// <param name="options">The options.</param>
    /// <returns>Success, or failure listing every problem with its configuration key.</returns>
    public ValidateOptionsResult Validate(string? name, ConcurrencyGuardOptions options)
    {
        if (options is null)
        {
            return ValidateOptionsResult.Fail("ConcurrencyGuard options are missing.");
        }

        var monitor = options.ToMonitorOptions(TimeProvider.System, TaskTracker.Default, null);
        var errors = new List<string>();
        foreach (string error in monitor.GetValidationErrors())
        {
            errors.Add($"{ConcurrencyGuardOptions.SectionName}:{error}");
        }

        if (options.TaskFaultLogBurst < 1)
        {
            errors.Add($"{ConcurrencyGuardOptions.SectionName}:TaskFaultLogBurst must be at least 1 (was {options.TaskFaultLogBurst}).");
        }

        if (options.TaskFaultLogWindow <= TimeSpan.Zero || options.TaskFaultLogWindow > ConcurrencyMonitorOptions.MaxSampleInterval)
        {
            errors.Add($"{ConcurrencyGuardOptions.SectionName}:TaskFaultLogWindow must be positive and at most {ConcurrencyMonitorOptions.MaxSampleInterval} (was {options.TaskFaultLogWindow}).");
        }

        DumpOptions? dump = options.Dump;
        if (dump is null)
        {
            errors.Add($"{ConcurrencyGuardOptions.SectionName}:Dump must not be null.");
        }
        else
        {
            if (dump.Enabled && string.IsNullOrWhiteSpace(dump.Directory))
            {
                errors.Add($"{ConcurrencyGuardOptions.SectionName}:Dump.Directory is required when Dump.Enabled is true.");
            }

            if (dump.MinInterval < TimeSpan.Zero)
            {
                errors.Add($"{ConcurrencyGuardOptions.SectionName}:Dump.MinInterval must not be negative (was {dump.MinInterval}).");
            }

            if (dump.MaxDumps < 0)
            {
                errors.Add($"{ConcurrencyGuardOptions.SectionName}:Dump.MaxDumps must not be negative (was {dump.MaxDumps}).");
            }

            if (dump.WriteTimeout <= TimeSpan.Zero || dump.WriteTimeout > ConcurrencyMonitorOptions.MaxSampleInterval)
            {
                errors.Add($"{ConcurrencyGuardOptions.SectionName}:Dump.WriteTimeout must be positive and at most {ConcurrencyMonitorOptions.MaxSampleInterval} (was {dump.WriteTimeout}).");
            }

            if (!Enum.IsDefined(dump.Type))
            {
                errors.Add($"{ConcurrencyGuardOptions.SectionName}:Dump.Type is not a known dump kind (was {dump.Type}).");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

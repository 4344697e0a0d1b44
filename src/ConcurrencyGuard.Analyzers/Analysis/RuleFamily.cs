using System;

namespace ConcurrencyGuard.Analyzers;

/// <summary>The six families of the catalog; the thousands digit of a rule ID.</summary>
public enum RuleFamily
{
    TaskLifetime = 1,
    CancellationFlow = 2,
    HttpAndSockets = 3,
    ChannelsAndQueues = 4,
    ClosureCapture = 5,
    BlockingAndStarvation = 6,
}

internal static class RuleFamilyExtensions
{
    public static RuleFamily FromId(string id)
    {
        if (id.Length != 6 || !id.StartsWith("CG", StringComparison.Ordinal) || id[2] < '1' || id[2] > '6')
        {
            throw new ArgumentException("Rule IDs look like CG1001, with the family (1-6) as first digit.", nameof(id));
        }

        return (RuleFamily)(id[2] - '0');
    }

    /// <summary>Diagnostic category, shown in the IDE and usable in .editorconfig category settings.</summary>
    public static string Category(this RuleFamily family) => family switch
    {
        RuleFamily.TaskLifetime => "ConcurrencyGuard.TaskLifetime",
        RuleFamily.CancellationFlow => "ConcurrencyGuard.CancellationFlow",
        RuleFamily.HttpAndSockets => "ConcurrencyGuard.HttpAndSockets",
        RuleFamily.ChannelsAndQueues => "ConcurrencyGuard.ChannelsAndQueues",
        RuleFamily.ClosureCapture => "ConcurrencyGuard.ClosureCapture",
        RuleFamily.BlockingAndStarvation => "ConcurrencyGuard.BlockingAndStarvation",
        _ => "ConcurrencyGuard",
    };
}

namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// Builds descriptors the same way for every rule: category from the family digit, help link to the
/// rule's docs page, and the custom tags that let the catalog tests and presets find them.
/// </summary>
public static class RuleDescriptors
{
    public const string HelpLinkBase = "https://github.com/concurrencyguard/concurrencyguard/blob/main/docs/rules/";

    public static string HelpLink(string id) => HelpLinkBase + id + ".md";

    /// <param name="id">One of <see cref="RuleIdentifiers"/>.</param>
    /// <param name="severity">Severity of the <c>recommended</c> preset; the globalconfig presets restate it.</param>
    public static DiagnosticDescriptor Create(
        string id,
        string title,
        string messageFormat,
        DiagnosticSeverity severity,
        string description,
        bool enabledByDefault = true)
    {
        return new DiagnosticDescriptor(
            id,
            title,
            messageFormat,
            RuleFamilyExtensions.FromId(id).Category(),
            severity,
            enabledByDefault,
            description,
            HelpLink(id),
            WellKnownDiagnosticTags.Telemetry);
    }
}

using System.Reflection;
using System.Text.RegularExpressions;
using ConcurrencyGuard.Analyzers.Baseline;
using ConcurrencyGuard.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace ConcurrencyGuard.Analyzers.Tests.Catalog;

/// <summary>
/// The rule catalog cannot drift: every descriptor has its docs page, help link, release-tracking
/// line, README row, preset entries and CI id; nothing documented lacks a rule.
/// </summary>
public class CatalogTests
{
    public static TheoryData<string> RuleIds()
    {
        var data = new TheoryData<string>();
        foreach (var d in Repo.Descriptors)
        {
            data.Add(d.Id);
        }

        return data;
    }

    private static DiagnosticDescriptor Descriptor(string id) => Repo.Descriptors.Single(d => d.Id == id);

    [Fact]
    public void Analyzers_are_found() => Assert.NotEmpty(Repo.Descriptors);

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void Id_matches_family_and_category(string id)
    {
        Assert.Matches("^CG[1-6][0-9]{3}$", id);
        var family = RuleFamilyExtensions.FromId(id);
        Assert.Equal(family.Category(), Descriptor(id).Category);
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void Has_docs_page_and_help_link_to_it(string id)
    {
        var page = Repo.PathOf("docs", "rules", id + ".md");
        Assert.True(File.Exists(page), $"missing {page}");
        Assert.StartsWith("# " + id + ":", File.ReadAllLines(page)[0]);
        Assert.Equal(RuleDescriptors.HelpLink(id), Descriptor(id).HelpLinkUri);
        Assert.EndsWith("/docs/rules/" + id + ".md", Descriptor(id).HelpLinkUri);
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void Has_release_tracking_entry(string id)
    {
        var text = File.ReadAllText(Repo.PathOf("src", "ConcurrencyGuard.Analyzers", "AnalyzerReleases.Unshipped.md"))
            + File.ReadAllText(Repo.PathOf("src", "ConcurrencyGuard.Analyzers", "AnalyzerReleases.Shipped.md"));
        var d = Descriptor(id);
        Assert.Matches(new Regex($@"^{id}\s*\|\s*{Regex.Escape(d.Category)}\s*\|\s*{d.DefaultSeverity}\s*\|", RegexOptions.Multiline), text);
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void Has_readme_row_with_matching_severity(string id)
    {
        var readme = File.ReadAllText(Repo.PathOf("README.md"));
        var row = Regex.Match(readme, $@"^\| \[{id}\]\(docs/rules/{id}\.md\) \|(?<rest>.*)$", RegexOptions.Multiline);
        Assert.True(row.Success, $"README.md has no rule-table row for {id}");
        Assert.Contains(SeverityWord(Descriptor(id).DefaultSeverity) + " / ", row.Groups["rest"].Value);
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void Presets_cover_the_rule(string id)
    {
        var d = Descriptor(id);
        Assert.Equal(SeverityWord(d.DefaultSeverity), PresetSeverity("recommended", id));
        Assert.Equal(d.DefaultSeverity == DiagnosticSeverity.Warning ? "error" : "warning", PresetSeverity("strict", id));
        Assert.Equal("none", PresetSeverity("none", id));
    }

    [Fact]
    public void Ci_targets_list_every_rule_and_nothing_else()
    {
        var targets = File.ReadAllText(Repo.PathOf("nuget", "buildTransitive", "ConcurrencyGuard.Analyzers.targets"));
        var listed = Regex.Matches(targets, @"<ConcurrencyGuardRuleIds>\$\(ConcurrencyGuardRuleIds\);(?<id>CG\d{4})</ConcurrencyGuardRuleIds>")
            .Select(m => m.Groups["id"].Value).Order(StringComparer.Ordinal);
        Assert.Equal(Repo.Descriptors.Select(d => d.Id), listed);

        // Any other form (a plain list) would reset the property that the appended lines build.
        var all = Regex.Matches(targets, "<ConcurrencyGuardRuleIds>").Count;
        Assert.Equal(listed.Count(), all);
    }

    // The per-rule lists are merged by hand (no union merge): a checked order shows where a new line goes and
    // catches a merge that scrambles them.
    [Theory]
    [InlineData("src/ConcurrencyGuard.Analyzers/Analysis/RuleIdentifiers.cs")]
    [InlineData("src/ConcurrencyGuard.Analyzers/AnalyzerReleases.Unshipped.md")]
    [InlineData("nuget/buildTransitive/ConcurrencyGuard.Analyzers.targets")]
    [InlineData("nuget/buildTransitive/presets/none.globalconfig")]
    [InlineData("nuget/buildTransitive/presets/recommended.globalconfig")]
    [InlineData("nuget/buildTransitive/presets/strict.globalconfig")]
    public void Rule_lists_are_in_id_order(string path)
    {
        // The hazard rules (families 1-6); the product's own IDs (CG0xxx, the baseline) sit apart.
        var ids = Regex.Matches(File.ReadAllText(Repo.PathOf(path.Split('/'))), @"CG[1-9]\d{3}").Select(m => m.Value).ToList();
        Assert.NotEmpty(ids);
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
    }

    [Fact]
    public void Identifier_constants_sit_under_their_family_comment()
    {
        var family = -1;
        foreach (var line in File.ReadAllLines(Repo.PathOf("src", "ConcurrencyGuard.Analyzers", "Analysis", "RuleIdentifiers.cs")))
        {
            if (Regex.Match(line, @"^\s*// Family (?<n>\d):") is { Success: true } comment)
            {
                family = int.Parse(comment.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (Regex.Match(line, "\"CG(?<n>\\d)\\d{3}\"") is { Success: true } id)
            {
                Assert.True(family.ToString(System.Globalization.CultureInfo.InvariantCulture) == id.Groups["n"].Value, $"'{line.Trim()}' sits under the family {family} comment");
            }
        }
    }

    // Suggestions do not print in `dotnet build` output: the showcase raises each one, so the README's first
    // command lists every rule (a rule demoted to suggestion would silently vanish from it otherwise).
    [Fact]
    public void Showcase_raises_every_suggestion_level_rule_to_warning()
    {
        var preset = File.ReadAllText(Repo.PathOf("nuget", "buildTransitive", "presets", "recommended.globalconfig"));
        var suggestions = Regex.Matches(preset, @"^dotnet_diagnostic\.(?<id>CG[1-9]\d{3})\.severity = suggestion", RegexOptions.Multiline).Select(m => m.Groups["id"].Value).ToList();
        Assert.NotEmpty(suggestions);
        var showcase = File.ReadAllText(Repo.PathOf("samples", "HazardShowcase", ".editorconfig"));
        Assert.All(suggestions, id => Assert.Matches(new Regex($@"^dotnet_diagnostic\.{id}\.severity = warning", RegexOptions.Multiline), showcase));
    }

    [Fact]
    public void No_docs_page_without_a_rule()
    {
        var pages = Directory.GetFiles(Repo.PathOf("docs", "rules"), "CG*.md").Select(Path.GetFileNameWithoutExtension);
        Assert.Empty(pages.Except(Repo.Descriptors.Concat(Repo.BaselineDescriptors).Select(d => d.Id)));
    }

    [Fact]
    public void No_readme_row_without_a_rule()
    {
        var readme = File.ReadAllText(Repo.PathOf("README.md"));
        var rows = Regex.Matches(readme, @"^\| \[(?<id>CG\d{4})\]", RegexOptions.Multiline).Select(m => m.Groups["id"].Value);
        Assert.Empty(rows.Except(Repo.Descriptors.Concat(Repo.BaselineDescriptors).Select(d => d.Id)));
    }

    [Fact]
    public void Every_identifier_constant_has_a_rule()
    {
        var constants = typeof(RuleIdentifiers).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!);
        var reported = Repo.Descriptors.Concat(Repo.BaselineDescriptors).Select(d => d.Id).Where(id => id != BaselineAnalyzer.IndexId);
        Assert.Equal(constants.Order(StringComparer.Ordinal), reported.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Baseline_diagnostics_are_tracked_configured_and_documented()
    {
        var stale = Repo.BaselineDescriptors.Single(d => d.Id == RuleIdentifiers.StaleBaselineEntry);
        var index = Repo.BaselineDescriptors.Single(d => d.Id == BaselineAnalyzer.IndexId);
        Assert.Equal(2, Repo.BaselineDescriptors.Count);

        var releases = File.ReadAllText(Repo.PathOf("src", "ConcurrencyGuard.Analyzers", "AnalyzerReleases.Unshipped.md"));
        foreach (var d in Repo.BaselineDescriptors)
        {
            Assert.Matches(new Regex($@"^{d.Id}\s*\|\s*{Regex.Escape(d.Category)}\s*\|\s*{d.DefaultSeverity}\s*\|", RegexOptions.Multiline), releases);
        }

        // CG0001 follows the presets like a rule; the index is internal and cannot be configured away.
        Assert.Equal(DiagnosticSeverity.Warning, stale.DefaultSeverity);
        Assert.Equal("warning", PresetSeverity("recommended", stale.Id));
        Assert.Equal("error", PresetSeverity("strict", stale.Id));
        Assert.Equal("none", PresetSeverity("none", stale.Id));
        Assert.Contains(WellKnownDiagnosticTags.NotConfigurable, index.CustomTags);
        Assert.Null(PresetSeverity("recommended", index.Id));

        var page = File.ReadAllText(Repo.PathOf("docs", "baseline.md"));
        Assert.Equal(BaselineAnalyzer.HelpLink, stale.HelpLinkUri);
        Assert.EndsWith("/docs/baseline.md", stale.HelpLinkUri);
        Assert.Contains("CG0001", page);
        Assert.Contains(stale.Title.ToString(), page);
        Assert.Contains("docs/baseline.md", File.ReadAllText(Repo.PathOf("README.md")));
        foreach (var d in Repo.BaselineDescriptors)
        {
            Assert.StartsWith("# " + d.Id + ":", File.ReadAllLines(Repo.PathOf("docs", "rules", d.Id + ".md"))[0]);
            Assert.Matches(new Regex($@"^\| \[{d.Id}\]\(docs/rules/{d.Id}\.md\) \|", RegexOptions.Multiline), File.ReadAllText(Repo.PathOf("README.md")));
        }
    }

    [Fact]
    public void Every_fixer_fixes_known_rules_and_every_fix_yes_row_has_a_fixer()
    {
        var ids = Repo.Descriptors.Select(d => d.Id).ToHashSet();
        var fixable = Repo.Fixers.SelectMany(f => f.FixableDiagnosticIds).ToHashSet();
        Assert.All(fixable, id => Assert.True(ids.Contains(id) || id.StartsWith("CS", StringComparison.Ordinal), $"fixer for unknown id {id}"));

        var readme = File.ReadAllText(Repo.PathOf("README.md"));
        foreach (Match row in Regex.Matches(readme, @"^\| \[(?<id>CG\d{4})\].*\| (?<fix>yes|no) \|\s*$", RegexOptions.Multiline))
        {
            var id = row.Groups["id"].Value;
            Assert.Equal(row.Groups["fix"].Value == "yes", fixable.Contains(id));
        }
    }

    [Fact]
    public void Every_fixer_supports_fix_all() =>
        Assert.All(Repo.Fixers, f => Assert.NotNull(f.GetFixAllProvider()));

    [Fact]
    public void Analyzers_are_sealed_named_and_in_their_family_folder()
    {
        var folders = new Dictionary<RuleFamily, string>
        {
            [RuleFamily.TaskLifetime] = "Tasks",
            [RuleFamily.CancellationFlow] = "Cancellation",
            [RuleFamily.HttpAndSockets] = "Http",
            [RuleFamily.ChannelsAndQueues] = "Channels",
            [RuleFamily.ClosureCapture] = "Closures",
            [RuleFamily.BlockingAndStarvation] = "Blocking",
        };
        foreach (var analyzer in Repo.Analyzers.Where(a => a.GetType().Namespace != typeof(BaselineAnalyzer).Namespace))
        {
            var type = analyzer.GetType();
            Assert.True(type.IsSealed, type.Name + " should be sealed");
            Assert.EndsWith("Analyzer", type.Name);
            foreach (var d in analyzer.SupportedDiagnostics)
            {
                Assert.Equal("ConcurrencyGuard.Analyzers." + folders[RuleFamilyExtensions.FromId(d.Id)], type.Namespace);
            }
        }
    }

    private static string SeverityWord(DiagnosticSeverity severity) => severity switch
    {
        DiagnosticSeverity.Error => "error",
        DiagnosticSeverity.Warning => "warning",
        DiagnosticSeverity.Info => "suggestion",
        _ => "silent",
    };

    private static string? PresetSeverity(string preset, string id)
    {
        var text = File.ReadAllText(Repo.PathOf("nuget", "buildTransitive", "presets", preset + ".globalconfig"));
        var m = Regex.Match(text, $@"^dotnet_diagnostic\.{id}\.severity\s*=\s*(?<s>\w+)\s*$", RegexOptions.Multiline);
        return m.Success ? m.Groups["s"].Value : null;
    }
}

using System.IO.Compression;
using System.Text.RegularExpressions;
using ConcurrencyGuard.Analyzers.Tests.Infrastructure;

namespace ConcurrencyGuard.Analyzers.Tests.Package;

/// <summary>
/// Packs the real nupkg, installs it in a throw-away consumer project (its own package folder, so no
/// stale cache), and builds that consumer the ways users do: plain, in CI, with the CI opt-out, with
/// the presets, and with an .editorconfig override.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class PackageIntegrationTests : IClassFixture<PackageIntegrationTests.Consumer>
{
    private readonly Consumer _consumer;

    public PackageIntegrationTests(Consumer consumer) => _consumer = consumer;

    [Fact]
    public void Package_has_both_assemblies_presets_and_build_transitive_files()
    {
        using var zip = ZipFile.OpenRead(_consumer.PackagePath);
        var entries = zip.Entries.Select(e => e.FullName.Replace('\\', '/')).ToHashSet();
        Assert.Contains("analyzers/dotnet/cs/ConcurrencyGuard.Analyzers.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/ConcurrencyGuard.CodeFixes.dll", entries);
        Assert.Contains("buildTransitive/ConcurrencyGuard.Analyzers.props", entries);
        Assert.Contains("buildTransitive/ConcurrencyGuard.Analyzers.targets", entries);
        Assert.Contains("tasks/netstandard2.0/ConcurrencyGuard.Build.dll", entries);
        foreach (var preset in new[] { "recommended", "strict", "none" })
        {
            Assert.Contains($"buildTransitive/presets/{preset}.globalconfig", entries);
        }

        Assert.Contains("README.md", entries);
        var nuspec = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open()).ReadToEnd();
        Assert.Contains("<developmentDependency>true</developmentDependency>", nuspec);
        Assert.Contains("<license type=\"expression\">MIT</license>", nuspec);
        Assert.Contains("<repository type=\"git\"", nuspec);
        Assert.Contains("<readme>README.md</readme>", nuspec);
    }

    [Fact]
    public void Plain_build_reports_rules_as_warnings()
    {
        var result = _consumer.Build();
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(Warning("CG1004"), result.Output);
        Assert.Matches(Warning("CG2004"), result.Output);
    }

    [Fact]
    public void Ci_build_fails_with_rules_as_errors()
    {
        var result = _consumer.Build(environment: new Dictionary<string, string> { ["CI"] = "true" });
        Assert.NotEqual(0, result.ExitCode);
        Assert.Matches(Error("CG1004"), result.Output);
        Assert.Matches(Error("CG2004"), result.Output);
    }

    [Theory]
    [InlineData("TF_BUILD", "True")]
    [InlineData("GITHUB_ACTIONS", "true")]
    public void Other_ci_variables_are_recognised(string variable, string value)
    {
        var result = _consumer.Build(environment: new Dictionary<string, string> { [variable] = value });
        Assert.NotEqual(0, result.ExitCode);
        Assert.Matches(Error("CG1004"), result.Output);
    }

    [Fact]
    public void ContinuousIntegrationBuild_property_turns_warnings_into_errors()
    {
        var result = _consumer.Build("-p:ContinuousIntegrationBuild=true");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Matches(Error("CG1004"), result.Output);
    }

    [Fact]
    public void Ci_opt_out_keeps_warnings()
    {
        var result = _consumer.Build("-p:ConcurrencyGuardErrorsInCI=false", new Dictionary<string, string> { ["CI"] = "true" });
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(Warning("CG1004"), result.Output);
        Assert.DoesNotMatch(Error("CG1004"), result.Output);
    }

    [Fact]
    public void Level_none_turns_every_rule_off()
    {
        var result = _consumer.Build("-p:ConcurrencyGuardLevel=none", new Dictionary<string, string> { ["CI"] = "true" });
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("CG1004", result.Output);
        Assert.DoesNotContain("CG2004", result.Output);
    }

    [Fact]
    public void Level_strict_reports_errors_without_ci()
    {
        var result = _consumer.Build("-p:ConcurrencyGuardLevel=strict");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Matches(Error("CG1004"), result.Output);
    }

    [Fact]
    public void Editorconfig_override_wins_over_preset_and_ci()
    {
        var result = _consumer.Build(environment: new Dictionary<string, string> { ["CI"] = "true" }, editorConfig: "dotnet_diagnostic.CG1004.severity = none\n");
        Assert.DoesNotContain("CG1004", result.Output);
        Assert.Matches(Error("CG2004"), result.Output);
    }

    [Fact]
    public void Ci_keeps_a_suggestion_level_rule_a_suggestion()
    {
        var copy = _consumer.NewCopy();
        var result = _consumer.BuildIn(copy, environment: Ci);
        Assert.DoesNotMatch(Error("CG2005"), result.Output);
        Assert.DoesNotMatch(Warning("CG2005"), result.Output);

        // Not vacuous: the compiler did report CG2005, as a suggestion (SARIF "note").
        var log = Sarif(copy);
        Assert.Contains(log, r => r.RuleId == "CG2005" && r.Level == "note");
        Assert.Matches(Error("CG1004"), result.Output);
    }

    [Fact]
    public void Ci_keeps_a_rule_set_to_suggestion_in_editorconfig_a_suggestion()
    {
        var result = _consumer.Build(environment: Ci, editorConfig: "dotnet_diagnostic.CG2004.severity = suggestion\n");
        Assert.DoesNotMatch(Error("CG2004"), result.Output);
        Assert.DoesNotMatch(Warning("CG2004"), result.Output);
        Assert.Matches(Error("CG1004"), result.Output);
    }

    [Fact]
    public void Ci_makes_a_suggestion_rule_raised_to_warning_in_editorconfig_an_error()
    {
        var result = _consumer.Build(environment: Ci, editorConfig: "dotnet_diagnostic.CG2005.severity = warning\n");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Matches(Error("CG2005"), result.Output);
        Assert.DoesNotMatch(Warning("CG2005"), result.Output);
    }

    /// <summary>
    /// Adoption on an existing code base (docs/baseline.md), step by step on one consumer: CI fails,
    /// the baseline is written, CI passes and keeps passing through unrelated edits, a new hazard fails
    /// it with exactly that finding, and a fixed one leaves a stale entry (CG0001) until the update.
    /// </summary>
    [Fact]
    public void Baseline_lets_ci_fail_on_new_hazards_only()
    {
        var copy = _consumer.NewCopy();
        var source = Path.Combine(copy, "OrderService.cs");
        var baselineFile = Path.Combine(copy, "concurrencyguard.baseline.json");

        var first = _consumer.BuildIn(copy, environment: Ci);
        Assert.NotEqual(0, first.ExitCode);
        Assert.True(Errors(first).Select(e => e.Id).SequenceEqual(new[] { "CG1004", "CG1004", "CG2004" }), first.ToString());

        var update = _consumer.BuildIn(copy, "-p:ConcurrencyGuardUpdateBaseline=true", Ci);
        Assert.True(update.ExitCode == 0, update.ToString());
        var baseline = File.ReadAllText(baselineFile);
        Assert.DoesNotContain(copy, baseline, StringComparison.Ordinal);
        Assert.Matches(new Regex("""\{ "rule": "CG1004", "file": "OrderService.cs", "member": "OrderService.Place\(\)", "code": "[^"]+", "count": 1 \}"""), baseline);
        Assert.Contains("\"member\": \"OrderService.Ship()\"", baseline, StringComparison.Ordinal);
        Assert.Contains("\"rule\": \"CG2004\"", baseline, StringComparison.Ordinal);
        Assert.Contains("\"rule\": \"CG2005\"", baseline, StringComparison.Ordinal);

        AssertPasses(_consumer.BuildIn(copy, environment: Ci));
        var suppressed = Sarif(copy).Where(r => r.RuleId == "CG1004").ToList();
        Assert.Equal(2, suppressed.Count);
        Assert.All(suppressed, r => Assert.Contains("Suppression Justification: baseline", r.Suppression, StringComparison.Ordinal));
        AssertPasses(_consumer.BuildIn(copy, "-p:ConcurrencyGuardLevel=strict", Ci));

        // Unrelated edits: ten blank lines on top, the flagged statement reformatted.
        var original = File.ReadAllText(source);
        var shifted = new string('\n', 10) + original.Replace("public void Place() => _orders.ForEach(async o => await Task.Delay(o));", "public void Place() =>\n        _orders.ForEach(async  o =>  await Task.Delay(o));", StringComparison.Ordinal);
        Assert.NotEqual(original, shifted[10..]);
        File.WriteAllText(source, shifted);
        AssertPasses(_consumer.BuildIn(copy, environment: Ci));

        // A new hazard in a new member fails CI with exactly that finding.
        File.WriteAllText(source, shifted.Replace("    public void Ship()", "    public void Pack() => _orders.ForEach(async o => await Task.Delay(o));\n\n    public void Ship()", StringComparison.Ordinal));
        var newMember = _consumer.BuildIn(copy, environment: Ci);
        Assert.NotEqual(0, newMember.ExitCode);
        var error = Assert.Single(Errors(newMember));
        Assert.Equal("CG1004", error.Id);
        Assert.Contains("Pack()", File.ReadAllLines(source)[error.Line - 1], StringComparison.Ordinal);

        // A second identical finding in a member that had one is new too.
        File.WriteAllText(source, shifted.Replace("        _orders.ForEach(async o => await Task.Delay(o));\n", "        _orders.ForEach(async o => await Task.Delay(o));\n        _orders.ForEach(async o => await Task.Delay(o));\n", StringComparison.Ordinal));
        var second = _consumer.BuildIn(copy, environment: Ci);
        Assert.NotEqual(0, second.ExitCode);
        error = Assert.Single(Errors(second));
        Assert.Equal("CG1004", error.Id);
        var lines = File.ReadAllLines(source);
        Assert.Equal("_orders.ForEach(async o => await Task.Delay(o));", lines[error.Line - 1].Trim());
        Assert.Equal("_orders.ForEach(async o => await Task.Delay(o));", lines[error.Line - 2].Trim());

        // Fixing a baselined hazard leaves its entry stale: CG0001, an error in CI, until the update.
        File.WriteAllText(source, shifted.Replace("var source = new CancellationTokenSource();", "using var source = new CancellationTokenSource();", StringComparison.Ordinal));
        var stale = _consumer.BuildIn(copy, environment: Ci);
        Assert.NotEqual(0, stale.ExitCode);
        error = Assert.Single(Errors(stale));
        Assert.Equal("CG0001", error.Id);
        Assert.EndsWith("concurrencyguard.baseline.json", error.File, StringComparison.Ordinal);
        Assert.Contains("\"rule\": \"CG2004\"", File.ReadAllLines(baselineFile)[error.Line - 1], StringComparison.Ordinal);
        var local = _consumer.BuildIn(copy, "--no-incremental");
        Assert.Equal(0, local.ExitCode);
        Assert.Matches(Warning("CG0001"), local.Output);
        AssertPasses(_consumer.BuildIn(copy, "-p:ConcurrencyGuardLevel=none", Ci));

        Assert.Equal(0, _consumer.BuildIn(copy, "-p:ConcurrencyGuardUpdateBaseline=true").ExitCode);
        Assert.DoesNotContain("CG2004", File.ReadAllText(baselineFile), StringComparison.Ordinal);
        AssertPasses(_consumer.BuildIn(copy, environment: Ci));
    }

    [Fact]
    public void Baseline_path_follows_ConcurrencyGuardBaselineFile()
    {
        var copy = _consumer.NewCopy();
        var update = _consumer.BuildIn(copy, "-p:ConcurrencyGuardUpdateBaseline=true -p:ConcurrencyGuardBaselineFile=build/cg.json");
        Assert.True(update.ExitCode == 0, update.ToString());
        Assert.True(File.Exists(Path.Combine(copy, "build", "cg.json")), update.ToString());
        Assert.False(File.Exists(Path.Combine(copy, "concurrencyguard.baseline.json")));
        AssertPasses(_consumer.BuildIn(copy, "-p:ConcurrencyGuardBaselineFile=build/cg.json", Ci));
        Assert.NotEqual(0, _consumer.BuildIn(copy, environment: Ci).ExitCode);
    }

    private static readonly Dictionary<string, string> Ci = new() { ["CI"] = "true" };

    private static void AssertPasses(DotNet.Result result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(Errors(result));
        Assert.DoesNotMatch(new Regex(@"warning CG\d{4}:"), result.Output);
    }

    /// <summary>The distinct ConcurrencyGuard errors of a build (MSBuild repeats each in its summary), in file order.</summary>
    private static List<(string File, int Line, string Id)> Errors(DotNet.Result result) =>
        Regex.Matches(result.Output, @"^[ \t]*(?<file>[^\s(][^(\r\n]*)\((?<line>\d+)[^)\r\n]*\): error (?<id>CG\d{4}):", RegexOptions.Multiline)
            .Select(m => (File: m.Groups["file"].Value.Trim(), Line: int.Parse(m.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture), Id: m.Groups["id"].Value))
            .Distinct()
            .OrderBy(e => e.File, StringComparer.Ordinal).ThenBy(e => e.Line)
            .ToList();

    /// <summary>The ConcurrencyGuard results of the SARIF log the package has the compiler write in CI and update builds.</summary>
    private static List<(string RuleId, string Level, string Suppression)> Sarif(string copy)
    {
        var log = Directory.GetFiles(Path.Combine(copy, "obj"), "concurrencyguard.sarif", SearchOption.AllDirectories).Single();
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(log));
        return document.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray()
            .Where(r => r.GetProperty("ruleId").GetString()!.StartsWith("CG", StringComparison.Ordinal))
            .Select(r => (
                r.GetProperty("ruleId").GetString()!,
                r.TryGetProperty("level", out var level) ? level.GetString()! : "warning",
                r.TryGetProperty("suppressions", out var s) ? s.ToString() : string.Empty))
            .ToList();
    }

    private static Regex Warning(string id) => new($@"warning {id}:");

    private static Regex Error(string id) => new($@"error {id}:");

    /// <summary>Packs once per test run and restores the consumer once; each test builds a copy of it.</summary>
    public sealed class Consumer : IDisposable
    {
        public const string Source = """
            using System;
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;

            public class OrderService
            {
                private readonly List<int> _orders = new() { 1 };

                public void Place() => _orders.ForEach(async o => await Task.Delay(o));

                public void Ship()
                {
                    _orders.ForEach(async o => await Task.Delay(o));
                }

                public void Refresh()
                {
                    var source = new CancellationTokenSource();
                    source.Cancel();
                }
            }
            """;

        /// <summary>CG2005, a suggestion in the recommended preset.</summary>
        private const string Api = """
            using System;
            using System.Net.Http;
            using System.Threading.Tasks;

            public class Api
            {
                private readonly HttpClient _http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };

                public async Task<string> LoadAsync(string id) => await _http.GetStringAsync("orders/" + id);
            }
            """;

        private readonly string _root;
        private int _copies;

        public Consumer()
        {
            _root = Path.Combine(Path.GetTempPath(), "cg-consumer-" + Guid.NewGuid().ToString("N")[..8]);
            var feed = Path.Combine(_root, "feed");
            Directory.CreateDirectory(feed);

#if DEBUG
            const string configuration = "Debug";
#else
            const string configuration = "Release";
#endif
            var pack = DotNet.Run(Repo.Root, $"pack nuget/ConcurrencyGuard.Analyzers.Package.csproj -c {configuration} --no-build -o \"{feed}\"");
            if (pack.ExitCode != 0)
            {
                throw new InvalidOperationException("pack failed: " + pack);
            }

            PackagePath = Directory.GetFiles(feed, "ConcurrencyGuard.Analyzers.*.nupkg").Single();
            var version = Regex.Match(Path.GetFileName(PackagePath), @"^ConcurrencyGuard\.Analyzers\.(?<v>.+)\.nupkg$").Groups["v"].Value;

            Template = Path.Combine(_root, "template");
            Directory.CreateDirectory(Template);
            File.WriteAllText(Path.Combine(Template, "Consumer.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <NoWarn>CS1998</NoWarn>
                    <RestorePackagesPath>{Path.Combine(_root, "packages")}</RestorePackagesPath>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="ConcurrencyGuard.Analyzers" Version="{version}" PrivateAssets="all" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(Template, "OrderService.cs"), Source);
            File.WriteAllText(Path.Combine(Template, "Api.cs"), Api);
            File.WriteAllText(Path.Combine(Template, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="local" value="{feed}" />
                    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
                  </packageSources>
                </configuration>
                """);
            var restore = DotNet.Run(Template, "restore");
            if (restore.ExitCode != 0)
            {
                throw new InvalidOperationException("restore failed: " + restore);
            }
        }

        public string PackagePath { get; }

        public string Template { get; }

        /// <summary>Builds a fresh copy of the restored consumer (so obj/ state never leaks between tests).</summary>
        public DotNet.Result Build(string arguments = "", IReadOnlyDictionary<string, string>? environment = null, string? editorConfig = null) =>
            BuildIn(NewCopy(editorConfig), arguments, environment);

        /// <summary>A fresh copy of the restored consumer, for tests that build it several times.</summary>
        public string NewCopy(string? editorConfig = null)
        {
            var copy = Path.Combine(_root, "copy" + Interlocked.Increment(ref _copies));
            CopyDirectory(Template, copy);
            if (editorConfig is not null)
            {
                File.WriteAllText(Path.Combine(copy, ".editorconfig"), "root = true\n\n[*.cs]\n" + editorConfig);
            }

            return copy;
        }

        public DotNet.Result BuildIn(string copy, string arguments = "", IReadOnlyDictionary<string, string>? environment = null) =>
            DotNet.Run(copy, $"build --no-restore -nodeReuse:false -p:UseSharedCompilation=false {arguments}", environment);

        public void Dispose()
        {
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp folder left behind is harmless.
            }
        }

        private static void CopyDirectory(string from, string to)
        {
            foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            {
                Directory.CreateDirectory(dir.Replace(from, to, StringComparison.Ordinal));
            }

            Directory.CreateDirectory(to);
            foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            {
                File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
            }
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PackageCollection
{
    public const string Name = "Package builds";
}

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
        Assert.Matches(Warning("CG1001"), result.Output);
        Assert.Matches(Warning("CG1003"), result.Output);
    }

    [Fact]
    public void Ci_build_fails_with_rules_as_errors()
    {
        var result = _consumer.Build(environment: new Dictionary<string, string> { ["CI"] = "true" });
        Assert.NotEqual(0, result.ExitCode);
        Assert.Matches(Error("CG1001"), result.Output);
        Assert.Matches(Error("CG1003"), result.Output);
    }

    [Theory]
    [InlineData("TF_BUILD", "True")]
    [InlineData("GITHUB_ACTIONS", "true")]
    public void Other_ci_variables_are_recognised(string variable, string value)
    {
        var result = _consumer.Build(environment: new Dictionary<string, string> { [variable] = value });
        Assert.NotEqual(0, result.ExitCode);
        Assert.Matches(Error("CG1001"), result.Output);
    }

    [Fact]
    public void ContinuousIntegrationBuild_property_turns_warnings_into_errors()
    {
        var result = _consumer.Build("-p:ContinuousIntegrationBuild=true");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Matches(Error("CG1001"), result.Output);
    }

    [Fact]
    public void Ci_opt_out_keeps_warnings()
    {
        var result = _consumer.Build("-p:ConcurrencyGuardErrorsInCI=false", new Dictionary<string, string> { ["CI"] = "true" });
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(Warning("CG1001"), result.Output);
        Assert.DoesNotMatch(Error("CG1001"), result.Output);
    }

    [Fact]
    public void Level_none_turns_every_rule_off()
    {
        var result = _consumer.Build("-p:ConcurrencyGuardLevel=none", new Dictionary<string, string> { ["CI"] = "true" });
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("CG1001", result.Output);
        Assert.DoesNotContain("CG1003", result.Output);
    }

    [Fact]
    public void Level_strict_reports_errors_without_ci()
    {
        var result = _consumer.Build("-p:ConcurrencyGuardLevel=strict");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Matches(Error("CG1001"), result.Output);
    }

    [Fact]
    public void Editorconfig_override_wins_over_preset_and_ci()
    {
        var result = _consumer.Build(environment: new Dictionary<string, string> { ["CI"] = "true" }, editorConfig: "dotnet_diagnostic.CG1001.severity = none\n");
        Assert.DoesNotContain("CG1001", result.Output);
        Assert.Matches(Error("CG1003"), result.Output);
    }

    private static Regex Warning(string id) => new($@"warning {id}:");

    private static Regex Error(string id) => new($@"error {id}:");

    /// <summary>Packs once per test run and restores the consumer once; each test builds a copy of it.</summary>
    public sealed class Consumer : IDisposable
    {
        private const string Source = """
            using System;
            using System.Threading.Tasks;

            public class OrderService
            {
                private Task SaveAsync() => Task.Delay(1);

                public void Place() => SaveAsync();

                public async void Refresh() => await SaveAsync();
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
        public DotNet.Result Build(string arguments = "", IReadOnlyDictionary<string, string>? environment = null, string? editorConfig = null)
        {
            var copy = Path.Combine(_root, "copy" + Interlocked.Increment(ref _copies));
            CopyDirectory(Template, copy);
            if (editorConfig is not null)
            {
                File.WriteAllText(Path.Combine(copy, ".editorconfig"), "root = true\n\n[*.cs]\n" + editorConfig);
            }

            return DotNet.Run(copy, $"build --no-restore -nodeReuse:false -p:UseSharedCompilation=false {arguments}", environment);
        }

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

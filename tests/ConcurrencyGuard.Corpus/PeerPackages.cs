using System.Diagnostics;
using System.Text.RegularExpressions;

namespace ConcurrencyGuard.Corpus;

/// <summary>Finds a peer analyzer package's C# analyzer folder, restoring the package when needed.</summary>
public static class PeerPackages
{
    /// <summary>Peer packages known to load here, with the served version the comparisons use.</summary>
    public static readonly IReadOnlyDictionary<string, string> Defaults = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["Microsoft.VisualStudio.Threading.Analyzers"] = "17.6.40",
        ["Meziantou.Analyzer"] = "3.0.321",
        ["Microsoft.CodeAnalysis.NetAnalyzers"] = "9.0.0",
        ["AsyncFixer"] = "2.1.0",
        ["IDisposableAnalyzers"] = "4.0.8",
    };

    public static string? Resolve(string spec, Action<string> log)
    {
        var parts = spec.Split('@', 2);
        var id = parts[0];
        var version = parts.Length > 1 ? parts[1] : Defaults.TryGetValue(id, out var v) ? v : null;
        if (version is null)
        {
            log($"peer {id}: give a version as {id}@x.y.z");
            return null;
        }

        var root = Path.Combine(GlobalPackagesFolder(), id.ToLowerInvariant(), version.ToLowerInvariant());
        if (!Directory.Exists(root))
        {
            Restore(id, version, log);
        }

        return PickAnalyzerFolder(root);
    }

    /// <summary>
    /// <c>analyzers/dotnet/cs</c>, or for multi-Roslyn packages the highest <c>roslynX.Y</c> folder
    /// that the running Roslyn can load.
    /// </summary>
    private static string? PickAnalyzerFolder(string packageRoot)
    {
        var dotnet = Path.Combine(packageRoot, "analyzers", "dotnet");
        if (!Directory.Exists(dotnet))
        {
            // Older packages (vs-threading 17.x) use analyzers/cs.
            var legacy = Path.Combine(packageRoot, "analyzers", "cs");
            return Directory.Exists(legacy) ? legacy : null;
        }

        var running = typeof(Microsoft.CodeAnalysis.Compilation).Assembly.GetName().Version ?? new Version(4, 0);
        var best = Directory.EnumerateDirectories(dotnet, "roslyn*")
            .Select(d => (Dir: d, Version: Version.TryParse(Path.GetFileName(d)["roslyn".Length..], out var rv) ? rv : null))
            .Where(x => x.Version is not null && x.Version <= running)
            .OrderByDescending(x => x.Version)
            .Select(x => Path.Combine(x.Dir, "cs"))
            .FirstOrDefault(Directory.Exists);
        if (best is not null)
        {
            return best;
        }

        var cs = Path.Combine(dotnet, "cs");
        return Directory.Exists(cs) ? cs : null;
    }

    private static string GlobalPackagesFolder() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    private static void Restore(string id, string version, Action<string> log)
    {
        var dir = Path.Combine(Path.GetTempPath(), "cg-peer-" + Regex.Replace(id + version, "[^A-Za-z0-9]", ""));
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "peer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
              <ItemGroup><PackageDownload Include="{id}" Version="[{version}]" /></ItemGroup>
            </Project>
            """);
        log($"restoring peer {id} {version}...");
        using var process = Process.Start(new ProcessStartInfo("dotnet", "restore") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            log($"restore of {id} {version} failed:\n{output}");
        }
    }
}

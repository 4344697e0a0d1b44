using ConcurrencyGuard.Analyzers.Tests.Infrastructure;

namespace ConcurrencyGuard.Analyzers.Tests.Package;

/// <summary>
/// Fix All the way users run it from the command line (issue #18, item 12): <c>dotnet format analyzers</c> with
/// every hazard rule over a copy of the sample must change it and leave it building, and reach a fixable diagnostic
/// that follows one without a fix. Slow (two builds and a format run, about 3 minutes), so it is one test, run with
/// the other tool-running tests.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class DotNetFormatTests
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(10);

    [Fact]
    public void Dotnet_format_with_every_rule_changes_the_sample_and_it_still_builds()
    {
        var root = Path.Combine(Path.GetTempPath(), "cg-format-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var project = CopySample(root);

            // The sample's only CG1004 has no fix (a synchronous method); one that has a fix comes after it, as on real
            // code: dotnet format must still reach it (it asks for Fix All with the first diagnostic's key, here none).
            File.WriteAllText(Path.Combine(project, "FixAllReach.cs"), """
                namespace HazardShowcase;

                public sealed class FixAllReach
                {
                    public void Warm(List<string> ids)
                    {
                        ids.ForEach(async id => await Task.Delay(id.Length));
                    }

                    public async Task WarmAsync(List<string> ids)
                    {
                        ids.ForEach(async id => await Task.Delay(id.Length));
                    }
                }
                """);

            // dotnet format resolves the analyzer project references to their Debug outputs: build those first.
            var before = DotNet.Run(project, "build -m:1 -nodeReuse:false -p:UseSharedCompilation=false", timeout: ToolTimeout);
            Assert.True(before.ExitCode == 0, "the copied sample must build before formatting:\n" + before);
            var original = Sources(project);

            var ids = string.Join(" ", Repo.Descriptors.Select(d => d.Id));
            var format = DotNet.Run(project, $"format analyzers HazardShowcase.csproj --diagnostics {ids} --severity info --verbosity normal", timeout: ToolTimeout);
            Assert.True(format.ExitCode == 0, format.ToString());
            Assert.DoesNotContain("Failed to apply code fix", format.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("Unable to fix CG1004", format.Output, StringComparison.Ordinal);
            Assert.Contains("foreach (var id in ids)", File.ReadAllText(Path.Combine(project, "FixAllReach.cs")), StringComparison.Ordinal);

            var changed = Sources(project).Where(f => original.TryGetValue(f.Key, out var text) && text != f.Value).Select(f => f.Key).ToList();
            Assert.True(changed.Count > 0, "dotnet format should have fixed something:\n" + format);

            var after = DotNet.Run(project, "build -m:1 -nodeReuse:false -p:UseSharedCompilation=false", timeout: ToolTimeout);
            Assert.True(after.ExitCode == 0, $"the sample must still build after dotnet format changed {string.Join(", ", changed)}:\n" + after);
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp folder left behind is harmless.
            }
        }
    }

    /// <summary>
    /// Copies samples/ (sources and build files, no outputs) under <paramref name="root"/>, pointing its references
    /// to the repository's projects and build files and its outputs into the copy; returns the project folder.
    /// </summary>
    private static string CopySample(string root)
    {
        var samples = Repo.PathOf("samples");
        var copy = Path.Combine(root, "samples");
        foreach (var file in Directory.EnumerateFiles(samples, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(samples, file);
            if (relative.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj" or "artifacts"))
            {
                continue;
            }

            var target = Path.Combine(copy, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        File.Copy(Repo.PathOf("global.json"), Path.Combine(root, "global.json"));
        var repo = Repo.Root.Replace('\\', '/').TrimEnd('/') + "/";
        foreach (var buildFile in Directory.EnumerateFiles(copy, "*.*", SearchOption.AllDirectories).Where(f => f.EndsWith(".props", StringComparison.Ordinal) || f.EndsWith(".targets", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal)))
        {
            var text = File.ReadAllText(buildFile)
                .Replace("$(MSBuildThisFileDirectory)../artifacts", "$(MSBuildThisFileDirectory)artifacts", StringComparison.Ordinal)
                .Replace("$(MSBuildThisFileDirectory)../", repo, StringComparison.Ordinal)
                .Replace(@"..\..\src\", repo + "src/", StringComparison.Ordinal)
                .Replace("../../src/", repo + "src/", StringComparison.Ordinal);
            File.WriteAllText(buildFile, text);
        }

        return Path.Combine(copy, "HazardShowcase");
    }

    private static Dictionary<string, string> Sources(string project) =>
        Directory.EnumerateFiles(project, "*.cs", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(project, f).Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj"))
            .ToDictionary(f => f, File.ReadAllText);
}

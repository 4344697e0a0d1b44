using System.Collections.Immutable;
using System.Reflection.PortableExecutable;
using Microsoft.Build.Locator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.MSBuild;

namespace ConcurrencyGuard.Corpus;

/// <summary>Turns a folder of loose files, a project, a solution or the synthetic corpus into compilations.</summary>
public static class CorpusLoader
{
    /// <summary>The running .NET and ASP.NET Core shared frameworks: what loose files compile against.</summary>
    public static ImmutableArray<MetadataReference> FrameworkReferences { get; } = LoadFrameworkReferences();

    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Latest);

    public static CSharpCompilation FromSources(string name, IEnumerable<(string Path, string Text)> sources, IEnumerable<MetadataReference>? extraReferences = null)
    {
        var trees = sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, ParseOptions, s.Path));
        return CSharpCompilation.Create(
            name,
            trees,
            FrameworkReferences.AddRange(extraReferences ?? Array.Empty<MetadataReference>()),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, concurrentBuild: true));
    }

    /// <summary>
    /// Every *.cs file under <paramref name="folder"/> (bin/obj skipped) compiled as one library. Loose
    /// files from real repositories have errors (missing packages): analyzers still run on them, which
    /// is what the IDE does while code is incomplete.
    /// </summary>
    public static CSharpCompilation FromFolder(string folder, IEnumerable<string>? referenceFolders = null)
    {
        var files = Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or ".git"))
            .OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => (Path.GetRelativePath(folder, f), File.ReadAllText(f)));
        var extra = (referenceFolders ?? Array.Empty<string>())
            .SelectMany(d => Directory.EnumerateFiles(d, "*.dll", SearchOption.AllDirectories))
            .Where(IsManaged)
            .Select(f => (MetadataReference)MetadataReference.CreateFromFile(f));
        return FromSources(Path.GetFileName(Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar)), files, extra);
    }

    /// <summary>
    /// The *.cs files under several folders of one repository compiled as one library, with paths
    /// relative to the repository root and '/' separators (the precision ledger's coordinates).
    /// </summary>
    public static CSharpCompilation FromFolders(string name, string root, IEnumerable<string> folders, IEnumerable<string>? referenceFolders = null)
    {
        var files = folders
            .SelectMany(f => Directory.EnumerateFiles(Path.Combine(root, f), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or ".git"))
            .Select(f => Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Distinct(StringComparer.Ordinal)
            .OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => (f, File.ReadAllText(Path.Combine(root, f))));
        var extra = (referenceFolders ?? Array.Empty<string>())
            .SelectMany(d => Directory.EnumerateFiles(d, "*.dll", SearchOption.AllDirectories))
            .Where(IsManaged)
            .Select(f => (MetadataReference)MetadataReference.CreateFromFile(f));
        return FromSources(name, files, extra);
    }

    /// <summary>Loads a .csproj or .sln with MSBuildWorkspace (needs the .NET SDK and a successful restore).</summary>
    public static async Task<IReadOnlyList<Compilation>> FromMsBuildAsync(string path, Action<string> log)
    {
        if (!MSBuildLocator.IsRegistered)
        {
            MSBuildLocator.RegisterDefaults();
        }

        using var workspace = MSBuildWorkspace.Create();
        workspace.WorkspaceFailed += (_, e) => log("workspace: " + e.Diagnostic.Message);
        var projects = path.EndsWith(".sln", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".slnx", StringComparison.OrdinalIgnoreCase)
            ? (await workspace.OpenSolutionAsync(path)).Projects.ToList()
            : new List<Project> { await workspace.OpenProjectAsync(path) };
        var compilations = new List<Compilation>();
        foreach (var project in projects.Where(p => p.Language == LanguageNames.CSharp))
        {
            if (await project.GetCompilationAsync() is { } compilation)
            {
                compilations.Add(compilation);
            }
        }

        return compilations;
    }

    private static ImmutableArray<MetadataReference> LoadFrameworkReferences()
    {
        var netCoreDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var version = Path.GetFileName(netCoreDir);
        var aspNetDir = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(netCoreDir))!, "Microsoft.AspNetCore.App", version);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var builder = ImmutableArray.CreateBuilder<MetadataReference>();
        foreach (var dir in new[] { netCoreDir, aspNetDir }.Where(Directory.Exists))
        {
            foreach (var dll in Directory.EnumerateFiles(dir, "*.dll").OrderBy(f => f, StringComparer.Ordinal))
            {
                if (seen.Add(Path.GetFileName(dll)) && IsManaged(dll))
                {
                    builder.Add(MetadataReference.CreateFromFile(dll));
                }
            }
        }

        return builder.ToImmutable();
    }

    private static bool IsManaged(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            return pe.HasMetadata;
        }
        catch (Exception e) when (e is BadImageFormatException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}

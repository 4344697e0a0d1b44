using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace ConcurrencyGuard.Analyzers.Tests.Infrastructure;

/// <summary>
/// Compiles test sources against the running .NET and ASP.NET Core shared frameworks, so tests need no
/// reference-pack download (CI has no network beyond the package registry) and see the real APIs:
/// HttpClient, Channels, IHttpClientFactory, ControllerBase, BackgroundService.
/// </summary>
public static class TestReferences
{
    public static readonly ReferenceAssemblies None = new("net10.0");

    public static ImmutableArray<MetadataReference> All { get; } = Load();

    private static ImmutableArray<MetadataReference> Load()
    {
        var netCoreDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var version = Path.GetFileName(netCoreDir);
        var sharedDir = Path.GetDirectoryName(Path.GetDirectoryName(netCoreDir))!;
        var aspNetDir = Path.Combine(sharedDir, "Microsoft.AspNetCore.App", version);

        var builder = ImmutableArray.CreateBuilder<MetadataReference>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var dir in new[] { netCoreDir, aspNetDir })
        {
            if (!Directory.Exists(dir))
            {
                continue;
            }

            foreach (var dll in Directory.EnumerateFiles(dir, "*.dll").OrderBy(f => f, StringComparer.Ordinal))
            {
                if (!seen.Add(Path.GetFileName(dll)) || !IsManaged(dll))
                {
                    continue;
                }

                builder.Add(MetadataReference.CreateFromFile(dll));
            }
        }

        return builder.ToImmutable();
    }

    private static bool IsManaged(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
            return pe.HasMetadata;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }
}

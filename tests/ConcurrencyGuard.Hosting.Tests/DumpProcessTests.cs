using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Xunit;
using Xunit.Abstractions;

namespace ConcurrencyGuard.Hosting.Tests;

/// <summary>Runs a real host in a child process until a sustained alarm writes a process dump.</summary>
public class DumpProcessTests
{
    private readonly ITestOutputHelper _output;

    public DumpProcessTests(ITestOutputHelper output) => _output = output;

    [SkippableFact]
    public void Child_process_writes_a_real_dump_on_a_sustained_alarm()
    {
        Skip.If(Environment.GetEnvironmentVariable("DOTNET_EnableDiagnostics") == "0", "the diagnostics port is disabled (DOTNET_EnableDiagnostics=0)");
        string configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;
        string app = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "ConcurrencyGuard.Hosting.TestApp", configuration, "ConcurrencyGuard.Hosting.TestApp.dll"));
        Assert.True(File.Exists(app), $"test app not built at {app}");
        string folder = Path.Combine(Path.GetTempPath(), "cg-dump-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(app);
            start.ArgumentList.Add(folder);
            start.ArgumentList.Add("WithHeap");
            using Process child = Process.Start(start)!;
            string stdout = child.StandardOutput.ReadToEnd();
            string stderr = child.StandardError.ReadToEnd();
            Assert.True(child.WaitForExit(120_000), "child did not exit");
            _output.WriteLine(stdout);
            _output.WriteLine(stderr);
            string result = stdout.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("DUMP-", StringComparison.Ordinal) || l == "TIMEOUT") ?? "(none)";
            Skip.If(
                result.StartsWith("DUMP-FAILED", StringComparison.Ordinal) && result.Contains("ServerNotAvailable", StringComparison.Ordinal),
                "the diagnostics port is unavailable here: " + result);

            Assert.Equal(0, child.ExitCode);
            Assert.StartsWith("DUMP-WRITTEN ", result);
            string path = result.Substring("DUMP-WRITTEN ".Length);
            Assert.StartsWith(folder, path);
            var info = new FileInfo(path);
            Assert.True(info.Exists && info.Length > 1_000_000, $"dump missing or tiny: {path}");
            Assert.Contains("[4] Process dump written to", stdout); // event 4 logged with the path
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            {
                using FileStream stream = info.OpenRead();
                var magic = new byte[4];
                stream.ReadExactly(magic);
                Assert.Equal(new byte[] { 0x7F, (byte)'E', (byte)'L', (byte)'F' }, magic); // an ELF core file
            }
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}

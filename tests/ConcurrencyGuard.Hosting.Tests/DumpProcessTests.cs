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

    [Fact]
    public void Without_dumps_the_diagnostics_client_assembly_is_never_loaded()
    {
        (int exitCode, string stdout) = RunChild(TestApp(), "--no-dump");
        Assert.Equal(0, exitCode);
        Assert.Contains("SUSTAINED-ALARM", stdout); // the monitor ran through the alarm that would have dumped
        Assert.Contains("DIAG-CLIENT-LOADED False", stdout);
    }

    [SkippableFact]
    public void Child_process_writes_a_real_dump_on_a_sustained_alarm()
    {
        Skip.If(Environment.GetEnvironmentVariable("DOTNET_EnableDiagnostics") == "0", "the diagnostics port is disabled (DOTNET_EnableDiagnostics=0)");
        string app = TestApp();
        string folder = Path.Combine(Path.GetTempPath(), "cg-dump-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            (int exitCode, string stdout) = RunChild(app, folder, "WithHeap");
            string result = stdout.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("DUMP-", StringComparison.Ordinal) || l == "TIMEOUT") ?? "(none)";
            Skip.If(
                result.StartsWith("DUMP-FAILED", StringComparison.Ordinal) && result.Contains("ServerNotAvailable", StringComparison.Ordinal),
                "the diagnostics port is unavailable here: " + result);

            Assert.Equal(0, exitCode);
            Assert.Contains("DIAG-CLIENT-LOADED True", stdout); // positive control of the no-dump test below
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

    private static string TestApp()
    {
        string configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;
        string app = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "ConcurrencyGuard.Hosting.TestApp", configuration, "ConcurrencyGuard.Hosting.TestApp.dll"));
        Assert.True(File.Exists(app), $"test app not built at {app}");
        return app;
    }

    /// <summary>Runs the test app; output is read asynchronously, so a child that hangs fails the test instead of hanging it.</summary>
    private (int ExitCode, string Stdout) RunChild(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var stdout = new System.Text.StringBuilder();
        var stderr = new System.Text.StringBuilder();
        using Process child = new() { StartInfo = start };
        child.OutputDataReceived += (_, e) => { lock (stdout) { stdout.AppendLine(e.Data); } };
        child.ErrorDataReceived += (_, e) => { lock (stderr) { stderr.AppendLine(e.Data); } };
        child.Start();
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        bool exited = child.WaitForExit(120_000);
        if (!exited)
        {
            child.Kill(entireProcessTree: true);
        }

        child.WaitForExit(); // drains the asynchronous readers
        string output;
        lock (stdout)
        {
            output = stdout.ToString();
        }

        _output.WriteLine(output);
        lock (stderr)
        {
            _output.WriteLine(stderr.ToString());
        }

        Assert.True(exited, "the child process did not exit within 120 s (killed)");
        return (child.ExitCode, output);
    }
}

using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;

namespace ConcurrencyGuard;

/// <summary>Open handles and the file-descriptor limit.</summary>
internal static class SystemProbes
{
    private static readonly bool s_procFs = RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && Directory.Exists("/proc/self/fd");

    /// <summary>Open handles (fds on Linux), or -1 when unknown.</summary>
    public static long OpenHandles()
    {
        try
        {
            if (s_procFs)
            {
                long count = 0;
                foreach (string _ in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
                {
                    count++;
                }

                return count;
            }

            using Process process = Process.GetCurrentProcess();
            return process.HandleCount;
        }
        catch (Exception)
        {
            return -1;
        }
    }

    /// <summary>The soft limit on open files (Linux), or -1 when unknown or unlimited.</summary>
    public static long FileDescriptorLimit()
    {
        if (!s_procFs)
        {
            return -1;
        }

        try
        {
            foreach (string line in File.ReadLines("/proc/self/limits"))
            {
                if (!line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    continue;
                }

                string[] parts = line.Substring("Max open files".Length).Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return parts.Length > 0 && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long soft)
                    ? soft
                    : -1;
            }
        }
        catch (Exception)
        {
            // Unknown.
        }

        return -1;
    }
}

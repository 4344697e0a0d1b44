using System;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.Diagnostics.NETCore.Client;

namespace ConcurrencyGuard.Hosting;

/// <summary>
/// The only code that names Microsoft.Diagnostics.NETCore.Client types. Kept out of line so the JIT
/// loads that assembly when a dump is written, never before.
/// </summary>
internal static class DiagnosticsClientCalls
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void WriteDump(string path, DumpKind kind, CancellationToken cancellationToken)
    {
        var client = new DiagnosticsClient(Environment.ProcessId);
        DumpType type = kind switch
        {
            DumpKind.Mini => DumpType.Normal,
            DumpKind.Triage => DumpType.Triage,
            DumpKind.Full => DumpType.Full,
            _ => DumpType.WithHeap,
        };
        client.WriteDumpAsync(type, path, logDumpGeneration: false, cancellationToken).GetAwaiter().GetResult();
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace ConcurrencyGuard.Runtime.Benchmarks;

/// <summary>
/// Cost of tracked fire-and-forget against a bare continuation, the way a user program sees it:
/// each operation creates a pending task, hands it over (to the tracker, or to a bare continuation)
/// and completes it. Three settings: one thread; one thread per core over 1,000 sites, each thread
/// completing another thread's tasks; and one thread with a monitor and a leak scope attached.
/// </summary>
/// <remarks>
/// A Stopwatch harness rather than BenchmarkDotNet: the cross-thread setting needs threads of its own,
/// and the figure that survives a shared machine is CPU time per operation (process CPU time over
/// the operations done), because other processes' load inflates wall time but not the CPU our own
/// threads spend. Repetitions of every variant are interleaved so load drifts hit them alike; the
/// table gives the median and the minimum of the repetitions.
/// Run: dotnet run -c Release --project tests/ConcurrencyGuard.Runtime.Benchmarks [-- --reps 7 --ops 400000]
/// (--components: the cost of the primitives the tracked path was built from; --no-attached: skip that setting).
/// </remarks>
public static class Program
{
    private const int Sites = 1000;
    private const int Batch = 1000;
    private const string SiteFile = "/src/Shop/Orders/OrderService.cs";
    private static readonly Action s_noop = static () => { };

    public static int Main(string[] args)
    {
        int reps = Arg(args, "--reps", 7);
        int ops = Arg(args, "--ops", 400_000);
        int cores = Environment.ProcessorCount;
        ops = Math.Max(Batch * cores, ops / (Batch * cores) * Batch * cores);

        Console.WriteLine($"# ConcurrencyGuard tracked-path benchmark");
        Console.WriteLine($"{RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}, {cores} cores, "
            + $"GC {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}, load average at start {LoadAverage()}, {reps} repetitions x {ops:N0} operations");

        var variants = new List<Variant>
        {
            new("single", "bare continuation (baseline)", 1, () => SingleThread(ops, Bare)),
            new("single", "task.Forget()", 1, () => SingleThread(ops, Tracked)),
            new("single", "_ = task (no continuation at all)", 1, () => SingleThread(ops, Discard)),
            new("single", "task.Forget() on a completed task", 1, () => SingleThread(ops, TrackedCompleted)),
            new("per-core", $"bare continuation, completed by another thread (baseline)", cores, () => PerCore(cores, ops, tracked: false)),
            new("per-core", $"Track() over {Sites:N0} sites, completed by another thread", cores, () => PerCore(cores, ops, tracked: true)),
            new("attached", "task.Forget() + monitor + leak scope", 1, () => Attached(ops, listen: false)),
            new("attached", "task.Forget() + monitor + leak scope + duration listener", 1, () => Attached(ops, listen: true)),
        };

        if (args.Contains("--components"))
        {
            Components.Run(reps, ops);
            return 0;
        }

        if (args.Contains("--no-attached"))
        {
            variants.RemoveAll(v => v.Setting == "attached");
        }

        // The attached setting runs last: once a leak scope exists, every later registration also reads
        // the ambient scope, which an application without scopes never does.
        foreach (Variant[] group in variants.GroupBy(v => v.Setting == "attached").Select(g => g.ToArray()))
        {
            // Warm-up: every path reaches optimized code before anything is measured.
            foreach (Variant variant in group)
            {
                variant.Run();
            }

            for (int r = 0; r < reps; r++)
            {
                foreach (Variant variant in group)
                {
                    variant.Results.Add(variant.Run());
                }
            }
        }

        Console.WriteLine($"load average at end {LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine("| setting | operation | CPU ns/op (median) | CPU ns/op (min) | wall ns/op (median) | allocated B/op | overhead vs baseline, CPU ns/op (median) |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (Variant variant in variants)
        {
            Variant baseline = variants.First(v => v.Setting == variant.Setting || (variant.Setting == "attached" && v.Setting == "single"));
            string overhead = ReferenceEquals(baseline, variant) || !variant.Name.Contains("Forget()", StringComparison.Ordinal) && !variant.Name.Contains("Track()", StringComparison.Ordinal) || variant.Name.Contains("completed task", StringComparison.Ordinal)
                ? "-"
                : (variant.Median(r => r.CpuNs) - baseline.Median(r => r.CpuNs)).ToString("0", CultureInfo.InvariantCulture);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {variant.Setting} ({variant.Threads} thread{(variant.Threads == 1 ? "" : "s")}) | {variant.Name} | {variant.Median(r => r.CpuNs):0} | {variant.Results.Min(r => r.CpuNs):0} | {variant.Median(r => r.WallNs):0} | {variant.Median(r => r.Bytes):0} | {overhead} |"));
        }

        return TaskTracker.Default.Outstanding == 0 && TaskTracker.Default.Faulted == 0 ? 0 : 1;
    }

    private static Result SingleThread(int ops, Action<int> body)
    {
        Measure start = Measure.Start();
        body(ops);
        return start.Stop(ops);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Bare(int ops)
    {
        for (int i = 0; i < ops; i++)
        {
            var tcs = new TaskCompletionSource();
            tcs.Task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(s_noop);
            tcs.SetResult();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Tracked(int ops)
    {
        for (int i = 0; i < ops; i++)
        {
            var tcs = new TaskCompletionSource();
            tcs.Task.Forget();
            tcs.SetResult();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Discard(int ops)
    {
        for (int i = 0; i < ops; i++)
        {
            var tcs = new TaskCompletionSource();
            _ = tcs.Task;
            tcs.SetResult();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void TrackedCompleted(int ops)
    {
        for (int i = 0; i < ops; i++)
        {
            Task.CompletedTask.Forget();
        }
    }

    /// <summary>One thread per core: each registers a batch of pending tasks over the sites, then completes the batch of the next thread.</summary>
    private static Result PerCore(int threads, int ops, bool tracked)
    {
        int perThread = ops / threads;
        var batches = new TaskCompletionSource[threads][];
        using var barrier = new Barrier(threads + 1);
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int me = t;
            workers[t] = new Thread(() =>
            {
                var mine = new TaskCompletionSource[Batch];
                barrier.SignalAndWait();
                for (int done = 0; done < perThread; done += Batch)
                {
                    Register(mine, tracked);
                    Volatile.Write(ref batches[me], mine);
                    barrier.SignalAndWait();
                    CompleteAll(Volatile.Read(ref batches[(me + 1) % threads])!);
                    barrier.SignalAndWait();
                }

                barrier.SignalAndWait();
            })
            { IsBackground = true };
            workers[t].Start();
        }

        Measure start = Measure.Start();
        barrier.SignalAndWait();
        for (int done = 0; done < perThread; done += Batch)
        {
            barrier.SignalAndWait();
            barrier.SignalAndWait();
        }

        barrier.SignalAndWait();
        Result result = start.Stop(perThread * threads);
        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        return result;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Register(TaskCompletionSource[] batch, bool tracked)
    {
        for (int i = 0; i < batch.Length; i++)
        {
            var tcs = new TaskCompletionSource();
            if (tracked)
            {
                // A thousand call sites, as a thousand Forget() calls in an application would give.
                TaskTracker.Default.Track(tcs.Task, "order-push", "PushAsync", SiteFile, i % Sites);
            }
            else
            {
                tcs.Task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(s_noop);
            }

            batch[i] = tcs;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CompleteAll(TaskCompletionSource[] batch)
    {
        foreach (TaskCompletionSource tcs in batch)
        {
            tcs.SetResult();
        }
    }

    private static Result Attached(int ops, bool listen)
    {
        using var monitor = new ConcurrencyMonitor(new ConcurrencyMonitorOptions { Tracker = TaskTracker.Default });
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (listen && ReferenceEquals(instrument.Meter, monitor.Meter) && instrument.Name == MetricNames.TaskDuration)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>(static (_, _, _, _) => { });
        listener.Start();
        monitor.Start();
        SpinWait.SpinUntil(() => monitor.SampleCount >= 1, TimeSpan.FromSeconds(10)); // its start-up work is not ours to count
        using TaskLeakScope scope = TaskLeaks.Scope();
        Result result = SingleThread(ops, Tracked);
        if (scope.Tracked != ops || scope.Outstanding != 0)
        {
            throw new InvalidOperationException("the leak scope did not see the benchmark's tasks");
        }

        return result;
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    private readonly record struct Result(double CpuNs, double WallNs, double Bytes);

    private readonly struct Measure
    {
        private readonly TimeSpan _cpu;
        private readonly long _wall;
        private readonly long _bytes;

        private Measure(TimeSpan cpu, long wall, long bytes)
        {
            _cpu = cpu;
            _wall = wall;
            _bytes = bytes;
        }

        public static Measure Start()
        {
            long bytes = GC.GetTotalAllocatedBytes(precise: true);
            return new Measure(Process.GetCurrentProcess().TotalProcessorTime, Stopwatch.GetTimestamp(), bytes);
        }

        public Result Stop(int ops)
        {
            TimeSpan wall = Stopwatch.GetElapsedTime(_wall);
            TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - _cpu;
            long bytes = GC.GetTotalAllocatedBytes(precise: true) - _bytes;
            return new Result(cpu.TotalNanoseconds / ops, wall.TotalNanoseconds / ops, (double)bytes / ops);
        }
    }

    private sealed class Variant
    {
        private readonly Func<Result> _run;

        public Variant(string setting, string name, int threads, Func<Result> run)
        {
            Setting = setting;
            Name = name;
            Threads = threads;
            _run = run;
        }

        public string Setting { get; }

        public string Name { get; }

        public int Threads { get; }

        public List<Result> Results { get; } = new();

        public Result Run()
        {
            // Start each repetition from the same heap state.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return _run();
        }

        public double Median(Func<Result, double> field)
        {
            double[] values = Results.Select(field).OrderBy(v => v).ToArray();
            return values.Length % 2 == 1 ? values[values.Length / 2] : (values[(values.Length / 2) - 1] + values[values.Length / 2]) / 2;
        }
    }
}

/// <summary>What the primitives the tracked path could use cost on this machine (what the design choices rest on).</summary>
internal static class Components
{
    private static long s_sink;
    private static int s_gate;
    private static readonly object s_lock = new();

    public static void Run(int reps, int ops)
    {
        var parts = new (string Name, Action Body)[]
        {
            ("empty call", static () => { }),
            ("Stopwatch.GetTimestamp()", static () => s_sink += Stopwatch.GetTimestamp()),
            ("TimeProvider.System.GetTimestamp()", static () => s_sink += TimeProvider.System.GetTimestamp()),
            ("Environment.TickCount64", static () => s_sink += Environment.TickCount64),
            ("Activity.Current", static () => s_sink += Activity.Current is null ? 1 : 2),
            ("Thread.GetCurrentProcessorId()", static () => s_sink += Thread.GetCurrentProcessorId()),
            ("lock (object) { }", static () => { lock (s_lock) { s_sink++; } }),
            ("spin lock: CompareExchange + Volatile.Write", static () => { Interlocked.CompareExchange(ref s_gate, 1, 0); Volatile.Write(ref s_gate, 0); }),
            ("spin lock: CompareExchange + Exchange (full fence)", static () => { Interlocked.CompareExchange(ref s_gate, 1, 0); Interlocked.Exchange(ref s_gate, 0); }),
            ("Interlocked.Increment", static () => Interlocked.Increment(ref s_sink)),
        };
        Console.WriteLine("| primitive | ns/call (min of repetitions) |");
        Console.WriteLine("|---|---:|");
        foreach ((string name, Action body) in parts)
        {
            double best = double.MaxValue;
            for (int r = 0; r <= reps; r++)
            {
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < ops; i++)
                {
                    body();
                }

                double ns = Stopwatch.GetElapsedTime(start).TotalNanoseconds / ops;
                if (r > 0)
                {
                    best = Math.Min(best, ns); // repetition 0 warms up
                }
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {best:0.0} |"));
        }
    }
}

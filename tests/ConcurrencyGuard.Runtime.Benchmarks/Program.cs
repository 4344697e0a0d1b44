using System;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;

namespace ConcurrencyGuard.Runtime.Benchmarks;

/// <summary>
/// Cost of tracked fire-and-forget. Each operation creates a pending task, hands it off, then
/// completes it, so the tracked variants pay registration and removal (the registry stays empty).
/// Run: dotnet run -c Release --project tests/ConcurrencyGuard.Runtime.Benchmarks -- --filter '*' --job short --memory
/// </summary>
[MemoryDiagnoser]
public class ForgetBenchmarks
{
    [Benchmark(Baseline = true, Description = "_ = task (bare discard)")]
    public void BareDiscard()
    {
        var tcs = new TaskCompletionSource();
        _ = tcs.Task;
        tcs.SetResult();
    }

    [Benchmark(Description = "task.Forget() (tracked)")]
    public void TrackedForget()
    {
        var tcs = new TaskCompletionSource();
        tcs.Task.Forget();
        tcs.SetResult();
    }

    [Benchmark(Description = "task.Forget() on a completed task")]
    public void TrackedForgetCompleted() => Task.CompletedTask.Forget();

    [Benchmark(Description = "_ = Task.Run(work)")]
    public void BareTaskRun() => _ = Task.Run(static () => Task.CompletedTask);

    [Benchmark(Description = "TaskTracker.Default.Run(work)")]
    public void TrackedRun() => TaskTracker.Default.Run(static () => Task.CompletedTask);
}

public static class Program
{
    public static void Main(string[] args)
    {
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        if (TaskTracker.Default.Faulted != 0)
        {
            Console.Error.WriteLine("unexpected faults");
        }
    }
}

using VerifyCG6001 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Blocking.SyncOverAsyncWaitAnalyzer,
    ConcurrencyGuard.CodeFixes.Blocking.SyncOverAsyncWaitFixer>;

namespace ConcurrencyGuard.Analyzers.Tests.Blocking;

public class SyncOverAsyncWaitTests
{
    private const string Usings = "using System;\nusing System.Collections.Generic;\nusing System.Linq;\nusing System.Net.Http;\nusing System.Threading;\nusing System.Threading.Tasks;\n";

    [Fact]
    public Task Flags_waits_in_async_code_and_fixes_all_to_await() => VerifyCG6001.FixAsync(Usings + """
        class C
        {
            Task<int> ComputeAsync() => Task.Run(() => 1);
            Task SaveAsync() => Task.Delay(1);
            async Task<int> RunAsync(HttpClient http)
            {
                var a = ComputeAsync().{|CG6001:Result|};
                SaveAsync().{|CG6001:Wait|}();
                var b = ComputeAsync().ConfigureAwait(false).GetAwaiter().{|CG6001:GetResult|}();
                var s = http.GetStringAsync("https://x").{|CG6001:Result|}.Trim();
                Task.{|CG6001:WaitAll|}(SaveAsync(), SaveAsync());
                return a + b + s.Length;
            }
        }
        """, Usings + """
        class C
        {
            Task<int> ComputeAsync() => Task.Run(() => 1);
            Task SaveAsync() => Task.Delay(1);
            async Task<int> RunAsync(HttpClient http)
            {
                var a = await ComputeAsync();
                await SaveAsync();
                var b = await ComputeAsync().ConfigureAwait(false);
                var s = (await http.GetStringAsync("https://x")).Trim();
                await Task.WhenAll(SaveAsync(), SaveAsync());
                return a + b + s.Length;
            }
        }
        """);

    [Fact]
    public Task Flags_in_sync_code_lambdas_and_local_functions_without_fix() => VerifyCG6001.NoFixAsync(Usings + """
        class C
        {
            Task<int> ComputeAsync() => Task.Run(() => 1);
            int Get() => ComputeAsync().{|CG6001:Result|};
            void Run()
            {
                Func<int> f = () => ComputeAsync().GetAwaiter().{|CG6001:GetResult|}();
                Local();
                void Local() => ComputeAsync().{|CG6001:Wait|}();
                Task.{|CG6001:WaitAny|}(ComputeAsync(), ComputeAsync());
            }
            async Task InLockAsync(object gate)
            {
                await Task.Yield();
                lock (gate) { ComputeAsync().{|CG6001:Wait|}(); }
            }
            async Task WithTimeoutAsync(CancellationToken ct)
            {
                await Task.Yield();
                ComputeAsync().{|CG6001:Wait|}(ct);
                ComputeAsync().{|CG6001:Wait|}(TimeSpan.FromSeconds(1));
            }
        }
        """);

    [Fact]
    public Task Flags_task_not_awaited_on_every_path() => VerifyCG6001.AnalyzerAsync(Usings + """
        class C
        {
            Task<int> ComputeAsync() => Task.Run(() => 1);
            async Task<int> RunAsync(bool flag)
            {
                var t = ComputeAsync();
                if (flag) { await t; }
                var u = ComputeAsync();
                await u;
                u = ComputeAsync();
                var v = ComputeAsync();
                if (!v.IsCompleted) { Console.WriteLine("slow"); }
                return t.{|CG6001:Result|} + u.{|CG6001:Result|} + v.{|CG6001:Result|};
            }
        }
        """);

    // vs-threading#693 (VSTHRD002), vs-threading#541 (VSTHRD103), sonar-dotnet#3452 (S4462): .Result after await Task.WhenAll.
    [Fact]
    public Task Does_not_flag_after_WhenAll_or_await() => VerifyCG6001.AnalyzerAsync(Usings + """
        class C
        {
            Task<int> ComputeAsync() => Task.Run(() => 1);
            Task<int> _cached = Task.Run(() => 2);
            async Task<int> RunAsync()
            {
                var t1 = ComputeAsync();
                var t2 = ComputeAsync();
                await Task.WhenAll(t1, t2).ConfigureAwait(false);
                var sum = t1.Result + t2.GetAwaiter().GetResult();
                var t3 = ComputeAsync();
                await t3;
                sum += t3.Result;
                await _cached;
                sum += _cached.Result;
                var t4 = ComputeAsync();
                await Task.WhenAll(new[] { t4 });
                sum += t4.Result;
                return sum;
            }
            async Task<int[]> CollectionAsync()
            {
                var tasks = new List<Task<int>> { ComputeAsync(), ComputeAsync() };
                await Task.WhenAll(tasks);
                var first = tasks[0].Result;
                foreach (var t in tasks) { first += t.Result; }
                return tasks.Select(t => t.Result).ToArray();
            }
            async Task<int> LaterLambdaAsync()
            {
                var t = ComputeAsync();
                await t;
                Func<int> read = () => t.Result;
                return read();
            }
        }
        """);

    // vs-threading#301 / #698 (VSTHRD002), vs-threading#680 (VSTHRD103), SharpSource#373 (Polly, Dapper, Quartz patterns).
    [Fact]
    public Task Does_not_flag_when_guarded_by_completion_checks() => VerifyCG6001.AnalyzerAsync(Usings + """
        class C
        {
            int G(ValueTask<int> t)
            {
                if (t.IsCompleted) return t.Result;
                if (t.IsCompletedSuccessfully) return t.Result;
                return 1;
            }
            int H(Task<int> task) => task.IsCompleted ? task.Result : -1;
            object? Dapper(Task<object> task)
            {
                if (task.Status == TaskStatus.RanToCompletion)
                    return task.Result;
                return null;
            }
            bool Quartz(Task<bool> isDbNullTask) => isDbNullTask.IsCompleted && isDbNullTask.Result;
            bool Negated(Task<bool> t) => !t.IsCompletedSuccessfully || t.Result;
            async Task<int> Issue301Async(Task<int> task)
            {
                if (!task.IsCompleted)
                    await task.ConfigureAwait(false);
                return task.Result;
            }
            int EarlyExit(Task<int> task)
            {
                if (!task.IsCompleted) { throw new InvalidOperationException(); }
                return task.Result;
            }
            void Faulted(Task task)
            {
                if (task.IsFaulted) { task.Wait(); }
            }
        }
        """);

    // vs-threading#217 (VSTHRD002) and sonar-dotnet#2413 (S4462): the antecedent inside its own continuation.
    [Fact]
    public Task Does_not_flag_antecedent_in_its_continuation_or_completed_tasks() => VerifyCG6001.AnalyzerAsync(Usings + """
        class C
        {
            Task<int> ComputeAsync() => Task.Run(() => 1);
            Task<int> Continue(Task<int> task) => task.ContinueWith(t => t.Result + 1);
            Task<int> All(Task<int> a, Task<int> b) => Task.WhenAll(a, b).ContinueWith(_ => a.Result + b.Result);
            Task<int> Factory(Task<int>[] tasks) => Task.Factory.ContinueWhenAll(tasks, done => done[0].Result);
            int Completed()
            {
                var fromResult = Task.FromResult(1);
                Task.CompletedTask.Wait();
                Task.FromResult(2).GetAwaiter().GetResult();
                new ValueTask<int>(3).GetAwaiter().GetResult();
                return fromResult.Result + ValueTask.FromResult(4).Result;
            }
            async Task<int> WhenAnyAsync(Task<int> work, CancellationToken ct)
            {
                var done = await Task.WhenAny(work, ComputeAsync());
                var first = done.Result;
                if (await Task.WhenAny(work, Task.Delay(1000, ct)) == work)
                {
                    return work.Result + first;
                }
                return -1;
            }
            void Poll(Task<int> task, Task[] all)
            {
                task.Wait(0);
                task.Wait(TimeSpan.Zero);
                Task.WaitAll(all, 0);
            }
        }
        """);

    // Found on StackExchange.Redis (ConnectionMultiplexer, TaskExtensions, ExportConfiguration): a successful timed wait,
    // status dispatch in a continuation, a switch on the status.
    [Fact]
    public Task Does_not_flag_after_a_successful_timed_wait_or_status_dispatch() => VerifyCG6001.AnalyzerAsync(Usings + """
        class C
        {
            T Wait<T>(Task<T> task, int timeout)
            {
                try
                {
                    if (!task.{|CG6001:Wait|}(timeout))
                    {
                        throw new TimeoutException();
                    }
                }
                catch (AggregateException aex)
                {
                    throw aex.InnerExceptions[0];
                }
                return task.Result;
            }
            bool Connect(Task<bool> task)
            {
                if (task.{|CG6001:Wait|}(1000))
                {
                    if (!task.Result) return false;
                }
                return true;
            }
            void Forward<T>(Task<T> task, TaskCompletionSource<T> tcs) => task.ContinueWith(static (t, state) =>
            {
                var source = (TaskCompletionSource<T>)state!;
                if (t.IsCanceled) source.TrySetCanceled();
                else if (t.IsFaulted) source.TrySetException(t.Exception!);
                else source.TrySetResult(t.Result);
            }, tcs);
            void Dispatch<T>(Task<T> attempt, TaskCompletionSource<T> tcs)
            {
                if (attempt.IsCanceled) tcs.TrySetCanceled();
                else if (attempt.IsFaulted) tcs.TrySetException(attempt.Exception!.InnerExceptions);
                else if (attempt.IsCompleted) tcs.TrySetResult(attempt.GetAwaiter().GetResult());
            }
            object? Export(Task task)
            {
                TaskStatus status = task.Status;
                switch (status)
                {
                    case TaskStatus.RanToCompletion:
                        return ((Task<int>)task).Result;
                }
                return null;
            }
        }
        """);

    [Fact]
    public Task A_timed_wait_whose_result_is_ignored_does_not_complete_the_task() => VerifyCG6001.AnalyzerAsync(Usings + """
        class C
        {
            int Get(Task<int> task)
            {
                task.{|CG6001:Wait|}(100);
                return task.{|CG6001:Result|};
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_in_Main() => VerifyCG6001.AnalyzerAsync(Usings + """
        static class Program
        {
            static Task<int> ComputeAsync() => Task.Run(() => 1);
            static void Main() => Console.WriteLine(ComputeAsync().Result + ComputeAsync().GetAwaiter().GetResult());
        }
        """);

    [Fact]
    public Task WaitAny_as_expression_and_WaitAll_with_timeout_get_no_fix() => VerifyCG6001.NoFixAsync(Usings + """
        class C
        {
            async Task<int> RunAsync(Task a, Task b, TimeSpan timeout)
            {
                await Task.Yield();
                var index = Task.{|CG6001:WaitAny|}(a, b);
                Task.{|CG6001:WaitAll|}(new[] { a, b }, timeout);
                return index;
            }
        }
        """);

    [Fact]
    public Task Else_of_a_faulted_or_canceled_check_is_no_proof_of_completion() => VerifyCG6001.NoFixAsync(Usings + """
        class C
        {
            int Read(Task<int> t)
            {
                if (t.IsFaulted) return -1;
                else return t.{|CG6001:Result|};
            }
            void Dispatch<T>(Task<T> attempt, TaskCompletionSource<T> tcs)
            {
                if (attempt.IsCanceled) tcs.TrySetCanceled();
                else if (attempt.IsFaulted) tcs.TrySetException(attempt.Exception!.InnerExceptions);
                else tcs.TrySetResult(attempt.GetAwaiter().{|CG6001:GetResult|}());
            }
        }
        """);

    [Fact]
    public Task A_lambda_passed_to_a_constructor_parameter_named_like_a_continuation_is_not_a_continuation() => VerifyCG6001.NoFixAsync(Usings + """
        class Step
        {
            public Step(Func<Task<int>, int> continuationFunction) { }
            public Step(Action<Task<int>> continuationAction, int order) { }
        }
        class C
        {
            Step First() => new Step(continuationFunction: t => t.{|CG6001:Result|});
            Step Second() => new Step(t => t.{|CG6001:Wait|}(), 1);
        }
        """);

    [Fact]
    public Task Broken_code_does_not_crash() => VerifyCG6001.AnalyzerAsync(Usings + """
        class C
        {
            async Task<int> RunAsync()
            {
                var t = {|CS0103:Missing|}();
                await {|CS0103:Unknown|};
                return t.Result{|CS1002:|}
            }
            int M(Task<int> t) => t.{|CS1001:|}{|CS1002:|}
        }
        """);

    [Fact]
    public Task Does_not_flag_a_call_that_completes_synchronously_for_its_constant_arguments() => VerifyCG6001.AnalyzerAsync(Usings + """
        enum Lookup { CacheOnly, AllowRemote }
        class Buffer
        {
            readonly System.IO.Stream _stream = System.IO.Stream.Null;
            public void Flush() => Flush(async: false).GetAwaiter().GetResult();
            public int Read() => Read(async: false).GetAwaiter().GetResult();
            public void Close() => Close(disposing: true).Wait();
            public string Find(int id) => FindAsync(id, Lookup.CacheOnly).Result;
            public void Save() => SaveForwarder().Wait();

            // Dual mode: every await is under `if (async)` or awaits a call that is synchronous for the flag it forwards.
            ValueTask Flush(bool async)
            {
                if (async)
                    return new ValueTask(_stream.FlushAsync());
                _stream.Flush();
                return new ValueTask();
            }

            async ValueTask<int> Read(bool async)
            {
                await Flush(async);
                var buffer = new byte[1];
                return async ? await _stream.ReadAsync(buffer, 0, 1) : _stream.Read(buffer, 0, 1);
            }

            async Task Close(bool disposing)
            {
                if (!disposing)
                    await Task.Delay(100);
            }

            async Task<string> FindAsync(int id, Lookup lookup)
            {
                if (lookup == Lookup.CacheOnly)
                    return "cached";
                await Task.Delay(10);
                return "remote";
            }

            Task SaveForwarder() => SaveCore();

            public void Drain() => Drain(async: false, 3).Wait();

            async Task Drain(bool async, int n)
            {
                if (n > 0)
                    await Drain(async, n - 1);
                if (async)
                    await Task.Delay(1);
            }

            Task SaveCore()
            {
                _stream.Flush();
                return Task.CompletedTask;
            }
        }
        """);

    [Fact]
    public Task Flags_a_call_that_may_stay_pending_for_its_arguments() => VerifyCG6001.AnalyzerAsync(Usings + """
        enum Lookup { CacheOnly, AllowRemote }
        class Buffer
        {
            readonly System.IO.Stream _stream = System.IO.Stream.Null;
            public void FlushAsyncPath() => Flush(async: true).GetAwaiter().{|CG6001:GetResult|}();
            public void FlushUnknown(bool async) => Flush(async).GetAwaiter().{|CG6001:GetResult|}();
            public string Find(int id) => FindAsync(id, Lookup.AllowRemote).{|CG6001:Result|};
            public void Reassigned() => Reassigning(async: false).{|CG6001:Wait|}();
            public void Overridable() => Virtual(async: false).{|CG6001:Wait|}();
            public void Recursing() => Recurse(async: false, 3).{|CG6001:Wait|}();

            async Task Recurse(bool async, int n)
            {
                if (n > 0)
                    await Recurse(!async, n - 1);
                if (async)
                    await Task.Delay(1);
            }

            async Task Flush(bool async)
            {
                if (async)
                    await _stream.FlushAsync();
                else
                    _stream.Flush();
            }

            async Task<string> FindAsync(int id, Lookup lookup)
            {
                if (lookup == Lookup.CacheOnly)
                    return "cached";
                await Task.Delay(10);
                return "remote";
            }

            async Task Reassigning(bool async)
            {
                async = !async;
                if (async)
                    await Task.Delay(10);
            }

            protected virtual async Task Virtual(bool async)
            {
                if (async)
                    await Task.Delay(10);
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_a_task_guarded_by_a_completion_helper() => VerifyCG6001.AnalyzerAsync(Usings + """
        static class TaskChecks
        {
            public static bool HasSucceeded(this Task task)
            {
                return task.Status == TaskStatus.RanToCompletion;
            }
            public static bool Finished(Task task) => task.IsCompleted;
            public static bool Started(this Task task) => task.Status != TaskStatus.Created;
            public static bool Loops(this Task task) => task.Loops();
        }
        class Relay<T>
        {
            readonly TaskCompletionSource<T> _target = new(TaskCreationOptions.RunContinuationsAsynchronously);
            public void Forward(Task<T> value)
            {
                if (value.IsCanceled)
                    _target.TrySetCanceled();
                else if (value.IsFaulted)
                    _target.TrySetException(value.Exception!);
                else if (value.HasSucceeded())
                    _target.TrySetResult(value.Result);
                else
                    throw new ArgumentException("not complete");
            }
            public T? Peek(Task<T> value) => TaskChecks.Finished(value) ? value.Result : default;
            public T? NotAGuard(Task<T> value) => value.Started() ? value.{|CG6001:Result|} : default;
            public T? SelfCalling(Task<T> value) => value.Loops() ? value.{|CG6001:Result|} : default;
        }
        """);

    [Fact]
    public Task Does_not_flag_the_remaining_task_of_a_two_task_WhenAny_after_the_other_won() => VerifyCG6001.AnalyzerAsync(Usings + """
        class Pump
        {
            readonly Func<Task<int>> _read;
            Pump(Func<Task<int>> read) => _read = read;
            void Use(int value) { }
            async Task RunAsync(Task stopped)
            {
                var next = _read();
                while (true)
                {
                    var winner = await Task.WhenAny(next, stopped);
                    if (winner == stopped)
                    {
                        break;
                    }
                    Use(next.Result);
                    next = _read();
                }
            }
            async Task<int> FirstAsync(Task<int> work, Task timeout)
            {
                if (await Task.WhenAny(timeout, work).ConfigureAwait(false) == timeout)
                    return -1;
                return work.Result;
            }
            async Task<int> ThreeAsync(Task<int> work, Task<int> other, Task stop)
            {
                var winner = await Task.WhenAny(work, other, stop);
                if (winner == stop)
                    return -1;
                return work.{|CG6001:Result|};
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_elements_of_the_ContinueWhenAll_array_read_through_linq_or_foreach() => VerifyCG6001.AnalyzerAsync(Usings + """
        class Scan
        {
            Task<int[]> All(Task<int>[] tasks) => Task.Factory.ContinueWhenAll(tasks, done => done.Select(t => t.Result).ToArray());
            Task<int> Sum(Task<int>[] tasks) => Task.Factory.ContinueWhenAll(tasks, done =>
            {
                var total = 0;
                foreach (var t in done)
                {
                    total += t.Result;
                }
                return total;
            });
            int Pending(Task<int>[] tasks) => tasks.Select(t => t.{|CG6001:Result|}).Sum();
        }
        """);
}


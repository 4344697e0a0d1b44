using VerifyCG1002 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Tasks.DiscardedTaskAnalyzer,
    ConcurrencyGuard.CodeFixes.Tasks.DiscardedTaskFixer>;

namespace ConcurrencyGuard.Analyzers.Tests.Tasks;

public class DiscardedTaskTests
{
    // Callee stubs return Task.Delay(1), not Task.CompletedTask: a same-compilation callee that returns a completed
    // task on every path cannot fault, so dropping it is not flagged (CalleeSummaries).
    private const string Usings = "using System;\nusing System.Threading;\nusing System.Threading.Tasks;\n";

    [Fact]
    public Task Flags_discarded_calls_in_methods_lambdas_and_local_functions() => VerifyCG1002.AnalyzerAsync(Usings + """
        class Client { public Task SendAsync() => Task.Delay(1); }
        class C
        {
            Task SaveAsync() => Task.Delay(1);
            ValueTask<int> CountAsync() => new(Task.Run(() => 1));
            async Task HandleAsync(Client? client, Task t)
            {
                {|CG1002:_ = SaveAsync()|};
                {|CG1002:_ = CountAsync()|};
                {|CG1002:_ = client?.SendAsync()|};
                {|CG1002:_ = SaveAsync().ConfigureAwait(false)|};
                {|CG1002:_ = Task.Run(() => SaveAsync())|};
                {|CG1002:_ = t.ContinueWith(_ => Console.WriteLine("done"))|};
                Action a = () => {|CG1002:_ = SaveAsync()|};
                void Local() { {|CG1002:_ = SaveAsync()|}; }
                Local();
                a();
                await Task.Yield();
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_observing_continuations_and_forget_helpers() => VerifyCG1002.AnalyzerAsync(Usings + """
        static class Ext { public static Task LogOnFailure(this Task t) => t; }
        class C
        {
            Task SaveAsync() => Task.Delay(1);
            void Log(Exception? e) { }
            void Handle()
            {
                _ = SaveAsync().ContinueWith(t => Log(t.Exception), TaskScheduler.Default);
                _ = SaveAsync().ContinueWith(t => { if (t.IsFaulted) Log(t.Exception); }, TaskScheduler.Default);
                _ = SaveAsync().ContinueWith(Observe, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                _ = SaveAsync().ContinueWith(t => t.Wait(), TaskScheduler.Default);
                _ = SaveAsync().LogOnFailure();
            }

            void Observe(Task t) { }
        }
        """, "concurrency_guard.fire_and_forget_methods = LogOnFailure\n");

    [Fact]
    public Task Does_not_flag_work_that_catches_everything() => VerifyCG1002.AnalyzerAsync(Usings + """
        class C
        {
            async Task PollAsync()
            {
                try { await Task.Delay(1); }
                catch (Exception) { }
            }

            async Task PollFilteredAsync()
            {
                try { await Task.Delay(1); }
                catch (Exception e) when (e is TimeoutException) { }
            }

            void Work() { try { } catch { } }

            void Start()
            {
                _ = PollAsync();
                _ = Task.Run(async () =>
                {
                    try { await Task.Delay(1); }
                    catch (Exception ex) { Console.WriteLine(ex); }
                });
                _ = Task.Run(Work);
                _ = Task.Factory.StartNew(() => { try { } catch (Exception) { } });
                {|CG1002:_ = PollFilteredAsync()|};
            }
        }
        """);

    // TaskFactory<TResult> (Task<int>.Factory) is recognised like TaskFactory by the one symbol-based StartNew helper.
    [Fact]
    public Task Generic_task_factory_start_new_with_a_catch_all_body_observes_its_failures() => VerifyCG1002.AnalyzerAsync(Usings + """
        class C
        {
            void Start()
            {
                _ = Task<int>.Factory.StartNew(() => { try { return 1; } catch (Exception) { return 0; } });
                {|CG1002:_ = Task<int>.Factory.StartNew(() => 1)|};
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_what_real_code_does_to_observe_failures() => VerifyCG1002.AnalyzerAsync(Usings + """
        enum CommandFlags { None = 0, FireAndForget = 2 }
        static class TaskHelpers
        {
            private static readonly Action<Task> observeErrors = t => _ = t.Exception;
            // StackExchange.Redis' TaskExtensions.ObserveErrors
            internal static Task ObserveErrors(this Task task)
            {
                task.ContinueWith(observeErrors, TaskContinuationOptions.OnlyOnFaulted);
                return task;
            }
        }
        class C
        {
            Task KeyDeleteAsync(string key, CommandFlags flags = CommandFlags.None) => Task.Delay(1);
            async Task ForwardAsync(int n)
            {
                try { await Task.Delay(n); }
                catch (Exception ex) { Console.WriteLine(ex); }
            }

            async Task CopyOutAsync()
            {
                bool lockTaken = false;
                try { await Task.Delay(1); lockTaken = true; }
                catch (Exception ex) when (ex is TimeoutException) { }
                catch (Exception) { }
                finally { if (lockTaken) { } }
            }

            async Task PollAsync() => await Task.Delay(1);

            void Start(Task[] probes)
            {
                _ = KeyDeleteAsync("k", flags: CommandFlags.FireAndForget);
                _ = probes[0].ObserveErrors();
                _ = Task.Run(() => ForwardAsync(1));
                _ = Task.Run(async () => await ForwardAsync(2));
                _ = Task.Run(() => CopyOutAsync());
                {|CG1002:_ = Task.Run(() => PollAsync())|};
                {|CG1002:_ = KeyDeleteAsync("k")|};
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_completed_values_non_tasks_and_other_discards() => VerifyCG1002.AnalyzerAsync(Usings + """
        class C
        {
            Task _pending = Task.CompletedTask;
            int Count() => 1;
            Task SaveAsync() => Task.Delay(1);
            async Task HandleAsync()
            {
                _ = Task.FromResult(1);
                _ = Task.CompletedTask;
                _ = _pending;
                _ = Count();
                _ = Interlocked.Exchange(ref _pending, SaveAsync());
                await SaveAsync();
                var t = SaveAsync();
                await t;
            }
        }
        """);

    [Fact]
    public Task Fix_logs_failure_with_the_logger_in_scope_and_fix_all() => VerifyCG1002.FixAsync(Usings + """
        using Microsoft.Extensions.Logging;
        class C(ILogger<C> logger)
        {
            Task SaveAsync() => Task.Delay(1);
            ValueTask FlushAsync() => new(Task.Delay(1));
            void Handle()
            {
                // fire and forget
                {|CG1002:_ = SaveAsync()|}; // keep
                {|CG1002:_ = FlushAsync()|};
            }
        }
        """, Usings + """
        using Microsoft.Extensions.Logging;
        class C(ILogger<C> logger)
        {
            Task SaveAsync() => Task.Delay(1);
            ValueTask FlushAsync() => new(Task.Delay(1));
            void Handle()
            {
                // fire and forget
                _ = SaveAsync().ContinueWith(t => logger.LogError(t.Exception, "SaveAsync failed"), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default); // keep
                _ = FlushAsync().AsTask().ContinueWith(t => logger.LogError(t.Exception, "FlushAsync failed"), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
        }
        """, equivalenceKey: "ObserveFailure");

    [Fact]
    public Task Fix_uses_a_logger_field_adds_the_logging_using_and_avoids_taken_names() => VerifyCG1002.FixAsync(Usings + """
        class C
        {
            private readonly Microsoft.Extensions.Logging.ILogger _log;
            C(Microsoft.Extensions.Logging.ILogger log) => _log = log;
            Task SaveAsync() => Task.Delay(1);
            void Handle(int t)
            {
                {|CG1002:_ = SaveAsync()|};
            }
        }
        """, """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.Extensions.Logging;

        class C
        {
            private readonly Microsoft.Extensions.Logging.ILogger _log;
            C(Microsoft.Extensions.Logging.ILogger log) => _log = log;
            Task SaveAsync() => Task.Delay(1);
            void Handle(int t)
            {
                _ = SaveAsync().ContinueWith(task => _log.LogError(task.Exception, "SaveAsync failed"), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
        }
        """, equivalenceKey: "ObserveFailure");

    [Fact]
    public Task Fix_falls_back_to_trace_without_a_logger() => VerifyCG1002.FixAsync(Usings + """
        static class C
        {
            static Task SaveAsync() => Task.Delay(1);
            static void Handle()
            {
                {|CG1002:_ = SaveAsync()|};
            }
        }
        """, Usings + """
        static class C
        {
            static Task SaveAsync() => Task.Delay(1);
            static void Handle()
            {
                _ = SaveAsync().ContinueWith(t => System.Diagnostics.Trace.TraceError("SaveAsync failed: {0}", t.Exception), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
        }
        """, equivalenceKey: "ObserveFailure");

    [Fact]
    public Task Fix_tracks_with_forget_when_the_runtime_guard_is_referenced() => VerifyCG1002.FixAsync(Usings + """
        class C
        {
            Task SaveAsync() => Task.Delay(1);
            ValueTask FlushAsync() => new(Task.Delay(1));
            void Handle()
            {
                {|CG1002:_ = SaveAsync()|};
                {|CG1002:_ = FlushAsync()|};
            }
        }
        """, """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using ConcurrencyGuard;

        class C
        {
            Task SaveAsync() => Task.Delay(1);
            ValueTask FlushAsync() => new(Task.Delay(1));
            void Handle()
            {
                SaveAsync().Forget();
                FlushAsync().AsTask().Forget();
            }
        }
        """, equivalenceKey: "Forget", additionalSources: new[] { DroppedTaskTests.RuntimeStub });

    [Fact]
    public Task No_fix_for_configured_awaitables_and_no_forget_without_the_runtime() => VerifyCG1002.NoFixAsync(Usings + """
        class C
        {
            Task SaveAsync() => Task.Delay(1);
            void Handle()
            {
                {|CG1002:_ = SaveAsync().ConfigureAwait(false)|};
                {|CG1002:_ = SaveAsync()|};
            }
        }
        """, equivalenceKey: "Forget");

    // Issue #16, patterns 1 and 3: the discarded task observes its own failures or cannot fault.
    [Fact]
    public Task Does_not_flag_discarded_tasks_that_cannot_fault_or_catch_everything() => VerifyCG1002.AnalyzerAsync(Usings + """
        static class Completion
        {
            public static Task<bool> TrySetResultAsync<T>(this TaskCompletionSource<T> source, T result) => Task.Run(() => source.TrySetResult(result));
        }
        class Notifier
        {
            readonly CancellationTokenSource _stop = new();
            readonly TaskCompletionSource<bool> _ready = new();
            readonly System.Threading.Timer _timer = new(_ => { });

            Task RestartTimer() { _timer.Change(1000, Timeout.Infinite); return Task.CompletedTask; }

            async Task RunAsync()
            {
                try
                {
                    var token = _stop.Token;
                    while (!_stop.IsCancellationRequested)
                    {
                        try { await Task.Run(() => Console.WriteLine()); }
                        catch { }
                        await Task.Delay(9500, token).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) { }
            }

            Task CompleteAsync() => _ready.TrySetResultAsync(true);

            void Start()
            {
                _ = RunAsync();
                _ = RestartTimer();
                _ = CompleteAsync();
                _ = _ready.TrySetResultAsync(false);
            }
        }
        """);

    // Issue #16, pattern 2 and the second pass: a discarded continuation that is the error handler, that hands the
    // antecedent task on, or a forwarding helper that awaits the task in a catch-all after defaulting a parameter.
    [Fact]
    public Task Does_not_flag_discarded_error_handlers_and_forwarders() => VerifyCG1002.AnalyzerAsync(Usings + """
        static class Forwarding
        {
            public static readonly object Nobody = new();
            public static Task ForwardTo(this Task task, Action<object> receiver, object? sender = null) => ForwardCore(task, receiver, sender);

            private static async Task ForwardCore(Task task, Action<object> receiver, object? sender)
            {
                sender ??= Nobody;
                try { await task; receiver(sender); }
                catch (Exception ex) { receiver(ex); }
            }
        }
        class C
        {
            readonly TaskCompletionSource<bool> _stopped = new();

            void Watch(Task work, Action<Task> onDone, Action<object> receiver)
            {
                _ = work.ContinueWith(t => _stopped.TrySetCanceled(), TaskContinuationOptions.OnlyOnCanceled);
                _ = work.ContinueWith(t => onDone(t), TaskContinuationOptions.ExecuteSynchronously);
                _ = work.ForwardTo(receiver);
                {|CG1002:_ = work.ContinueWith(onDone)|};
            }
        }
        """);

    // Real findings that must stay (issue #16): a user callback run in the background, and a try/catch around a
    // discarded call, which only sees what is thrown before the call's first await.
    [Fact]
    public Task Flags_background_user_callback_and_try_catch_around_discarded_call() => VerifyCG1002.AnalyzerAsync(Usings + """
        class Client
        {
            public Func<int, Task>? Callback { get; set; }

            async Task DownloadAsync(Task pending) { await pending; Console.WriteLine(); }

            void OnLimited(int info)
            {
                if (Callback != null)
                {
                    {|CG1002:_ = Task.Run(async () => { await Callback(info); })|};
                }
            }

            void OnReady(Task pending)
            {
                try
                {
                    {|CG1002:_ = DownloadAsync(pending)|};
                }
                catch (Exception ex)
                {
                    Console.WriteLine(ex);
                }
            }
        }
        """);

    [Fact]
    public Task Broken_code_does_not_crash() => VerifyCG1002.AnalyzerAsync(Usings + """
        class C
        {
            void Handle()
            {
                _ = {|CS0103:Missing|}();
                _ = Task.{|CS0117:Runn|}(() => { });
                _ = Task.Run(() => {|CS0103:Nope|}());
            }
        }
        """);
}

using ConcurrencyGuard.Analyzers.Tasks;
using ConcurrencyGuard.CodeFixes.Tasks;
using Microsoft.CodeAnalysis.Testing;
using VerifyCG1001 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Tasks.DroppedTaskAnalyzer,
    ConcurrencyGuard.CodeFixes.Tasks.DroppedTaskFixer>;

namespace ConcurrencyGuard.Analyzers.Tests.Tasks;

public class DroppedTaskTests
{
    // Callee stubs return Task.Delay(1), not Task.CompletedTask: a same-compilation callee that returns a completed
    // task on every path cannot fault, so dropping it is not flagged (CalleeSummaries).
    private const string Usings = "using System;\nusing System.Threading;\nusing System.Threading.Tasks;\n";

    [Fact]
    public Task Flags_call_dropped_in_sync_method() => VerifyCG1001.AnalyzerAsync(Usings + """
        class C
        {
            Task SaveAsync() => Task.Delay(1);
            void Handle()
            {
                {|CG1001:SaveAsync()|};
            }
        }
        """);

    [Fact]
    public Task Flags_task_run_continue_with_and_configure_await_chains() => VerifyCG1001.AnalyzerAsync(Usings + """
        class C
        {
            Task SaveAsync() => Task.Delay(1);
            void Handle(Task t)
            {
                {|CG1001:Task.Run(() => Console.WriteLine())|};
                {|CG1001:Task.Factory.StartNew(() => { })|};
                {|CG1001:t.ContinueWith(_ => { })|};
                {|CG1001:SaveAsync().ConfigureAwait(false)|};
            }
        }
        """);

    [Fact]
    public Task Flags_value_task_and_generic_task() => VerifyCG1001.AnalyzerAsync(Usings + """
        class C
        {
            ValueTask FlushAsync() => new(Task.Delay(1));
            ValueTask<int> CountAsync() => new(Task.Run(() => 1));
            Task<string> ReadAsync() => Task.Run(() => "");
            void Handle()
            {
                {|CG1001:FlushAsync()|};
                {|CG1001:CountAsync()|};
                {|CG1001:ReadAsync()|};
            }
        }
        """);

    [Fact]
    public Task Flags_in_sync_lambda_and_local_function() => VerifyCG1001.AnalyzerAsync(Usings + """
        class C
        {
            Task SaveAsync() => Task.Delay(1);
            void Handle()
            {
                Action a = () => {|CG1001:SaveAsync()|};
                Action b = () => { {|CG1001:SaveAsync()|}; };
                void Local() { {|CG1001:SaveAsync()|}; }
                Local();
                a(); b();
            }
        }
        """);

    [Fact]
    public Task Flags_conditional_access_call_even_in_async_method_where_cs4014_is_silent() => VerifyCG1001.AnalyzerAsync(Usings + """
        class Client { public Task SendAsync() => Task.Delay(1); }
        class C
        {
            async Task HandleAsync(Client? client)
            {
                {|CG1001:client?.SendAsync()|};
                await Task.Yield();
            }
        }
        """);

    [Fact]
    public Task Flags_custom_awaitable() => VerifyCG1001.AnalyzerAsync(Usings + """
        using System.Runtime.CompilerServices;
        class MyAwaitable { public MyAwaiter GetAwaiter() => new(); }
        class MyAwaiter : INotifyCompletion { public bool IsCompleted => true; public void GetResult() { } public void OnCompleted(Action a) => a(); }
        class C
        {
            MyAwaitable Start() => new();
            void Handle() { {|CG1001:Start()|}; }
        }
        """);

    [Fact]
    public async Task Stays_silent_where_the_compiler_reports_CS4014()
    {
        var test = VerifyCG1001.Create();
        test.TestState.Sources.Add(Usings + """
            class C
            {
                Task SaveAsync() => Task.Delay(1);
                async Task HandleAsync()
                {
                    {|CS4014:SaveAsync()|};
                    Func<Task> f = async () => { {|CS4014:SaveAsync()|}; await Task.Yield(); };
                    await f();
                }
            }
            """);
        test.CompilerDiagnostics = CompilerDiagnostics.Warnings;
        test.TestState.MarkupHandling = MarkupMode.Allow;
        await test.RunAsync();
    }

    [Fact]
    public Task Does_not_flag_awaited_assigned_returned_or_passed_tasks() => VerifyCG1001.AnalyzerAsync(Usings + """
        using System.Collections.Generic;
        class C
        {
            readonly List<Task> _pending = new();
            Task _last = Task.CompletedTask;
            Task SaveAsync() => Task.Delay(1);
            async Task<Task> HandleAsync()
            {
                await SaveAsync();
                var t = SaveAsync();
                _last = SaveAsync();
                _pending.Add(SaveAsync());
                await Task.WhenAll(t, _last);
                await Task.WhenAny(t, _last);
                return SaveAsync();
            }
            Task Passthrough() => SaveAsync();
        }
        """);

    [Fact]
    public Task Does_not_flag_forget_helpers_or_completed_values() => VerifyCG1001.AnalyzerAsync(Usings + """
        static class Helpers
        {
            public static void Forget(this Task t) { }
            public static Task LogFailures(this Task t) => t;
        }
        class C
        {
            Task _task = Task.CompletedTask;
            Task SaveAsync() => Task.Delay(1);
            void Handle()
            {
                SaveAsync().Forget();
                Task.FromResult(42);
                Task.FromException(new Exception());
                Interlocked.Exchange(ref _task, SaveAsync());
                SaveAsync().LogFailures();
            }
        }
        """, editorConfig: "concurrency_guard.fire_and_forget_methods = Helpers.LogFailures\n");

    [Fact]
    public Task Configured_observer_by_simple_name() => VerifyCG1001.AnalyzerAsync(Usings + """
        static class Helpers { public static Task Observe(this Task t) => t; }
        class C
        {
            Task SaveAsync() => Task.Delay(1);
            void Handle() { SaveAsync().Observe(); }
        }
        """, editorConfig: "concurrency_guard.fire_and_forget_methods = Other, Observe\n");

    [Fact]
    public Task Does_not_flag_void_calls_awaits_and_non_task_values() => VerifyCG1001.AnalyzerAsync(Usings + """
        class C
        {
            int Count() => 1;
            async Task HandleAsync(Task<Task> outer)
            {
                Count();
                await outer;
                Console.WriteLine();
            }
        }
        """);

    [Fact]
    public Task Fix_awaits_in_async_context() => VerifyCG1001.FixAsync(Usings + """
        class Client { public Task SendAsync() => Task.Delay(1); }
        class C
        {
            async Task HandleAsync(Client? client)
            {
                // send it
                {|CG1001:client?.SendAsync()|};
                await Task.Yield();
            }
        }
        """, Usings + """
        class Client { public Task SendAsync() => Task.Delay(1); }
        class C
        {
            async Task HandleAsync(Client? client)
            {
                // send it
                await client?.SendAsync();
                await Task.Yield();
            }
        }
        """, equivalenceKey: "Await");

    [Fact]
    public Task Fix_all_discards_explicitly_in_sync_code() => VerifyCG1001.FixAsync(Usings + """
        class C
        {
            Task SaveAsync() => Task.Delay(1);
            void Handle(Task t)
            {
                {|CG1001:SaveAsync()|};
                {|CG1001:Task.Run(() => { })|}; // background
                {|CG1001:t.ContinueWith(_ => { })|};
            }
        }
        """, Usings + """
        class C
        {
            Task SaveAsync() => Task.Delay(1);
            void Handle(Task t)
            {
                _ = SaveAsync();
                _ = Task.Run(() => { }); // background
                _ = t.ContinueWith(_ => { });
            }
        }
        """, equivalenceKey: "Discard");

    [Fact]
    public Task Fix_also_fixes_CS4014_with_await() => VerifyCG1001.FixAsync(Usings + """
        class C
        {
            Task SaveAsync() => Task.Delay(1);
            async Task HandleAsync()
            {
                {|CS4014:SaveAsync()|};
                {|CS4014:SaveAsync()|};
                await Task.Yield();
            }
        }
        """, Usings + """
        class C
        {
            Task SaveAsync() => Task.Delay(1);
            async Task HandleAsync()
            {
                await SaveAsync();
                await SaveAsync();
                await Task.Yield();
            }
        }
        """, equivalenceKey: "Await", compilerDiagnostics: CompilerDiagnostics.Warnings);

    [Fact]
    public Task Fix_offers_Forget_when_the_runtime_guard_is_referenced() => VerifyCG1001.FixAsync(Usings + """
        class C
        {
            Task SaveAsync() => Task.Delay(1);
            void Handle()
            {
                {|CG1001:SaveAsync()|};
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
            void Handle()
            {
                SaveAsync().Forget();
            }
        }
        """, equivalenceKey: "Forget", additionalSources: new[] { RuntimeStub });

    [Fact]
    public Task No_await_fix_outside_async_context() => VerifyCG1001.NoFixAsync(Usings + """
        class C
        {
            Task SaveAsync() => Task.Delay(1);
            void Handle() { {|CG1001:SaveAsync()|}; }
        }
        """, equivalenceKey: "Await");

    [Fact]
    public Task Broken_code_does_not_crash() => VerifyCG1001.AnalyzerAsync(Usings + """
        class C
        {
            Task SaveAsync() => Task.Delay(1);
            void Handle()
            {
                {|CS0103:Missing|}();
                {|CG1001:SaveAsync()|}{|CS1002:|}
                {|CS0246:Unknown|} x = {|CS0103:Nope|}.{|CS1001:|}{|CS1002:|}
            }
        """ + "{|CS1513:|}");

    // Issue #16, pattern 1: the dropped work's whole body is one try with a catch-all (and an optional finally).
    [Fact]
    public Task Does_not_flag_task_run_of_work_whose_body_catches_everything() => VerifyCG1001.AnalyzerAsync(Usings + """
        class Store
        {
            int _failures;
            readonly TaskCompletionSource<int> _done = new();

            async Task AddAsync(int item)
            {
                try { await Task.Delay(item); }
                catch (Exception ex) { _failures++; _done.TrySetException(ex); }
                finally { _failures += 0; }
            }

            void Refresh() { try { Console.WriteLine(); } catch { } }

            async Task PollAsync(CancellationToken token)
            {
                try
                {
                    while (!token.IsCancellationRequested)
                    {
                        try { await Task.Delay(10); }
                        catch { }
                        await Task.Delay(1000, token);
                    }
                }
                catch (OperationCanceledException) { }
            }

            void Add(int item, CancellationToken token)
            {
                Task.Run(() => AddAsync(item));
                Task.Run(Refresh);
                Task.Run(async () => { try { await AddAsync(item); } catch (Exception) { } });
                Task.Run(() => PollAsync(token));
            }
        }
        """);

    // Issue #16, pattern 2: the dropped continuation is itself the error handler.
    [Fact]
    public Task Does_not_flag_continuations_that_are_the_error_handler() => VerifyCG1001.AnalyzerAsync(Usings + """
        class C
        {
            readonly TaskCompletionSource<bool> _source = new();
            static void OnCanceled(Task t) { }

            void Watch(Task work, Task<int> value, TaskCompletionSource<int> forward, CancellationToken token)
            {
                work.ContinueWith(t => _source.TrySetCanceled(), TaskContinuationOptions.OnlyOnCanceled);
                work.ContinueWith(t => _source.TrySetResult(false), token, TaskContinuationOptions.NotOnRanToCompletion, TaskScheduler.Default);
                work.ContinueWith(t => Console.WriteLine(t.Exception), TaskContinuationOptions.OnlyOnFaulted);
                work.ContinueWith(OnCanceled, TaskContinuationOptions.OnlyOnCanceled);
                value.ContinueWith(t =>
                {
                    if (t.IsFaulted) forward.TrySetException(t.Exception!.InnerExceptions);
                    else forward.TrySetResult(t.Result);
                }, TaskScheduler.Default);
            }
        }
        """);

    // A forwarding helper (an async extension that awaits the task in a try with a catch-all and reports the outcome
    // to a receiver) observes the failures of the task it is given, even when its body first defaults a parameter.
    [Fact]
    public Task Does_not_flag_forwarding_helpers_that_default_a_parameter_before_their_catch_all() => VerifyCG1001.AnalyzerAsync(Usings + """
        interface IReceiver { void Post(object message, object? sender); }
        static class Forwarding
        {
            public static readonly object Nobody = new();

            public static Task ForwardTo<T>(this Task<T> task, IReceiver receiver, object? sender = null) => ForwardTo(task, receiver, false, sender);

            public static async Task ForwardTo<T>(this Task<T> task, IReceiver receiver, bool continueOnContext, object? sender = null)
            {
                sender = sender ?? Nobody;
                try { receiver.Post(await task.ConfigureAwait(continueOnContext), sender); }
                catch (Exception ex) { receiver.Post(ex, sender); }
            }

            public static Task ForwardTo(this Task task, IReceiver receiver, object? sender = null) => ForwardCore(task, receiver, sender);

            private static async Task ForwardCore(Task task, IReceiver receiver, object? sender)
            {
                sender ??= Nobody;
                try { await task; receiver.Post("done", sender); }
                catch (Exception ex) { receiver.Post(ex, sender); }
            }
        }
        class C
        {
            void Ask(Task<int> reply, Task work, IReceiver requester)
            {
                reply.ForwardTo(requester);
                work.ForwardTo(requester, this);
                reply.ContinueWith(t => t.Result + 1, TaskContinuationOptions.ExecuteSynchronously).ForwardTo(requester);
            }
        }
        """);

    // A continuation that hands the antecedent task itself to other code (a callback, a wrapper): the outcome is passed
    // on, like a task passed to a method. A continuation that only clears a field with Interlocked cannot throw.
    [Fact]
    public Task Does_not_flag_continuations_that_hand_the_antecedent_on() => VerifyCG1001.AnalyzerAsync(Usings + """
        readonly struct Outcome<T>
        {
            public static Outcome<T> From(Task<T> task) => default;
        }
        class C
        {
            object? _current;
            readonly Action<Task> _onDone = _ => { };

            void Watch(Task work, Task<int> value, Action<Outcome<int>> deliver, Action<Task<int>> callback)
            {
                work.ContinueWith(t => _onDone(t), TaskContinuationOptions.ExecuteSynchronously);
                value.ContinueWith(t => callback(t));
                value.ContinueWith(t => deliver(Outcome<int>.From(t)), TaskContinuationOptions.ExecuteSynchronously);

                var seen = new object();
                _current = seen;
                void Clear(Task t) => Interlocked.CompareExchange(ref _current, null, seen);
                work.ContinueWith(Clear, CancellationToken.None, TaskContinuationOptions.NotOnRanToCompletion, TaskScheduler.Default);
            }
        }
        """);

    // Still flagged: a continuation that ignores its antecedent and runs other work, a callback given as the
    // continuation itself, a forwarding helper whose first statement can throw.
    [Fact]
    public Task Flags_continuations_that_do_not_pass_the_antecedent_on() => VerifyCG1001.AnalyzerAsync(Usings + """
        static class Forwarding
        {
            public static Task ForwardTo(this Task task, Action<object> receiver, object[] defaults, object? sender = null) => ForwardCore(task, receiver, defaults, sender);

            private static async Task ForwardCore(Task task, Action<object> receiver, object[] defaults, object? sender)
            {
                sender = sender ?? defaults[0];
                try { await task; receiver(sender); }
                catch (Exception ex) { receiver(ex); }
            }
        }
        class C
        {
            object? _current;
            void Watch(Task work, Action<Task> callback, Action<object> receiver, object[] defaults)
            {
                {|CG1001:work.ContinueWith(t => callback(Task.CompletedTask))|};
                {|CG1001:work.ContinueWith(callback)|};
                {|CG1001:work.ForwardTo(receiver, defaults)|};
                {|CG1001:work.ContinueWith(t => Interlocked.CompareExchange(ref _current, null, defaults[0]), TaskContinuationOptions.OnlyOnCanceled)|};
            }
        }
        """);

    // Issue #16, pattern 3: the dropped task is already complete or provably cannot fault.
    [Fact]
    public Task Does_not_flag_tasks_that_cannot_fault() => VerifyCG1001.AnalyzerAsync(Usings + """
        static class Completion
        {
            public static Task<bool> TrySetResultAsync<T>(this TaskCompletionSource<T> source, T result) => Task.Run(() => source.TrySetResult(result));
        }
        class C
        {
            readonly System.Threading.Timer _timer = new(_ => { });
            readonly TaskCompletionSource<int> _source = new();

            Task RestartTimer()
            {
                _timer.Change(1000, Timeout.Infinite);
                return Task.CompletedTask;
            }

            ValueTask<int> CachedAsync(bool hit) => hit ? new ValueTask<int>(1) : default;

            void Complete(TaskCompletionSource<int> promise, int value, Exception error)
            {
                RestartTimer();
                CachedAsync(true);
                promise.TrySetResultAsync(value);
                Task.Run(() => promise.TrySetResult(value));
                Task.Run(() => _source.TrySetException(error));
                Task.Run(() => { promise.TrySetCanceled(); });
            }
        }
        """);

    // Issue #16, pattern 3: an aggregator whose task only combines its callback's tasks, called with a callback that
    // always returns a completed task. Still flagged: a callback that can fault, an async callback, an aggregator that
    // also combines a task of its own.
    [Fact]
    public Task Aggregator_called_with_a_callback_that_returns_completed_tasks_is_not_flagged() => VerifyCG1001.AnalyzerAsync(Usings + """
        using System.Collections.Generic;
        using System.Linq;
        interface IObserver { Task NotifyAsync(); }
        class Hub
        {
            readonly List<IObserver> _observers = new();
            Task _pending = Task.Delay(1);

            public Task ForEachAsync(Func<IObserver, Task> callback) => Task.WhenAll(_observers.Select(o => callback(o)));
            public Task ForEachWithPendingAsync(Func<IObserver, Task> callback) => Task.WhenAll(_observers.Select(callback).Append(_pending));
            static Task Done(IObserver o) => Task.CompletedTask;

            void Signal(bool flag)
            {
                ForEachAsync(o => Task.CompletedTask);
                ForEachAsync(o => { Console.WriteLine(o); return flag ? Task.CompletedTask : Task.FromResult(1); });
                ForEachAsync(Done);
                {|CG1001:ForEachAsync(o => o.NotifyAsync())|};
                {|CG1001:ForEachAsync(async o => await Task.Yield())|};
                {|CG1001:ForEachWithPendingAsync(o => Task.CompletedTask)|};
            }
        }
        """);

    // Issue #16, pattern 3 caveat: TrySet* does not throw, but what surrounds it can (a cast, an indexer, a call,
    // an object creation): the exception is lost in the dropped task and whoever awaits the source hangs.
    [Fact]
    public Task Flags_completion_hop_when_the_work_around_TrySet_can_throw() => VerifyCG1001.AnalyzerAsync(Usings + """
        using System.Collections.Generic;
        class C
        {
            void Complete(object state, TaskCompletionSource<int>[] sources, List<int> values, Func<Exception> error)
            {
                {|CG1001:Task.Run(() => ((TaskCompletionSource<List<int>>)state).TrySetResult(values))|};
                {|CG1001:Task.Run(() => sources[0].TrySetResult(1))|};
                {|CG1001:Task.Run(() => sources[1].TrySetException(error()))|};
                {|CG1001:Task.Run(() => sources[1].TrySetException(new InvalidOperationException(values.Count.ToString())))|};
            }
        }
        """);

    // Real findings that must stay (issue #16).
    [Fact]
    public Task Flags_background_cleanup_callbacks_and_work_that_can_fault() => VerifyCG1001.AnalyzerAsync(Usings + """
        class C
        {
            readonly Func<Task>? _callback;
            void Cleanup()
            {
                try { Console.WriteLine(); }
                finally { Console.WriteLine(); }
            }

            async Task PollAsync(Task work, CancellationToken token)
            {
                try
                {
                    await work;
                    await Task.Delay(1000, token);
                }
                catch (OperationCanceledException) { }
            }

            async Task RethrowAsync()
            {
                try { await Task.Delay(1); }
                catch (Exception) { throw; }
            }

            Task ForwardAsync() { try { return Task.Delay(1); } catch { return Task.CompletedTask; } }

            void Start(Task work, CancellationToken token)
            {
                {|CG1001:Task.Run(() => Cleanup())|};
                {|CG1001:Task.Run(() => _callback!())|};
                {|CG1001:Task.Run(() => PollAsync(work, token))|};
                {|CG1001:Task.Run(() => RethrowAsync())|};
                {|CG1001:Task.Run(ForwardAsync)|};
                {|CG1001:work.ContinueWith(t => Console.WriteLine(), TaskContinuationOptions.OnlyOnCanceled)|};
                {|CG1001:Task.Run(async () => { await Task.Delay(1); Console.WriteLine(); })|};
            }
        }
        """);

    /// <summary>The public shape of the runtime package's extension, enough for the fix to detect it.</summary>
    internal const string RuntimeStub = """
        namespace ConcurrencyGuard
        {
            public static class TaskExtensions
            {
                public static void Forget(this System.Threading.Tasks.Task task, string? name = null) { }
            }
        }
        """;
}

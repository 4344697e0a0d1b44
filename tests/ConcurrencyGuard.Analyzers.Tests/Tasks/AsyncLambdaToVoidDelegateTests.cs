using VerifyCG1004 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Tasks.AsyncLambdaToVoidDelegateAnalyzer,
    ConcurrencyGuard.CodeFixes.Tasks.AsyncLambdaToVoidDelegateFixer>;

namespace ConcurrencyGuard.Analyzers.Tests.Tasks;

public class AsyncLambdaToVoidDelegateTests
{
    private const string Usings = "using System;\nusing System.Collections.Generic;\nusing System.Threading;\nusing System.Threading.Tasks;\n";

    [Fact]
    public Task Flags_async_lambdas_given_to_void_delegates() => VerifyCG1004.AnalyzerAsync(Usings + """
        class C
        {
            Task SendAsync(int x) => Task.CompletedTask;
            void Run(List<int> items)
            {
                items.ForEach({|CG1004:async x =>|} await SendAsync(x));
                Parallel.ForEach(items, {|CG1004:async x =>|} { await SendAsync(x); });
                var thread = new Thread({|CG1004:async () =>|} await SendAsync(1));
                ThreadPool.QueueUserWorkItem({|CG1004:async _ =>|} await SendAsync(2));
                Action a = {|CG1004:async () =>|} await SendAsync(3);
                Action b = async {|CG1004:delegate|} { await SendAsync(4); };
                Func<int, Action> nested = n => {|CG1004:async () =>|} await SendAsync(n);
                void Local() => items.ForEach({|CG1004:async (int x) =>|} await SendAsync(x));
                Local();
            }
        }
        """);

    [Fact]
    public Task Flags_unwrapped_callbacks_timers_and_event_subscriptions() => VerifyCG1004.AnalyzerAsync(Usings + """
        class Source
        {
            public event EventHandler? Changed;
            public event Action? Tick;
            public void Raise() { Changed?.Invoke(this, EventArgs.Empty); Tick?.Invoke(); }
        }
        class C
        {
            Task SaveAsync() => Task.CompletedTask;
            Timer? _timer;
            void Wire(Source source, CancellationToken token)
            {
                source.Changed += {|CG1004:async (s, e) =>|} await SaveAsync();
                source.Tick += {|CG1004:async () =>|} { await SaveAsync(); };
                _timer = new Timer({|CG1004:async _ =>|} await SaveAsync(), null, 0, 1000);
                token.Register({|CG1004:async () =>|} await SaveAsync());
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_wrapped_callbacks_task_delegates_or_sync_lambdas() => VerifyCG1004.AnalyzerAsync(Usings + """
        class Source
        {
            public event EventHandler? Changed;
            public event Action? Tick;
            public void Raise() { Changed?.Invoke(this, EventArgs.Empty); Tick?.Invoke(); }
        }
        class C
        {
            Task SaveAsync() => Task.CompletedTask;
            Timer? _timer;
            async void OnChanged(object? s, EventArgs e) { try { await SaveAsync(); } catch (Exception) { } }
            async Task RunAsync(Source source, List<int> items, CancellationToken token)
            {
                source.Changed += async (s, e) =>
                {
                    try { await SaveAsync(); }
                    catch (Exception ex) { Console.WriteLine(ex); }
                };
                source.Tick += async () => { try { await SaveAsync(); } catch { } };
                source.Changed += OnChanged;
                _timer = new Timer(async _ => { try { await SaveAsync(); } catch (Exception) { } }, null, 0, 1000);
                token.Register(async () => { try { await SaveAsync(); } catch (Exception) { } });
                await Task.Run(async () => await SaveAsync());
                Func<Task> f = async () => await SaveAsync();
                await Parallel.ForEachAsync(items, async (x, ct) => await SaveAsync());
                items.ForEach(x => Console.WriteLine(x));
                var natural = async () => await SaveAsync();
                await natural();
                await f();
            }
        }
        """);

    [Fact]
    public Task List_ForEach_wrapped_in_catch_all_is_still_flagged() => VerifyCG1004.AnalyzerAsync(Usings + """
        class C
        {
            Task SendAsync(int x) => Task.CompletedTask;
            void Run(List<int> items)
            {
                items.ForEach({|CG1004:async x =>|} { try { await SendAsync(x); } catch (Exception) { } });
            }
        }
        """);

    [Fact]
    public Task Fix_turns_list_foreach_into_foreach_with_await() => VerifyCG1004.FixAsync(Usings + """
        class C
        {
            Task SendAsync(int x) => Task.CompletedTask;
            async Task RunAsync(List<int> items)
            {
                // send them all
                items.ForEach({|CG1004:async x =>|} await SendAsync(x)); // trailing
                items.ForEach({|CG1004:async (int item) =>|}
                {
                    if (item < 0)
                    {
                        return;
                    }

                    await SendAsync(item);
                });
            }
        }
        """, Usings + """
        class C
        {
            Task SendAsync(int x) => Task.CompletedTask;
            async Task RunAsync(List<int> items)
            {
                // send them all
                foreach (var x in items)
                {
                    await SendAsync(x);
                } // trailing
                foreach (int item in items)
                {
                    if (item < 0)
                    {
                        continue;
                    }

                    await SendAsync(item);
                }
            }
        }
        """, equivalenceKey: "Foreach");

    [Fact]
    public Task Fix_turns_parallel_foreach_into_awaited_foreachasync() => VerifyCG1004.FixAsync(Usings + """
        class C
        {
            Task SendAsync(int x) => Task.CompletedTask;
            async Task RunAsync(List<int> items, ParallelOptions options)
            {
                Parallel.ForEach(items, {|CG1004:async x =>|} await SendAsync(x));
                Parallel.ForEach(items, options, {|CG1004:async (int ct) =>|}
                {
                    await SendAsync(ct);
                });
            }
        }
        """, Usings + """
        class C
        {
            Task SendAsync(int x) => Task.CompletedTask;
            async Task RunAsync(List<int> items, ParallelOptions options)
            {
                await Parallel.ForEachAsync(items, async (x, ct) => await SendAsync(x));
                await Parallel.ForEachAsync(items, options, async (int ct, CancellationToken cancellationToken) =>
                {
                    await SendAsync(ct);
                });
            }
        }
        """, equivalenceKey: "ForEachAsync");

    [Fact]
    public Task No_fix_outside_async_context_or_when_the_body_cannot_move() => VerifyCG1004.NoFixAsync(Usings + """
        class C
        {
            Task SendAsync(int x) => Task.CompletedTask;
            void Run(List<int> items)
            {
                items.ForEach({|CG1004:async x =>|} await SendAsync(x));
                Parallel.ForEach(items, {|CG1004:async x =>|} await SendAsync(x));
            }

            async Task RunAsync(List<int> items, int[][] groups)
            {
                var y = 0;
                items.ForEach({|CG1004:async x =>|} { var y = x; await SendAsync(y); });
                items.ForEach({|CG1004:async x =>|} { foreach (var g in groups) { if (g.Length == x) return; } await SendAsync(x); });
                Parallel.ForEach(items, {|CG1004:async (x, state) =>|} await SendAsync(x));
                var r = Parallel.ForEach(items, {|CG1004:async x =>|} await SendAsync(x));
                await SendAsync(y);
            }
        }
        """);

    [Fact]
    public Task Broken_code_does_not_crash() => VerifyCG1004.AnalyzerAsync(Usings + """
        class C
        {
            void Run(List<int> items)
            {
                items.ForEach(async x => await {|CS0103:Missing|}(x));
                items.{|CS1061:ForEachh|}(async x => await Task.Delay(x));
                Action a = {|CG1004:async () =>|} await {|CS0103:Nope|}();
            }
        }
        """);
}

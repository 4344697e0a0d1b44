using VerifyCG5001 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Closures.ForLoopVariableCapturedAnalyzer,
    ConcurrencyGuard.CodeFixes.Closures.ForLoopVariableCapturedFixer>;

namespace ConcurrencyGuard.Analyzers.Tests.Closures;

public class ForLoopVariableCapturedTests
{
    private const string Usings = "using System;\nusing System.Collections.Generic;\nusing System.Linq;\nusing System.Threading;\nusing System.Threading.Tasks;\n";

    [Fact]
    public Task Flags_task_run_start_new_thread_pool_thread_and_timer() => VerifyCG5001.AnalyzerAsync(Usings + """
        class C
        {
            void Use(int i) { }
            void Handle(int n, List<Task> tasks, List<Thread> threads, List<Timer> timers)
            {
                for (var i = 0; i < n; i++)
                {
                    tasks.Add(Task.Run({|CG5001:() =>|} Use({|#0:i|})));
                    tasks.Add(Task.Factory.StartNew({|CG5001:() =>|} Use(i)));
                    ThreadPool.QueueUserWorkItem({|CG5001:_ =>|} Use(i));
                    threads.Add(new Thread({|CG5001:() =>|} Use(i)));
                    timers.Add(new Timer({|CG5001:_ =>|} Use(i), null, 0, 1000));
                    tasks[0].ContinueWith({|CG5001:t =>|} Use(i));
                }
            }
        }
        """);

    [Fact]
    public Task Flags_stored_added_subscribed_and_yielded_delegates() => VerifyCG5001.AnalyzerAsync(Usings + """
        class C
        {
            Action? _last;
            event EventHandler? Changed;
            void Use(int i) { }
            IEnumerable<Func<int>> Make(int n)
            {
                for (int i = 0; i < n; i++)
                {
                    yield return {|CG5001:() =>|} i;
                }
            }
            void Handle(int n)
            {
                var actions = new List<Action>();
                Action? outer = null;
                for (int i = 0; i < n; i++)
                {
                    actions.Add({|CG5001:() =>|} Use(i));
                    _last = {|CG5001:delegate|} { Use(i); };
                    Changed += {|CG5001:(s, e) =>|} Use(i);
                    outer = {|CG5001:() =>|} Use(i);
                }
                outer?.Invoke();
            }
        }
        """);

    [Fact]
    public Task Flags_local_function_stored_query_and_unawaited_async_call() => VerifyCG5001.AnalyzerAsync(Usings + """
        class C
        {
            readonly List<IEnumerable<int>> _queries = new();
            Task RetryAsync(Func<Task> action) => action();
            void Handle(int n, int[] items, List<Task> tasks)
            {
                for (int i = 0; i < n; i++)
                {
                    void Work() => Console.WriteLine(i);
                    tasks.Add(Task.Run({|CG5001:Work|}));
                    _queries.Add(items.Where({|CG5001:x =>|} x > i));
                    tasks.Add(RetryAsync({|CG5001:() =>|} Task.FromResult(i)));
                }
            }
        }
        """);

    [Fact]
    public Task Flags_outer_loop_variable_in_nested_loop_and_async_lambda() => VerifyCG5001.AnalyzerAsync(Usings + """
        class C
        {
            Task SaveAsync(int i, int j) => Task.CompletedTask;
            void Handle(int n, List<Task> tasks)
            {
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < n; j++)
                        tasks.Add(Task.Run({|CG5001:{|CG5001:async () =>|}|} await SaveAsync(i, j)));
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_foreach_or_copies() => VerifyCG5001.AnalyzerAsync(Usings + """
        class C
        {
            void Use(int i) { }
            void Handle(int n, int[] items, List<Task> tasks)
            {
                foreach (var item in items)
                {
                    tasks.Add(Task.Run(() => Use(item)));
                }
                for (int i = 0; i < n; i++)
                {
                    var copy = i;
                    tasks.Add(Task.Run(() => Use(copy)));
                }
                for (int i = 0; i < n; i++)
                {
                    int index = i;
                    ThreadPool.QueueUserWorkItem(_ => Use(index));
                }
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_lambdas_consumed_in_the_statement() => VerifyCG5001.AnalyzerAsync(Usings + """
        class C
        {
            void Use(int i) { }
            int Apply(Func<int, int> f) => f(1);
            void Handle(int n, int[] items, List<int> list)
            {
                for (int i = 0; i < n; i++)
                {
                    var bigger = items.Where(x => x > i).ToList();
                    var count = items.Count(x => x == i);
                    list.ForEach(x => Use(x + i));
                    foreach (var y in items.Select(x => x * i)) Use(y);
                    Parallel.For(0, n, j => Use(i + j));
                    Parallel.Invoke(() => Use(i));
                    Apply(x => x + i);
                    ((Action)(() => Use(i)))();
                    Action local = () => Use(i);
                    local();
                    var query = items.Where(x => x > i);
                    Use(query.Sum());
                    Task.Run(() => Use(i)).Wait();
                    var r = Task.Run(() => i).Result;
                }
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_work_awaited_within_the_iteration() => VerifyCG5001.AnalyzerAsync(Usings + """
        class C
        {
            Task SaveAsync(int i) => Task.CompletedTask;
            Task RetryAsync(Func<Task> action) => action();
            async Task HandleAsync(int n, int[] items)
            {
                for (int i = 0; i < n; i++)
                {
                    await Task.Run(() => SaveAsync(i));
                    await RetryAsync(() => SaveAsync(i));
                    await Task.Run(() => SaveAsync(i)).ConfigureAwait(false);
                    await Task.WhenAll(items.Select(x => Task.Run(() => SaveAsync(x + i))));
                    var t = Task.Run(() => SaveAsync(i));
                    await t;
                    var batch = new List<Task>();
                    batch.Add(Task.Run(() => SaveAsync(i)));
                    await Task.WhenAll(batch);
                }
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_when_the_loop_is_left_right_after() => VerifyCG5001.AnalyzerAsync(Usings + """
        class C
        {
            void Use(int i) { }
            Func<int>? Find(int n, int[] items)
            {
                for (int i = 0; i < n; i++)
                {
                    if (items[i] == 0)
                    {
                        return () => i;
                    }
                }
                Task? started = null;
                for (int i = 0; i < n; i++)
                {
                    if (items[i] == 1)
                    {
                        started = Task.Run(() => Use(i));
                        break;
                    }
                }
                return null;
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_iteration_local_holders_that_go_nowhere() => VerifyCG5001.AnalyzerAsync(Usings + """
        class C
        {
            void Use(int i) { }
            void Run(List<Action> actions) { foreach (var a in actions) a(); }
            void Handle(int n)
            {
                for (int i = 0; i < n; i++)
                {
                    var batch = new List<Action>();
                    batch.Add(() => Use(i));
                    Run(batch);
                }
            }
        }
        """);

    [Fact]
    public Task Fix_copies_to_a_local_at_the_top_of_the_body() => VerifyCG5001.FixAsync(Usings + """
        class C
        {
            void Use(int i) { }
            void Handle(int n, List<Task> tasks)
            {
                for (int i = 0; i < n; i++)
                {
                    Console.WriteLine(i);
                    tasks.Add(Task.Run({|CG5001:() =>|} Use(i)));
                }
            }
        }
        """, Usings + """
        class C
        {
            void Use(int i) { }
            void Handle(int n, List<Task> tasks)
            {
                for (int i = 0; i < n; i++)
                {
                    var iCopy = i;
                    Console.WriteLine(i);
                    tasks.Add(Task.Run(() => Use(iCopy)));
                }
            }
        }
        """);

    [Fact]
    public Task Fix_all_shares_one_copy_per_loop_and_wraps_embedded_statements() => VerifyCG5001.FixAsync(Usings + """
        class C
        {
            void Use(int i) { }
            void Handle(int n, List<Task> tasks, List<Action> later)
            {
                int iCopy = 0;
                for (int i = 0; i < n; i++)
                {
                    tasks.Add(Task.Run({|CG5001:() =>|} Use(i)));
                    later.Add({|CG5001:() =>|} Use(i + 1));
                }
                for (int k = 0; k < n; k++)
                    tasks.Add(Task.Run({|CG5001:() =>|} Use(k)));
            }
        }
        """, Usings + """
        class C
        {
            void Use(int i) { }
            void Handle(int n, List<Task> tasks, List<Action> later)
            {
                int iCopy = 0;
                for (int i = 0; i < n; i++)
                {
                    var iCopy2 = i;
                    tasks.Add(Task.Run(() => Use(iCopy2)));
                    later.Add(() => Use(iCopy2 + 1));
                }
                for (int k = 0; k < n; k++)
                {
                    var kCopy = k;
                    tasks.Add(Task.Run(() => Use(kCopy)));
                }
            }
        }
        """);

    [Fact]
    public Task No_fix_when_the_deferred_code_writes_the_variable() => VerifyCG5001.NoFixAsync(Usings + """
        class C
        {
            void Handle(int n, List<Action> later)
            {
                for (int i = 0; i < n; i++)
                {
                    later.Add({|CG5001:() =>|} i++);
                }
            }
        }
        """);

    [Fact]
    public Task Broken_code_does_not_crash() => VerifyCG5001.AnalyzerAsync(Usings + """
        class C
        {
            void Handle(int n, List<Task> tasks)
            {
                for (int i = 0; i < n; i++)
                {
                    tasks.Add(Task.Run({|CG5001:() =>|} Console.WriteLine(i)));
                    tasks.Add(Task.Run(() => {|CS0103:Missing|}(i)));
                    {|CS0246:Unknown|} x = {|CS0103:Nope|}.{|CS1001:|}{|CS1002:|}
                }
                for (int j = 0; {|CS0103:k|} < n; j++) {|CS1002:{|CS1513:{|CS1525:)|}|}|}
            }
        """ + "{|CS1513:|}");
}

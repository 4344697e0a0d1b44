using VerifyCG5002 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Closures.CapturedVariableModifiedAnalyzer,
    ConcurrencyGuard.CodeFixes.Closures.CapturedVariableModifiedFixer>;

namespace ConcurrencyGuard.Analyzers.Tests.Closures;

public class CapturedVariableModifiedTests
{
    private const string Usings = "using System;\nusing System.Collections.Generic;\nusing System.Linq;\nusing System.Threading;\nusing System.Threading.Tasks;\n";

    [Fact]
    public Task Flags_local_assigned_after_background_start() => VerifyCG5002.AnalyzerAsync(Usings + """
        class C
        {
            void Send(string s) { }
            void Handle(string first, string second)
            {
                var message = first;
                _ = Task.Run({|CG5002:() =>|} Send(message));
                message = second;
            }
        }
        """);

    [Fact]
    public Task Flags_while_loop_variable_declared_outside_the_loop() => VerifyCG5002.AnalyzerAsync(Usings + """
        class C
        {
            void Use(int i) { }
            void Handle(Queue<int> work, List<Task> tasks)
            {
                int item;
                while (work.Count > 0)
                {
                    item = work.Dequeue();
                    tasks.Add(Task.Run({|CG5002:() =>|} Use(item)));
                }
                var index = 0;
                do
                {
                    ThreadPool.QueueUserWorkItem({|CG5002:_ =>|} Use(index));
                    index++;
                }
                while (index < 10);
            }
        }
        """);

    [Fact]
    public Task Flags_parameters_timers_events_stored_queries_and_compound_writes() => VerifyCG5002.AnalyzerAsync(Usings + """
        class C
        {
            event EventHandler? Tick;
            Timer? _timer;
            void Use(int i) { }
            void Handle(int limit, int[] items, int offset)
            {
                _timer = new Timer({|CG5002:_ =>|} Use(limit), null, 0, 1000);
                limit = 5;
                Tick += {|CG5002:(s, e) =>|} Use(offset);
                offset += 10;
                var threshold = 3;
                var query = items.Where({|CG5002:x =>|} x > threshold);
                threshold++;
                Use(query.Count());
                int parsed = 0;
                _ = Task.Run({|CG5002:() =>|} Use(parsed));
                int.TryParse("5", out parsed);
            }
        }
        """);

    [Fact]
    public Task Flags_inside_an_enclosing_lambda_that_declares_the_variable() => VerifyCG5002.AnalyzerAsync(Usings + """
        class C
        {
            void Use(int i) { }
            Action<int> Make() => n =>
            {
                var x = n;
                _ = Task.Run({|CG5002:() =>|} Use(x));
                x = 2;
            };
        }
        """);

    [Fact]
    public Task Does_not_flag_reads_before_or_awaited_work() => VerifyCG5002.AnalyzerAsync(Usings + """
        class C
        {
            Task SendAsync(string s) => Task.CompletedTask;
            async Task HandleAsync(string first, string second, int[] items)
            {
                var message = first;
                await Task.Run(() => SendAsync(message));
                message = second;

                var other = first;
                var t = Task.Run(() => SendAsync(other));
                await t;
                other = second;

                var limit = 3;
                var bigger = items.Where(x => x > limit).ToList();
                limit = 4;

                var query = items.Where(x => x > limit);
                var count = query.Count();
                limit = 5;

                var fixedValue = first;
                _ = Task.Run(() => SendAsync(fixedValue));

                Action local = () => Console.WriteLine(message);
                local();
                message = "changed";
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_copies_or_fresh_iteration_locals() => VerifyCG5002.AnalyzerAsync(Usings + """
        class C
        {
            void Use(int i) { }
            void Handle(Queue<int> work, List<Task> tasks)
            {
                int item = 0;
                while (work.Count > 0)
                {
                    item = work.Dequeue();
                    var copy = item;
                    tasks.Add(Task.Run(() => Use(copy)));
                }
                foreach (var x in work)
                {
                    var doubled = x * 2;
                    tasks.Add(Task.Run(() => Use(doubled)));
                }
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_stop_flags_polled_by_the_worker_or_writes_in_other_lambdas() => VerifyCG5002.AnalyzerAsync(Usings + """
        class C
        {
            void Work() { }
            async Task RunAsync(Action<Action> subscribe)
            {
                var stop = false;
                var worker = Task.Run(() => { while (!stop) Work(); });
                var running = true;
                var other = Task.Run(() => { for (;;) { if (!running) break; Work(); } });
                var counter = 0;
                _ = Task.Run(() => Console.WriteLine(counter));
                subscribe(() => counter++);
                await Task.Delay(100);
                stop = true;
                running = false;
                await worker;
                await other;
            }
        }
        """);

    [Fact]
    public Task Fix_copies_before_the_statement() => VerifyCG5002.FixAsync(Usings + """
        class C
        {
            void Send(string s) { }
            void Handle(string first, string second)
            {
                var message = first;
                var task = Task.Run({|CG5002:() =>|} Send(message));
                message = second;
            }
        }
        """, Usings + """
        class C
        {
            void Send(string s) { }
            void Handle(string first, string second)
            {
                var message = first;
                var messageCopy = message;
                var task = Task.Run(() => Send(messageCopy));
                message = second;
            }
        }
        """);

    [Fact]
    public Task Fix_all_handles_two_variables_of_one_lambda_and_other_methods() => VerifyCG5002.FixAsync(Usings + """
        class C
        {
            void Send(string s, int n) { }
            void Handle(string first, string second)
            {
                var message = first;
                var count = 1;
                _ = Task.Run({|CG5002:{|CG5002:() =>|}|} Send(message, count));
                message = second;
                count++;
            }
            void Other(string first)
            {
                var message = first;
                ThreadPool.QueueUserWorkItem({|CG5002:_ =>|} Send(message, 0));
                message = "";
            }
        }
        """, Usings + """
        class C
        {
            void Send(string s, int n) { }
            void Handle(string first, string second)
            {
                var message = first;
                var count = 1;
                var countCopy = count;
                var messageCopy = message;
                _ = Task.Run(() => Send(messageCopy, countCopy));
                message = second;
                count++;
            }
            void Other(string first)
            {
                var message = first;
                var messageCopy = message;
                ThreadPool.QueueUserWorkItem(_ => Send(messageCopy, 0));
                message = "";
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_element_factories_run_inside_the_collection_call() => VerifyCG5002.AnalyzerAsync(Usings + """
        using System.Collections.Concurrent;
        class C
        {
            readonly ConcurrentDictionary<string, Func<int>> _compiled = new();
            readonly ConcurrentDictionary<string, int> _sizes = new();
            Func<int> Build(string key, out string[] parts) { parts = key.Split('.'); var count = parts.Length; return () => count; }
            int Resolve(string key)
            {
                string[]? parts = null;
                var built = _compiled.GetOrAdd(key, k => Build(k, out parts));
                if (parts == null)
                {
                    parts = key.Split('.');
                }
                var size = key.Length;
                _sizes.AddOrUpdate(key, _ => size, (_, old) => old + size);
                size = 0;
                return built() + parts.Length + size;
            }
        }
        """);

    [Fact]
    public Task Flags_a_delegate_stored_as_the_collection_element() => VerifyCG5002.AnalyzerAsync(Usings + """
        using System.Collections.Concurrent;
        class C
        {
            readonly ConcurrentDictionary<string, Func<int>> _handlers = new();
            readonly List<Action> _callbacks = new();
            void Use(int i) { }
            void Register(string key, int value)
            {
                _handlers.TryAdd(key, {|CG5002:() =>|} value);
                _callbacks.Add({|CG5002:() =>|} Use(value));
                value = 0;
            }
        }
        """);

    [Fact]
    public Task No_fix_when_the_lambda_writes_the_variable() => VerifyCG5002.NoFixAsync(Usings + """
        class C
        {
            void Handle()
            {
                var total = 0;
                _ = Task.Run({|CG5002:() =>|} total++);
                total = 10;
            }
        }
        """);

    [Fact]
    public Task Broken_code_does_not_crash() => VerifyCG5002.AnalyzerAsync(Usings + """
        class C
        {
            void Handle(string first)
            {
                var message = first;
                _ = Task.Run({|CG5002:() =>|} Console.WriteLine(message));
                message = {|CS0103:Missing|};
                {|CS0103:other|} = message{|CS1002:|}
                _ = Task.Run(() => {|CS0103:Nope|}(message));
            }
        """ + "{|CS1513:|}");
}

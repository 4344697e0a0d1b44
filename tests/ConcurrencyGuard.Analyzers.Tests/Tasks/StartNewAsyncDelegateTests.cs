using VerifyCG1006 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Tasks.StartNewAsyncDelegateAnalyzer,
    ConcurrencyGuard.CodeFixes.Tasks.StartNewAsyncDelegateFixer>;

namespace ConcurrencyGuard.Analyzers.Tests.Tasks;

public class StartNewAsyncDelegateTests
{
    private const string Usings = "using System;\nusing System.Collections.Generic;\nusing System.Threading;\nusing System.Threading.Tasks;\n";

    [Fact]
    public Task Flags_awaited_stored_and_dropped_nested_tasks() => VerifyCG1006.AnalyzerAsync(Usings + """
        class C
        {
            Task _loop = Task.CompletedTask;
            Task<int> CountAsync() => Task.FromResult(1);
            async Task RunAsync(List<Task> pending)
            {
                await {|CG1006:Task.Factory.StartNew|}(async () => await Task.Delay(10));
                _loop = {|CG1006:Task.Factory.StartNew|}(async () => { await Task.Delay(10); }, TaskCreationOptions.LongRunning);
                pending.Add({|CG1006:Task.Factory.StartNew|}(() => CountAsync()));
                _ = {|CG1006:Task.Factory.StartNew|}(async () => await CountAsync());
                await Task.WhenAll({|CG1006:Task.Factory.StartNew|}(async () => await Task.Delay(1)));
            }
        }
        """);

    [Fact]
    public Task Flags_in_lambdas_local_functions_and_custom_factories() => VerifyCG1006.AnalyzerAsync(Usings + """
        class C
        {
            readonly TaskFactory _factory = new TaskFactory(TaskScheduler.Default);
            Task Work() => Task.CompletedTask;
            void Start()
            {
                Action a = () => {|CG1006:_factory.StartNew|}(Work).Wait();
                Func<Task> f = () => {|CG1006:Task.Factory.StartNew|}(async () => await Task.Delay(1));
                void Local() => {|CG1006:Task.Factory.StartNew|}(async () => await Task.Delay(1));
                Local();
                a();
                f();
            }
        }
        """);

    [Fact]
    public Task Flags_value_task_returning_delegate() => VerifyCG1006.AnalyzerAsync(Usings + """
        class C
        {
            ValueTask FlushAsync() => default;
            Task RunAsync() => {|CG1006:Task.Factory.StartNew|}(() => FlushAsync());
        }
        """);

    [Fact]
    public Task Does_not_flag_unwrapped_or_double_awaited_or_synchronous_delegates() => VerifyCG1006.AnalyzerAsync(Usings + """
        class C
        {
            Task<Task> _nested = Task.FromResult(Task.CompletedTask);
            async Task RunAsync(CancellationToken ct)
            {
                await Task.Factory.StartNew(async () => await Task.Delay(10)).Unwrap();
                await await Task.Factory.StartNew(async () => await Task.Delay(10));
                TaskExtensions.Unwrap(Task.Factory.StartNew(async () => await Task.Delay(10)));
                var t = Task.Factory.StartNew(async () => await Task.Delay(10), ct);
                await t.Unwrap();
                var u = Task.Factory.StartNew(async () => await Task.Delay(10));
                await await u;
                _nested = Task.Factory.StartNew(async () => await Task.Delay(10));
                await Task.Factory.StartNew(() => Thread.Sleep(10), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                var n = await Task.Factory.StartNew(() => 42);
                await Task.Run(async () => await Task.Delay(10));
            }

            Task<Task> Nested() => Task.Factory.StartNew(async () => await Task.Delay(10));
        }
        """);

    [Fact]
    public Task Fix_uses_task_run_and_fix_all_covers_every_call() => VerifyCG1006.FixAsync(Usings + """
        class C
        {
            async Task RunAsync(CancellationToken ct)
            {
                // start the pump
                await {|CG1006:Task.Factory.StartNew|}(async () => await Task.Delay(10), ct); // keep
                _ = {|CG1006:Task.Factory.StartNew|}(async () => await Task.Delay(10), ct, TaskCreationOptions.DenyChildAttach, TaskScheduler.Default);
                {|CG1006:System.Threading.Tasks.Task.Factory.StartNew|}(async () => await Task.Delay(10));
            }
        }
        """, Usings + """
        class C
        {
            async Task RunAsync(CancellationToken ct)
            {
                // start the pump
                await Task.Run(async () => await Task.Delay(10), ct); // keep
                _ = Task.Run(async () => await Task.Delay(10), ct);
                System.Threading.Tasks.Task.Run(async () => await Task.Delay(10));
            }
        }
        """, equivalenceKey: "TaskRun");

    [Fact]
    public Task Fix_unwraps_where_task_run_cannot_express_the_options() => VerifyCG1006.FixAsync(Usings + """
        class C
        {
            Task _loop = Task.CompletedTask;
            async Task RunAsync()
            {
                _loop = {|CG1006:Task.Factory.StartNew|}(async () => await Task.Delay(10), TaskCreationOptions.LongRunning);
                await {|CG1006:Task.Factory.StartNew|}(async () => await Task.Delay(10)).ConfigureAwait(false);
            }
        }
        """, Usings + """
        class C
        {
            Task _loop = Task.CompletedTask;
            async Task RunAsync()
            {
                _loop = Task.Factory.StartNew(async () => await Task.Delay(10), TaskCreationOptions.LongRunning).Unwrap();
                await Task.Factory.StartNew(async () => await Task.Delay(10)).Unwrap().ConfigureAwait(false);
            }
        }
        """, equivalenceKey: "Unwrap");

    [Fact]
    public Task Unwrap_fix_adds_the_tasks_namespace_when_missing() => VerifyCG1006.FixAsync("""
        class C
        {
            System.Threading.Tasks.Task Run() => {|CG1006:System.Threading.Tasks.Task.Factory.StartNew|}(async () => await System.Threading.Tasks.Task.Delay(1));
        }
        """, """
        using System.Threading.Tasks;

        class C
        {
            System.Threading.Tasks.Task Run() => System.Threading.Tasks.Task.Factory.StartNew(async () => await System.Threading.Tasks.Task.Delay(1)).Unwrap();
        }
        """, equivalenceKey: "Unwrap");

    [Fact]
    public Task No_task_run_fix_with_state_long_running_or_custom_scheduler() => VerifyCG1006.NoFixAsync(Usings + """
        class C
        {
            Task _a = Task.CompletedTask, _b = Task.CompletedTask, _c = Task.CompletedTask;
            void Start(TaskScheduler scheduler)
            {
                _a = {|CG1006:Task.Factory.StartNew|}(async s => await Task.Delay(1), "state");
                _b = {|CG1006:Task.Factory.StartNew|}(async () => await Task.Delay(1), TaskCreationOptions.LongRunning);
                _c = {|CG1006:Task.Factory.StartNew|}(async () => await Task.Delay(1), CancellationToken.None, TaskCreationOptions.None, scheduler);
            }
        }
        """, equivalenceKey: "TaskRun");

    [Fact]
    public Task No_fix_where_the_nested_type_is_used() => VerifyCG1006.NoFixAsync(Usings + """
        class C
        {
            ValueTask FlushAsync() => default;
            async Task RunAsync()
            {
                Task inner = await {|CG1006:Task.Factory.StartNew|}(async () => await Task.Delay(1));
                await {|CG1006:Task.Factory.StartNew|}(() => FlushAsync());
                await inner;
            }
        }
        """);

    [Fact]
    public Task Broken_code_does_not_crash() => VerifyCG1006.AnalyzerAsync(Usings + """
        class C
        {
            async Task RunAsync()
            {
                await Task.Factory.StartNew(async () => await {|CS0103:Missing|}());
                await Task.Factory.{|CS1501:StartNew|}();
                var x = {|CG1006:Task.Factory.StartNew|}(async () => await Task.Delay(1)).{|CS1061:Unwrapp|}();
            }
        }
        """);
    // Issue #18 item 4: ContinueWith(async ...) returns Task<Task> like StartNew(async ...).
    [Fact]
    public Task Flags_continue_with_async_delegate_awaited_stored_returned_or_passed_on() => VerifyCG1006.AnalyzerAsync(Usings + """
        class C
        {
            Task _next = Task.CompletedTask;
            Task<int> CountAsync() => Task.FromResult(1);
            async Task RunAsync(Task previous, Task<int> counted, List<Task> pending)
            {
                await {|CG1006:previous.ContinueWith|}(async _ => await Task.Delay(10));
                _next = {|CG1006:previous.ContinueWith|}(async t => { await Task.Delay(10); }, TaskContinuationOptions.OnlyOnRanToCompletion);
                pending.Add({|CG1006:counted.ContinueWith|}(t => CountAsync()));
                await Task.WhenAll({|CG1006:previous.ContinueWith|}(async (_, state) => await Task.Delay(1), "state"));
            }
            Task Then(Task previous) => {|CG1006:previous.ContinueWith|}(async _ => await Task.Delay(1));
        }
        """);

    [Fact]
    public Task Does_not_flag_unwrapped_continue_with_or_synchronous_continuations() => VerifyCG1006.AnalyzerAsync(Usings + """
        class C
        {
            Task<Task> _nested = Task.FromResult(Task.CompletedTask);
            async Task RunAsync(Task previous, Task<int> counted)
            {
                await previous.ContinueWith(async _ => await Task.Delay(10)).Unwrap();
                await await previous.ContinueWith(async _ => await Task.Delay(10));
                var t = previous.ContinueWith(async _ => await Task.Delay(10));
                await t.Unwrap();
                _nested = previous.ContinueWith(async _ => await Task.Delay(10));
                await previous.ContinueWith(_ => Console.WriteLine("done"));
                var n = await counted.ContinueWith(c => c.Result + 1);
                // The continuation hands back its own antecedent, complete by then, to observe it without throwing.
                var observed = await previous.ContinueWith(t => t, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                await await Task.Delay(1).ContinueWith(t => { return t; }).ConfigureAwait(false);
            }
            Task<Task> Nested(Task previous) => previous.ContinueWith(async _ => await Task.Delay(10));
        }
        """);

    [Fact]
    public Task Unwrap_fix_applies_to_continue_with_and_fix_all_covers_every_call() => VerifyCG1006.FixAsync(Usings + """
        class C
        {
            Task _next = Task.CompletedTask;
            async Task RunAsync(Task previous)
            {
                await {|CG1006:previous.ContinueWith|}(async _ => await Task.Delay(10));
                _next = {|CG1006:previous.ContinueWith|}(async _ => await Task.Delay(10), TaskScheduler.Default);
            }
            Task Then(Task previous) => {|CG1006:previous.ContinueWith|}(async _ => await Task.Delay(1));
        }
        """, Usings + """
        class C
        {
            Task _next = Task.CompletedTask;
            async Task RunAsync(Task previous)
            {
                await previous.ContinueWith(async _ => await Task.Delay(10)).Unwrap();
                _next = previous.ContinueWith(async _ => await Task.Delay(10), TaskScheduler.Default).Unwrap();
            }
            Task Then(Task previous) => previous.ContinueWith(async _ => await Task.Delay(1)).Unwrap();
        }
        """, equivalenceKey: "Unwrap");

    [Fact]
    public Task No_task_run_fix_for_continue_with() => VerifyCG1006.NoFixAsync(Usings + """
        class C
        {
            async Task RunAsync(Task previous)
            {
                await {|CG1006:previous.ContinueWith|}(async _ => await Task.Delay(10));
            }
        }
        """, equivalenceKey: "TaskRun");
}

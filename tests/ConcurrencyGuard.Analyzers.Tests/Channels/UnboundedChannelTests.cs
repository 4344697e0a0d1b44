using VerifyCG4001 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Channels.UnboundedChannelAnalyzer,
    ConcurrencyGuard.CodeFixes.Channels.UnboundedChannelFixer>;

using ConcurrencyGuard.Analyzers.Channels;

namespace ConcurrencyGuard.Analyzers.Tests.Channels;

public class UnboundedChannelTests
{
    private const string Usings = "using System;\nusing System.Threading;\nusing System.Threading.Channels;\nusing System.Threading.Tasks;\n";

    [Fact]
    public Task Flags_unbounded_channels_in_fields_locals_lambdas_and_local_functions() => VerifyCG4001.AnalyzerAsync(Usings + """
        class C
        {
            private readonly Channel<int> _jobs = {|CG4001:Channel.CreateUnbounded<int>()|};
            public Channel<string> Events { get; } = {|CG4001:Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true })|};
            void M()
            {
                var local = {|CG4001:Channel.CreateUnbounded<int>()|};
                Func<Channel<int>> f = () => {|CG4001:Channel.CreateUnbounded<int>()|};
                Channel<int> Make() => {|CG4001:System.Threading.Channels.Channel.CreateUnbounded<int>()|};
                _ = local; _ = f; _ = Make();
            }
        }
        """);

    [Fact]
    public Task Message_names_the_variable() => VerifyCG4001.AnalyzerAsync(Usings + """
        class C
        {
            void M()
            {
                var orders = {|#0:Channel.CreateUnbounded<int>()|};
                Use({|#1:Channel.CreateUnbounded<int>()|});
            }
            void Use(Channel<int> c) { }
        }
        """, null,
        new Microsoft.CodeAnalysis.Testing.DiagnosticResult(UnboundedChannelAnalyzer.Rule).WithLocation(0).WithArguments("orders"),
        new Microsoft.CodeAnalysis.Testing.DiagnosticResult(UnboundedChannelAnalyzer.Rule).WithLocation(1).WithArguments("Channel.CreateUnbounded<int>()"));

    [Fact]
    public Task Flags_unbounded_prioritized_channel_but_offers_no_fix() => VerifyCG4001.NoFixAsync(Usings + """
        class C
        {
            Channel<int> M() => {|CG4001:Channel.CreateUnboundedPrioritized<int>()|};
            Channel<int> N() => {|CG4001:Channel.CreateUnboundedPrioritized(new UnboundedPrioritizedChannelOptions<int> { Comparer = null })|};
        }
        """);

    [Fact]
    public Task Does_not_flag_bounded_channels_or_other_methods_named_CreateUnbounded() => VerifyCG4001.AnalyzerAsync(Usings + """
        static class MyChannel { public static Channel<T> CreateUnbounded<T>() => Channel.CreateBounded<T>(10); }
        class C
        {
            void M()
            {
                var a = Channel.CreateBounded<int>(100);
                var b = Channel.CreateBounded<int>(new BoundedChannelOptions(10) { FullMode = BoundedChannelFullMode.DropOldest });
                var c = MyChannel.CreateUnbounded<int>();
                Func<int, Channel<int>> factory = Channel.CreateBounded<int>;
                _ = a; _ = b; _ = c; _ = factory;
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_a_factory_that_chooses_between_bounded_and_unbounded() => VerifyCG4001.AnalyzerAsync(Usings + """
        // Corpus false positive (Open.ChannelExtensions CreateChannel): the caller's capacity decides.
        static class Factory
        {
            public static Channel<T> Create<T>(int capacity, bool singleReader) => capacity > 0
                ? Channel.CreateBounded<T>(new BoundedChannelOptions(capacity) { SingleReader = singleReader, FullMode = BoundedChannelFullMode.Wait })
                : Channel.CreateUnbounded<T>(new UnboundedChannelOptions { SingleReader = singleReader });

            public static Channel<T> Create<T>(ChannelOptions options) => options is BoundedChannelOptions bounded
                ? Channel.CreateBounded<T>(bounded)
                : options is UnboundedChannelOptions unbounded
                    ? Channel.CreateUnbounded<T>(unbounded)
                    : throw new ArgumentException("options");

            public static Channel<T> Either<T>(bool flag) => flag ? {|CG4001:Channel.CreateUnbounded<T>()|} : {|CG4001:Channel.CreateUnboundedPrioritized<T>()|};
        }
        """);

    [Fact]
    public Task Does_not_flag_a_member_the_type_also_gives_a_bounded_channel() => VerifyCG4001.AnalyzerAsync(Usings + """
        // A bounded constructor beside an unbounded overload: the caller chooses, as with the factory above.
        class Executor
        {
            private readonly Channel<Func<Task>> _work;
            public Executor(int capacity) => _work = Channel.CreateBounded<Func<Task>>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait });
            public Executor() => _work = Channel.CreateUnbounded<Func<Task>>(new UnboundedChannelOptions { SingleReader = true });
            public ValueTask PushAsync(Func<Task> job) => _work.Writer.WriteAsync(job);
        }
        """);

    [Fact]
    public Task Does_not_flag_a_queue_whose_every_writer_awaits_its_items_completion() => VerifyCG4001.AnalyzerAsync(Usings + """
        class Request
        {
            public Request(TaskCompletionSource<int> done) => Done = done;
            public TaskCompletionSource<int> Done { get; }
            public Task<int> Completion => Done.Task;
        }
        class Worker
        {
            private readonly Channel<Request> _requests = Channel.CreateUnbounded<Request>();
            private readonly Channel<TaskCompletionSource<int>> _waiters = Channel.CreateUnbounded<TaskCompletionSource<int>>();
            public async Task<int> SendAsync(CancellationToken ct)
            {
                var request = new Request(new TaskCompletionSource<int>());
                await _requests.Writer.WriteAsync(request, ct);
                return await request.Completion;
            }
            public async Task<int> SendBuiltAsync()
            {
                var done = new TaskCompletionSource<int>();
                var request = new Request(done);
                _requests.Writer.TryWrite(request);
                return await done.Task.ConfigureAwait(false);
            }
            // One pending entry per waiting caller: the caller awaits the task it gets back.
            public Task<int> WaitAsync()
            {
                var waiter = new TaskCompletionSource<int>();
                _waiters.Writer.TryWrite(waiter);
                return waiter.Task;
            }
            public async Task ReadAsync()
            {
                await foreach (var r in _requests.Reader.ReadAllAsync()) r.Done.TrySetResult(1);
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_a_queue_of_tuples_whose_writer_returns_the_items_completion() => VerifyCG4001.AnalyzerAsync(Usings + """
        class Deregistrations
        {
            private readonly Channel<(TaskCompletionSource<bool> Done, string Key)> _queue = Channel.CreateUnbounded<(TaskCompletionSource<bool> Done, string Key)>();
            private readonly Channel<(TaskCompletionSource<bool> Done, string Key)> _posted = {|CG4001:Channel.CreateUnbounded<(TaskCompletionSource<bool> Done, string Key)>()|};
            public Task Remove(string key)
            {
                var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                _queue.Writer.TryWrite((done, key));
                return done.Task;
            }
            public Task Post(string key)
            {
                var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                _posted.Writer.TryWrite((new TaskCompletionSource<bool>(), key));
                return done.Task;
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_a_queue_whose_writers_hold_a_permit_the_consumer_returns() => VerifyCG4001.AnalyzerAsync(Usings + """
        class Pump
        {
            private readonly SemaphoreSlim _slots = new SemaphoreSlim(100);
            private readonly Channel<string> _items = Channel.CreateUnbounded<string>();
            public async Task PushAsync(string item, CancellationToken ct)
            {
                await _slots.WaitAsync(ct);
                await _items.Writer.WriteAsync(item, ct);
            }
            public async Task ConsumeAsync(CancellationToken ct)
            {
                await foreach (var item in _items.Reader.ReadAllAsync(ct))
                {
                    _slots.Release();
                }
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_the_task_queue_of_a_task_scheduler() => VerifyCG4001.AnalyzerAsync(Usings + """
        using System.Collections.Generic;
        class DedicatedScheduler : TaskScheduler
        {
            private readonly Channel<Task> _tasks = Channel.CreateUnbounded<Task>();
            protected override void QueueTask(Task task) => _tasks.Writer.TryWrite(task);
            protected override bool TryExecuteTaskInline(Task task, bool previouslyQueued) => false;
            protected override IEnumerable<Task> GetScheduledTasks() => Array.Empty<Task>();
        }
        """);

    [Fact]
    public Task Does_not_flag_a_task_queue_handed_to_a_task_scheduler_constructor() => VerifyCG4001.AnalyzerAsync(Usings + """
        using System.Collections.Generic;
        sealed class LaneScheduler : TaskScheduler
        {
            private readonly Channel<Task> _tasks;
            public LaneScheduler(Channel<Task> tasks) => _tasks = tasks;
            protected override void QueueTask(Task task) => _tasks.Writer.TryWrite(task);
            protected override bool TryExecuteTaskInline(Task task, bool previouslyQueued) => false;
            protected override IEnumerable<Task> GetScheduledTasks() => Array.Empty<Task>();
        }
        class Lanes
        {
            private readonly LaneScheduler _high = new LaneScheduler(Channel.CreateUnbounded<Task>());
            private readonly LaneScheduler _low;
            private readonly Channel<string> _log;
            public Lanes(Channel<string> log)
            {
                _low = new LaneScheduler(Channel.CreateUnbounded<Task>(new UnboundedChannelOptions { SingleReader = true }));
                _log = log;
            }
            // Not a task queue: an ordinary queue passed to an ordinary constructor is still reported.
            public Lanes() : this({|CG4001:Channel.CreateUnbounded<string>()|}) { }
        }
        """);

    [Fact]
    public Task Still_flags_queues_with_a_writer_that_does_not_wait() => VerifyCG4001.AnalyzerAsync(Usings + """
        class Request
        {
            public TaskCompletionSource<int> Done { get; } = new TaskCompletionSource<int>();
        }
        // An event queue written by fire-and-forget producers (a true finding of the ledger, in generic form):
        // a slow handler makes every event, payload included, pile up in memory.
        class Events
        {
            private readonly Channel<(string Name, byte[] Payload)> _events = {|CG4001:Channel.CreateUnbounded<(string Name, byte[] Payload)>()|};
            public void OnDropped(byte[] payload) => _events.Writer.TryWrite(("dropped", payload));
        }
        // One write awaits its item, the other does not.
        class Mixed
        {
            private readonly Channel<Request> _requests = {|CG4001:Channel.CreateUnbounded<Request>()|};
            public async Task<int> SendAsync()
            {
                var request = new Request();
                await _requests.Writer.WriteAsync(request);
                return await request.Done.Task;
            }
            public void Post(Request request) => _requests.Writer.TryWrite(request);
        }
        // The permit is given back by the writer itself: a lock around the write, not a bound.
        class Locked
        {
            private readonly SemaphoreSlim _gate = new SemaphoreSlim(1);
            private readonly Channel<string> _items = {|CG4001:Channel.CreateUnbounded<string>()|};
            public async Task PushAsync(string item)
            {
                await _gate.WaitAsync();
                try { await _items.Writer.WriteAsync(item); } finally { _gate.Release(); }
            }
        }
        // The writer leaves the type: its writes cannot be seen.
        class Leaky
        {
            private readonly Channel<Request> _requests = {|CG4001:Channel.CreateUnbounded<Request>()|};
            public ChannelWriter<Request> Writer => _requests.Writer;
            public async Task<int> SendAsync()
            {
                var request = new Request();
                await _requests.Writer.WriteAsync(request);
                return await request.Done.Task;
            }
        }
        // A non-task queue in a scheduler, and a task queue outside one.
        class Scheduler : TaskScheduler
        {
            private readonly Channel<string> _log = {|CG4001:Channel.CreateUnbounded<string>()|};
            protected override void QueueTask(Task task) { _log.Writer.TryWrite("queued"); ThreadPool.QueueUserWorkItem(_ => TryExecuteTask(task)); }
            protected override bool TryExecuteTaskInline(Task task, bool previouslyQueued) => false;
            protected override System.Collections.Generic.IEnumerable<Task> GetScheduledTasks() => Array.Empty<Task>();
        }
        class NotAScheduler
        {
            private readonly Channel<Task> _tasks = {|CG4001:Channel.CreateUnbounded<Task>()|};
            public void Queue(Task task) => _tasks.Writer.TryWrite(task);
        }
        """);

    [Fact]
    public Task Nested_and_partial_types_are_reported_once() => VerifyCG4001.AnalyzerAsync(Usings + """
        partial class Outer
        {
            private readonly Channel<int> _a = {|CG4001:Channel.CreateUnbounded<int>()|};
            class Inner
            {
                private readonly Channel<int> _b = {|CG4001:Channel.CreateUnbounded<int>()|};
                public void Post(int x) => _b.Writer.TryWrite(x);
            }
        }
        partial class Outer
        {
            public void Post(int x) => _a.Writer.TryWrite(x);
        }
        """);

    [Fact]
    public Task Fix_converts_to_bounded_channel_with_wait() => VerifyCG4001.FixAsync(Usings + """
        class C
        {
            private readonly Channel<int> _jobs = {|CG4001:Channel.CreateUnbounded<int>()|};
        }
        """, Usings + """
        class C
        {
            private readonly Channel<int> _jobs = Channel.CreateBounded<int>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.Wait });
        }
        """);

    [Fact]
    public Task Fix_carries_over_options_and_reads_the_configured_capacity() => VerifyCG4001.FixAsync(Usings + """
        class C
        {
            void M()
            {
                var a = {|CG4001:Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false })|};
                var b = {|CG4001:Channel.CreateUnbounded<string>(new UnboundedChannelOptions
                {
                    SingleReader = true,
                    SingleWriter = true,
                })|};
                _ = a; _ = b;
            }
        }
        """, Usings + """
        class C
        {
            void M()
            {
                var a = Channel.CreateBounded<int>(new BoundedChannelOptions(250) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, AllowSynchronousContinuations = false });
                var b = Channel.CreateBounded<string>(new BoundedChannelOptions(250)
                {
                    FullMode = BoundedChannelFullMode.Wait,
                    SingleReader = true,
                    SingleWriter = true,
                });
                _ = a; _ = b;
            }
        }
        """, editorConfig: "concurrency_guard.channel_capacity = 250\n");

    [Fact]
    public Task Fix_reads_settings_of_an_options_variable_and_handles_qualified_and_static_calls() => VerifyCG4001.FixAsync(Usings + """
        using static System.Threading.Channels.Channel;
        class C
        {
            static readonly UnboundedChannelOptions Options = new() { SingleWriter = true };
            void M()
            {
                var a = {|CG4001:Channel.CreateUnbounded<int>(Options)|};
                var b = {|CG4001:CreateUnbounded<int>()|};
                var c = {|CG4001:System.Threading.Channels.Channel.CreateUnbounded<int>(new())|};
                _ = a; _ = b; _ = c;
            }
        }
        """, Usings + """
        using static System.Threading.Channels.Channel;
        class C
        {
            static readonly UnboundedChannelOptions Options = new() { SingleWriter = true };
            void M()
            {
                var a = Channel.CreateBounded<int>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.Wait, SingleReader = Options.SingleReader, SingleWriter = Options.SingleWriter, AllowSynchronousContinuations = Options.AllowSynchronousContinuations });
                var b = CreateBounded<int>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.Wait });
                var c = System.Threading.Channels.Channel.CreateBounded<int>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.Wait });
                _ = a; _ = b; _ = c;
            }
        }
        """);

    [Fact]
    public Task Fix_works_without_a_channels_using() => VerifyCG4001.FixAsync("""
        class C
        {
            System.Threading.Channels.Channel<int> _c = {|CG4001:System.Threading.Channels.Channel.CreateUnbounded<int>()|};
        }
        """, """
        class C
        {
            System.Threading.Channels.Channel<int> _c = System.Threading.Channels.Channel.CreateBounded<int>(new System.Threading.Channels.BoundedChannelOptions(1000) { FullMode = System.Threading.Channels.BoundedChannelFullMode.Wait });
        }
        """);

    [Fact]
    public Task No_fix_when_options_come_from_a_call() => VerifyCG4001.NoFixAsync(Usings + """
        class C
        {
            static UnboundedChannelOptions Make() => new();
            Channel<int> M() => {|CG4001:Channel.CreateUnbounded<int>(Make())|};
        }
        """);

    [Fact]
    public Task Broken_code_does_not_crash() => VerifyCG4001.AnalyzerAsync(Usings + """
        class C
        {
            void M()
            {
                var a = {|CG4001:Channel.CreateUnbounded<{|CS0246:Missing|}>()|};
                var b = Channel.{|CS0411:CreateUnbounded|}();
                var c = Channel.CreateUnbounded<int>({|CS1503:42|});
                var d = Channel.CreateUnbounded<int>({|CS1026:|}{|CS1002:|}
            }
        }
        """);
}

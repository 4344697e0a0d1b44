using VerifyCG4003 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Channels.UnboundedBlockingCollectionAnalyzer,
    ConcurrencyGuard.CodeFixes.Channels.UnboundedBlockingCollectionFixer>;

namespace ConcurrencyGuard.Analyzers.Tests.Channels;

public class UnboundedBlockingCollectionTests
{
    private const string Usings = "using System;\nusing System.Collections.Concurrent;\nusing System.Threading;\n";

    [Fact]
    public Task Flags_collections_without_a_bound() => VerifyCG4003.AnalyzerAsync(Usings + """
        class C
        {
            private readonly BlockingCollection<int> _queue = {|CG4003:new BlockingCollection<int>()|};
            private readonly BlockingCollection<string> _stack = {|CG4003:new(new ConcurrentStack<string>())|};
            void M()
            {
                var local = {|CG4003:new BlockingCollection<int> { 1, 2 }|};
                Func<BlockingCollection<int>> f = () => {|CG4003:new BlockingCollection<int>()|};
                _ = local; _ = f;
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_bounded_collections_or_other_types() => VerifyCG4003.AnalyzerAsync(Usings + """
        class MyCollection<T> : BlockingCollection<T> { public MyCollection() : base(10) { } }
        class C
        {
            void M()
            {
                var a = new BlockingCollection<int>(100);
                var b = new BlockingCollection<int>(new ConcurrentQueue<int>(), boundedCapacity: 10);
                var c = new MyCollection<int>();
                var d = new ConcurrentQueue<int>();
                _ = a; _ = b; _ = c; _ = d;
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_collections_bounded_by_design() => VerifyCG4003.AnalyzerAsync(Usings + """
        using System.Threading.Tasks;
        class Work
        {
            private readonly BlockingCollection<Action> _items;
            public Work(int capacity) => _items = new BlockingCollection<Action>(capacity);
            public Work() => _items = new BlockingCollection<Action>();
            public void Post(Action a) => _items.Add(a);
        }
        class Pending
        {
            private readonly BlockingCollection<TaskCompletionSource<int>> _waiters = new BlockingCollection<TaskCompletionSource<int>>();
            public Task<int> WaitAsync()
            {
                var waiter = new TaskCompletionSource<int>();
                _waiters.Add(waiter);
                return waiter.Task;
            }
        }
        class ThreadScheduler : TaskScheduler
        {
            private readonly BlockingCollection<Task> _tasks = new BlockingCollection<Task>();
            protected override void QueueTask(Task task) => _tasks.Add(task);
            protected override bool TryExecuteTaskInline(Task task, bool previouslyQueued) => false;
            protected override System.Collections.Generic.IEnumerable<Task> GetScheduledTasks() => _tasks.ToArray();
        }
        """);

    [Fact]
    public Task Still_flags_collections_with_a_producer_that_does_not_wait() => VerifyCG4003.AnalyzerAsync(Usings + """
        using System.Threading.Tasks;
        class Log
        {
            private readonly BlockingCollection<string> _lines = {|CG4003:new BlockingCollection<string>()|};
            public void Write(string line) => _lines.Add(line);
        }
        class Pending
        {
            private readonly BlockingCollection<TaskCompletionSource<int>> _waiters = {|CG4003:new BlockingCollection<TaskCompletionSource<int>>()|};
            public void Post(TaskCompletionSource<int> waiter) => _waiters.Add(waiter);
        }
        """);

    [Fact]
    public Task Fix_adds_bounded_capacity() => VerifyCG4003.FixAsync(Usings + """
        class C
        {
            private readonly BlockingCollection<int> _queue = {|CG4003:new BlockingCollection<int>()|};
            private readonly BlockingCollection<string> _stack = {|CG4003:new(new ConcurrentStack<string>())|};
            private readonly BlockingCollection<int> _seeded = {|CG4003:new BlockingCollection<int> { 1, 2 }|};
        }
        """, Usings + """
        class C
        {
            private readonly BlockingCollection<int> _queue = new BlockingCollection<int>(boundedCapacity: 1000);
            private readonly BlockingCollection<string> _stack = new(new ConcurrentStack<string>(), boundedCapacity: 1000);
            private readonly BlockingCollection<int> _seeded = new BlockingCollection<int>(boundedCapacity: 1000) { 1, 2 };
        }
        """);

    [Fact]
    public Task Fix_uses_the_configured_capacity() => VerifyCG4003.FixAsync(Usings + """
        class C
        {
            BlockingCollection<int> M() => {|CG4003:new BlockingCollection<int>()|};
        }
        """, Usings + """
        class C
        {
            BlockingCollection<int> M() => new BlockingCollection<int>(boundedCapacity: 64);
        }
        """, editorConfig: "concurrency_guard.channel_capacity = 64\n");

    [Fact]
    public Task Broken_code_does_not_crash() => VerifyCG4003.AnalyzerAsync(Usings + """
        class C
        {
            void M()
            {
                var a = {|CG4003:new BlockingCollection<{|CS0246:Missing|}>()|};
                var b = new BlockingCollection<int>({|CS1503:"x"|});
                var c = new BlockingCollection<int>({|CS1026:|}{|CS1002:|}
            }
        }
        """);
}

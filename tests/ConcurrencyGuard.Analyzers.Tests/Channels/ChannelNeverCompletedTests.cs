using VerifyCG4002 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Channels.ChannelNeverCompletedAnalyzer,
    ConcurrencyGuard.CodeFixes.Channels.ChannelNeverCompletedFixer>;

using ConcurrencyGuard.Analyzers.Channels;

namespace ConcurrencyGuard.Analyzers.Tests.Channels;

public class ChannelNeverCompletedTests
{
    private const string Usings = "using System;\nusing System.Collections.Concurrent;\nusing System.Collections.Generic;\nusing System.Threading;\nusing System.Threading.Channels;\nusing System.Threading.Tasks;\n";

    [Fact]
    public Task Flags_local_channel_drained_by_await_foreach_and_never_completed() => VerifyCG4002.AnalyzerAsync(Usings + """
        class C
        {
            async Task<int> ImportAsync(IEnumerable<int> items, CancellationToken ct)
            {
                var channel = {|#0:Channel.CreateBounded<int>(10)|};
                var consumer = Task.Run(async () =>
                {
                    var n = 0;
                    {|#1:await foreach (var item in channel.Reader.ReadAllAsync(ct))|}
                    {
                        n += item;
                    }
                    return n;
                });
                foreach (var item in items)
                {
                    await channel.Writer.WriteAsync(item, ct);
                }
                return await consumer;
            }
        }
        """, null,
        new Microsoft.CodeAnalysis.Testing.DiagnosticResult(ChannelNeverCompletedAnalyzer.Rule).WithLocation(0).WithLocation(1)
            .WithArguments("channel", "'await foreach' over ReadAllAsync()", "Writer.Complete()"));

    [Fact]
    public Task Flags_wait_to_read_loops_aliases_and_local_functions() => VerifyCG4002.AnalyzerAsync(Usings + """
        class C
        {
            async Task A()
            {
                var channel = {|CG4002:Channel.CreateUnbounded<int>()|};
                var reader = channel.Reader;
                channel.Writer.TryWrite(1);
                while (await reader.WaitToReadAsync().ConfigureAwait(false))
                {
                    while (reader.TryRead(out var x)) { Console.WriteLine(x); }
                }
            }

            async Task B()
            {
                Channel<string> channel = {|CG4002:Channel.CreateUnbounded<string>()|};
                await channel.Writer.WriteAsync("a");
                await Drain();

                async Task Drain()
                {
                    await foreach (var s in channel.Reader.ReadAllAsync().ConfigureAwait(false)) { Console.WriteLine(s); }
                }
            }

            async Task D(CancellationToken ct)
            {
                var channel = {|CG4002:Channel.CreateUnboundedPrioritized<int>()|};
                channel.Writer.TryWrite(1);
                await foreach (var s in channel.Reader.ReadAllAsync().WithCancellation(ct)) { Console.WriteLine(s); }
            }
        }
        """);

    [Fact]
    public Task Flags_blocking_collection_consumed_without_complete_adding() => VerifyCG4002.AnalyzerAsync(Usings + """
        class C
        {
            void M()
            {
                var queue = {|CG4002:new BlockingCollection<int>(100)|};
                var t = Task.Run(() => { foreach (var x in queue.GetConsumingEnumerable()) Console.WriteLine(x); });
                queue.Add(1);
                t.Wait();
            }

            void N()
            {
                using var queue = {|CG4002:new BlockingCollection<string>(100)|};
                queue.Add("a");
                Parallel.ForEach(queue.GetConsumingEnumerable(), s => Console.WriteLine(s));
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_local_completed_anywhere_in_the_method() => VerifyCG4002.AnalyzerAsync(Usings + """
        class C
        {
            async Task A(IEnumerable<int> items)
            {
                var channel = Channel.CreateBounded<int>(10);
                var consumer = Task.Run(async () => { await foreach (var x in channel.Reader.ReadAllAsync()) Console.WriteLine(x); });
                try { foreach (var i in items) await channel.Writer.WriteAsync(i); }
                finally { channel.Writer.Complete(); }
                await consumer;
            }

            async Task B()
            {
                var channel = Channel.CreateUnbounded<int>();
                var writer = channel.Writer;
                _ = Task.Run(() => { writer.TryWrite(1); writer.TryComplete(); });
                await foreach (var x in channel.Reader.ReadAllAsync()) Console.WriteLine(x);
            }

            async Task D(CancellationToken ct)
            {
                var channel = Channel.CreateUnbounded<int>();
                Func<Exception?, bool> complete = channel.Writer.TryComplete;
        using var reg = ct.Register(() => complete(null));
                await foreach (var x in channel.Reader.ReadAllAsync()) Console.WriteLine(x);
            }

            void E()
            {
                var queue = new BlockingCollection<int>(10);
                queue.Add(1);
                queue.CompleteAdding();
                foreach (var x in queue.GetConsumingEnumerable()) Console.WriteLine(x);
            }

            async Task F()
            {
                var channel = Channel.CreateUnbounded<int>();
                channel?.Writer.Complete();
                await foreach (var x in channel!.Reader.ReadAllAsync()) Console.WriteLine(x);
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_when_the_channel_reader_or_writer_escapes() => VerifyCG4002.AnalyzerAsync(Usings + """
        class Producer { public Producer(ChannelWriter<int> writer) { } }
        class C
        {
            public ChannelWriter<int>? Writer;
            ChannelReader<int> Returned()
            {
                var channel = Channel.CreateUnbounded<int>();
                _ = Task.Run(async () => { await foreach (var x in channel.Reader.ReadAllAsync()) { } });
                return channel.Reader;
            }

            async Task PassedToMethod()
            {
                var channel = Channel.CreateUnbounded<int>();
                _ = ProduceAsync(channel.Writer);
                await foreach (var x in channel.Reader.ReadAllAsync()) { }
            }

            async Task PassedToConstructor()
            {
                var channel = Channel.CreateUnbounded<int>();
                var producer = new Producer(channel.Writer);
                await foreach (var x in channel.Reader.ReadAllAsync()) { }
            }

            async Task StoredInPublicField()
            {
                var channel = Channel.CreateUnbounded<int>();
                Writer = channel.Writer;
                await foreach (var x in channel.Reader.ReadAllAsync()) { }
            }

            async Task StoredInArrayAndReassigned()
            {
                var channel = Channel.CreateUnbounded<int>();
                var all = new[] { channel };
                await foreach (var x in channel.Reader.ReadAllAsync()) { }
                var other = Channel.CreateUnbounded<int>();
                other = Make();
                await foreach (var x in other.Reader.ReadAllAsync()) { }
            }

            static Channel<int> Make() => Channel.CreateBounded<int>(1);
            static Task ProduceAsync(ChannelWriter<int> writer) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task Does_not_flag_reads_that_do_not_drain_to_the_end() => VerifyCG4002.AnalyzerAsync(Usings + """
        class C
        {
            async Task A(bool stop)
            {
                var channel = Channel.CreateUnbounded<int>();
                channel.Writer.TryWrite(1);
                var one = await channel.Reader.ReadAsync();
                channel.Reader.TryRead(out var two);
                while (await channel.Reader.WaitToReadAsync() && !stop) { }
                var all = channel.Reader.ReadAllAsync();
                var queue = new BlockingCollection<int>(1);
                foreach (var x in queue) { }
                queue.Take();
            }
        }
        """);

    [Fact]
    public Task Flags_private_field_drained_without_token_and_never_completed() => VerifyCG4002.AnalyzerAsync(Usings + """
        class Worker
        {
            private readonly Channel<int> _jobs = {|#0:Channel.CreateUnbounded<int>()|};
            internal readonly BlockingCollection<string> _lines = {|#2:new BlockingCollection<string>(10)|};

            public bool Post(int job) => _jobs.Writer.TryWrite(job);
            public void Log(string s) => _lines.Add(s);

            public async Task RunAsync()
            {
                {|#1:await foreach (var job in _jobs.Reader.ReadAllAsync())|}
                {
                    Console.WriteLine(job);
                }
            }

            public void Pump()
            {
                {|#3:foreach (var line in _lines.GetConsumingEnumerable())|} Console.WriteLine(line);
            }
        }
        """, null,
        new Microsoft.CodeAnalysis.Testing.DiagnosticResult(ChannelNeverCompletedAnalyzer.Rule).WithLocation(0).WithLocation(1)
            .WithArguments("_jobs", "'await foreach' over ReadAllAsync()", "Writer.Complete()"),
        new Microsoft.CodeAnalysis.Testing.DiagnosticResult(ChannelNeverCompletedAnalyzer.Rule).WithLocation(2).WithLocation(3)
            .WithArguments("_lines", "a 'foreach' over GetConsumingEnumerable()", "CompleteAdding()"));

    [Fact]
    public Task Flags_fields_set_in_the_constructor_through_a_local_and_reader_writer_fields() => VerifyCG4002.AnalyzerAsync(Usings + """
        class Worker
        {
            private readonly ChannelReader<int> _reader;
            private readonly ChannelWriter<int> _writer;
            private Channel<int> _other;

            public Worker()
            {
                var channel = {|CG4002:Channel.CreateBounded<int>(100)|};
                _reader = channel.Reader;
                _writer = channel.Writer;
                _other = {|CG4002:Channel.CreateBounded<int>(5)|};
            }

            public ValueTask PostAsync(int job) => _writer.WriteAsync(job);
            public void PostOther(int job) => _other.Writer.TryWrite(job);

            public async Task RunAsync()
            {
                while (await _reader.WaitToReadAsync())
                {
                    _reader.TryRead(out _);
                }

                var r = _other.Reader;
                await foreach (var x in r.ReadAllAsync()) { }
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_field_completed_in_another_method_or_partial_part() => VerifyCG4002.AnalyzerAsync(new[]
    {
        Usings + """
        partial class Worker
        {
            private readonly Channel<int> _jobs = Channel.CreateUnbounded<int>();
            private readonly Channel<int> _more = Channel.CreateUnbounded<int>();

            public async Task RunAsync()
            {
                await foreach (var job in _jobs.Reader.ReadAllAsync()) { }
                await foreach (var job in _more.Reader.ReadAllAsync()) { }
            }

            public void Stop() => _jobs.Writer.Complete();
        }
        """,
        Usings + """
        partial class Worker
        {
            public void Dispose() => _more.Writer.TryComplete();
        }
        """,
    });

    [Fact]
    public Task Does_not_flag_field_drained_until_a_stopping_token_fires() => VerifyCG4002.AnalyzerAsync(Usings + """
        using Microsoft.Extensions.Hosting;
        sealed class BackgroundQueue
        {
            private readonly Channel<Func<CancellationToken, ValueTask>> _queue = Channel.CreateBounded<Func<CancellationToken, ValueTask>>(100);
            public ValueTask QueueAsync(Func<CancellationToken, ValueTask> item) => _queue.Writer.WriteAsync(item);
            public ValueTask<Func<CancellationToken, ValueTask>> DequeueAsync(CancellationToken ct) => _queue.Reader.ReadAsync(ct);
        }

        sealed class Worker : BackgroundService
        {
            private readonly Channel<int> _jobs = Channel.CreateUnbounded<int>();
            private readonly BlockingCollection<int> _lines = new(10);
            public void Post(int i) => _jobs.Writer.TryWrite(i);

            protected override async Task ExecuteAsync(CancellationToken stoppingToken)
            {
                await foreach (var job in _jobs.Reader.ReadAllAsync(stoppingToken)) { }
                while (await _jobs.Reader.WaitToReadAsync(stoppingToken)) { _jobs.Reader.TryRead(out _); }
                foreach (var line in _lines.GetConsumingEnumerable(stoppingToken)) { }
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_fields_that_escape_or_come_from_outside() => VerifyCG4002.AnalyzerAsync(Usings + """
        class Consumer { public Consumer(ChannelReader<int> r) { } }
        class Worker
        {
            private readonly Channel<int> _handed = Channel.CreateUnbounded<int>();
            private readonly Channel<int> _exposed = Channel.CreateUnbounded<int>();
            private readonly Channel<int> _injected;
            public Channel<int> Public = Channel.CreateUnbounded<int>();
            protected Channel<int> Protected = Channel.CreateUnbounded<int>();

            public Worker(Channel<int> injected)
            {
                _injected = injected;
                _ = new Consumer(_handed.Reader);
            }

            public ChannelWriter<int> Writer => _exposed.Writer;

            public async Task RunAsync()
            {
                await foreach (var x in _handed.Reader.ReadAllAsync()) { }
                await foreach (var x in _exposed.Reader.ReadAllAsync()) { }
                await foreach (var x in _injected.Reader.ReadAllAsync()) { }
                await foreach (var x in Public.Reader.ReadAllAsync()) { }
                await foreach (var x in Protected.Reader.ReadAllAsync()) { }
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_field_completed_from_a_nested_type() => VerifyCG4002.AnalyzerAsync(Usings + """
        class Outer
        {
            private readonly Channel<int> _jobs = Channel.CreateUnbounded<int>();

            public async Task RunAsync()
            {
                await foreach (var job in _jobs.Reader.ReadAllAsync()) { }
            }

            private sealed class Closer
            {
                public void Close(Outer o) => o._jobs.Writer.Complete();
            }
        }
        """);

    [Fact]
    public Task Broken_code_does_not_crash() => VerifyCG4002.AnalyzerAsync(Usings + """
        class C
        {
            private readonly Channel<{|CS0246:Missing|}> _c = Channel.CreateUnbounded<{|CS0246:Missing|}>();
            async Task M()
            {
                var channel = Channel.CreateUnbounded<int>();
                await foreach (var x in channel.Reader.{|CS1061:ReadEverything|}()) { }
                await foreach (var x in {|CS0103:unknown|}.Reader.ReadAllAsync()) { }
                channel.Writer.{|CS1501:Complete|}(1, 2);
                var q = new BlockingCollection<int>({|CS1026:|}{|CS1002:|}
            }
        }
        """);
}

public class ChannelNeverCompletedFixTests
{
    private const string Usings = "using System;\nusing System.Collections.Concurrent;\nusing System.Collections.Generic;\nusing System.Threading;\nusing System.Threading.Channels;\nusing System.Threading.Tasks;\n";

    [Fact]
    public Task Fix_completes_the_writer_in_finally_around_the_producing_statements() => VerifyCG4002.FixAsync(Usings + """
        class C
        {
            async Task<int> ImportAsync(IEnumerable<int> items)
            {
                var channel = {|CG4002:Channel.CreateBounded<int>(10)|};
                var consumer = Task.Run(async () =>
                {
                    var n = 0;
                    await foreach (var item in channel.Reader.ReadAllAsync()) n += item;
                    return n;
                });
                // produce
                foreach (var item in items)
                {
                    await channel.Writer.WriteAsync(item);
                }
                await channel.Writer.WriteAsync(-1);
                return await consumer;
            }

            void Log(IEnumerable<string> lines)
            {
                var queue = {|CG4002:new BlockingCollection<string>(10)|};
                var t = Task.Run(() => { foreach (var l in queue.GetConsumingEnumerable()) Console.WriteLine(l); });
                foreach (var line in lines) queue.Add(line);
                t.Wait();
            }
        }
        """, Usings + """
        class C
        {
            async Task<int> ImportAsync(IEnumerable<int> items)
            {
                var channel = Channel.CreateBounded<int>(10);
                var consumer = Task.Run(async () =>
                {
                    var n = 0;
                    await foreach (var item in channel.Reader.ReadAllAsync()) n += item;
                    return n;
                });
                try
                {
                    // produce
                    foreach (var item in items)
                    {
                        await channel.Writer.WriteAsync(item);
                    }
                    await channel.Writer.WriteAsync(-1);
                }
                finally
                {
                    channel.Writer.Complete();
                }
                return await consumer;
            }

            void Log(IEnumerable<string> lines)
            {
                var queue = new BlockingCollection<string>(10);
                var t = Task.Run(() => { foreach (var l in queue.GetConsumingEnumerable()) Console.WriteLine(l); });
                try
                {
                    foreach (var line in lines) queue.Add(line);
                }
                finally
                {
                    queue.CompleteAdding();
                }
                t.Wait();
            }
        }
        """);

    [Fact]
    public Task Fix_wraps_the_producer_inside_its_lambda() => VerifyCG4002.FixAsync(Usings + """
        class C
        {
            async Task RunAsync(int count)
            {
                var channel = {|CG4002:Channel.CreateUnbounded<int>()|};
                var writer = channel.Writer;
                var producer = Task.Run(async () =>
                {
                    for (var i = 0; i < count; i++)
                    {
                        await writer.WriteAsync(i);
                    }
                });
                await foreach (var x in channel.Reader.ReadAllAsync()) Console.WriteLine(x);
                await producer;
            }
        }
        """, Usings + """
        class C
        {
            async Task RunAsync(int count)
            {
                var channel = Channel.CreateUnbounded<int>();
                var writer = channel.Writer;
                var producer = Task.Run(async () =>
                {
                    try
                    {
                        for (var i = 0; i < count; i++)
                        {
                            await writer.WriteAsync(i);
                        }
                    }
                    finally
                    {
                        channel.Writer.Complete();
                    }
                });
                await foreach (var x in channel.Reader.ReadAllAsync()) Console.WriteLine(x);
                await producer;
            }
        }
        """);

    [Fact]
    public Task No_fix_when_wrapping_would_break_scope_or_writes_are_spread_or_absent() => VerifyCG4002.NoFixAsync(Usings + """
        class C
        {
            async Task ScopeAsync()
            {
                var channel = {|CG4002:Channel.CreateUnbounded<int>()|};
                var consumer = Task.Run(async () => { await foreach (var x in channel.Reader.ReadAllAsync()) { } });
                var ok = channel.Writer.TryWrite(1);
                Console.WriteLine(ok);
                await consumer;
            }

            async Task SpreadAsync()
            {
                var channel = {|CG4002:Channel.CreateUnbounded<int>()|};
                _ = Task.Run(() => channel.Writer.TryWrite(1));
                channel.Writer.TryWrite(2);
                await foreach (var x in channel.Reader.ReadAllAsync()) { }
            }

            async Task NoWritesAsync()
            {
                var channel = {|CG4002:Channel.CreateUnbounded<int>()|};
                await foreach (var x in channel.Reader.ReadAllAsync()) { }
            }

            async Task InterleavedAsync()
            {
                var channel = {|CG4002:Channel.CreateUnbounded<int>()|};
                channel.Writer.TryWrite(1);
                await foreach (var x in channel.Reader.ReadAllAsync()) { }
                channel.Writer.TryWrite(2);
            }
        }
        """);

    [Fact]
    public Task No_fix_for_fields() => VerifyCG4002.NoFixAsync(Usings + """
        class Worker
        {
            private readonly Channel<int> _jobs = {|CG4002:Channel.CreateUnbounded<int>()|};
            public void Post(int job) => _jobs.Writer.TryWrite(job);
            public async Task RunAsync() { await foreach (var job in _jobs.Reader.ReadAllAsync()) { } }
        }
        """);
}

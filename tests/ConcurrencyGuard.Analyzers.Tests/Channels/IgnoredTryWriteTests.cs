using ConcurrencyGuard.Analyzers.Channels;
using VerifyCG4004 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Channels.IgnoredTryWriteAnalyzer,
    ConcurrencyGuard.CodeFixes.Channels.IgnoredTryWriteFixer>;

namespace ConcurrencyGuard.Analyzers.Tests.Channels;

public class IgnoredTryWriteTests
{
    private const string Usings = "using System;\nusing System.Threading;\nusing System.Threading.Channels;\nusing System.Threading.Tasks;\n";

    [Fact]
    public Task Flags_ignored_try_write_on_bounded_or_unknown_channels() => VerifyCG4004.AnalyzerAsync(Usings + """
        class C
        {
            private readonly Channel<int> _bounded = Channel.CreateBounded<int>(10);
            private readonly Channel<int> _waiting = Channel.CreateBounded<int>(new BoundedChannelOptions(10) { FullMode = BoundedChannelFullMode.Wait });
            public Channel<int>? Settable;
            void M(ChannelWriter<int> injected, Channel<int> channel)
            {
                {|#0:_bounded.Writer.TryWrite(1)|};
                {|CG4004:_waiting.Writer.TryWrite(1)|};
                {|CG4004:injected.TryWrite(1)|};
                {|CG4004:channel.Writer.TryWrite(1)|};
                {|CG4004:Settable!.Writer.TryWrite(1)|};
                var local = Channel.CreateBounded<int>(5);
                {|CG4004:local.Writer.TryWrite(1)|};
                Action a = () => {|CG4004:local.Writer.TryWrite(2)|};
                void Local() { {|CG4004:injected.TryWrite(3)|}; }
                a(); Local();
            }
        }
        """, null, new Microsoft.CodeAnalysis.Testing.DiagnosticResult(IgnoredTryWriteAnalyzer.Rule).WithLocation(0).WithArguments("_bounded.Writer"));

    [Fact]
    public Task Does_not_flag_channels_that_accept_every_write_or_used_results() => VerifyCG4004.AnalyzerAsync(Usings + """
        partial class C
        {
            private readonly Channel<int> _unbounded = Channel.CreateUnbounded<int>();
            private readonly Channel<int> _dropping = Channel.CreateBounded<int>(new BoundedChannelOptions(10) { FullMode = BoundedChannelFullMode.DropOldest });
            private Channel<int> _assigned;
            private readonly ChannelWriter<int> _writer = Channel.CreateUnbounded<int>().Writer;
            void M(ChannelWriter<int> injected)
            {
                _unbounded.Writer.TryWrite(1);
                _dropping.Writer.TryWrite(1);
                _assigned.Writer.TryWrite(1);
                _writer.TryWrite(1);
                var local = Channel.CreateUnboundedPrioritized<int>();
                local.Writer.TryWrite(1);
                var dropWrite = Channel.CreateBounded<int>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
                dropWrite.Writer.TryWrite(1);
                if (!injected.TryWrite(1)) { Console.WriteLine("full"); }
                var ok = injected.TryWrite(2);
                _ = injected.TryWrite(3);
                Console.WriteLine(ok);
            }
        }
        partial class C
        {
            public C() { _assigned = Channel.CreateUnbounded<int>(); }
        }
        """);

    [Fact]
    public Task Does_not_flag_writer_field_taken_from_an_unbounded_local_in_the_constructor() => VerifyCG4004.AnalyzerAsync(Usings + """
        // Corpus false positive (RabbitMQ.Client ConsumerDispatcherChannelBase): the writer field comes from a constructor local.
        class Dispatcher
        {
            private readonly ChannelWriter<int> _writer;
            private readonly ChannelWriter<int> _boundedWriter;
            public Dispatcher(UnboundedChannelOptions options)
            {
                var workChannel = Channel.CreateUnbounded<int>(options);
                _writer = workChannel.Writer;
                var alias = workChannel;
                var bounded = Channel.CreateBounded<int>(1);
                _boundedWriter = bounded.Writer;
            }
            public void Shutdown()
            {
                _writer.TryWrite(0);
                {|CG4004:_boundedWriter.TryWrite(0)|};
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_a_get_only_writer_property_taken_from_an_unbounded_channel() => VerifyCG4004.AnalyzerAsync(Usings + """
        // A pool's idle queue: the writer is a get-only auto-property set once, in the constructor.
        class Pool
        {
            internal ChannelWriter<object?> IdleWriter { get; }
            private ChannelWriter<object?> Spare { get; set; }
            private readonly ChannelReader<object?> _idle;
            public Pool()
            {
                var idle = Channel.CreateUnbounded<object?>();
                _idle = idle.Reader;
                IdleWriter = idle.Writer;
                Spare = idle.Writer;
            }
            public void Return(object? item) { IdleWriter.TryWrite(item); Spare.TryWrite(item); }
            public void Wake() => IdleWriter.TryWrite(null);
        }
        """);

    [Fact]
    public Task Does_not_flag_channels_of_a_collection_that_only_holds_unbounded_channels() => VerifyCG4004.AnalyzerAsync(Usings + """
        using System.Collections.Concurrent;
        using System.Collections.Generic;
        class Broadcaster
        {
            private readonly ConcurrentDictionary<int, Channel<string>> _byId = new();
            private readonly List<Channel<string>> _all = new();
            private readonly Channel<string>[] _fixed = { Channel.CreateUnbounded<string>(), Channel.CreateUnbounded<string>() };
            public ChannelReader<string> Subscribe(int id)
            {
                var channel = Channel.CreateUnbounded<string>();
                _all.Add(channel);
                return _byId.GetOrAdd(id, _ => Channel.CreateUnbounded<string>()).Reader;
            }
            public void Unsubscribe(int id)
            {
                if (_byId.TryRemove(id, out var channel)) _all.Remove(channel);
            }
            public void Publish(int id, string message)
            {
                foreach (var channel in _all) channel.Writer.TryWrite(message);
                foreach (var pair in _byId) pair.Value.Writer.TryWrite(message);
                foreach (var channel in _byId.Values) channel.Writer.TryWrite(message);
                if (_byId.TryGetValue(id, out var one)) one.Writer.TryWrite(message);
                _byId[id].Writer.TryWrite(message);
                _fixed[0].Writer.TryWrite(message);
            }
        }
        """);

    [Fact]
    public Task Flags_channels_of_a_collection_that_may_hold_bounded_ones() => VerifyCG4004.AnalyzerAsync(Usings + """
        using System.Collections.Generic;
        class Mixed
        {
            private readonly List<Channel<string>> _all = new();
            public void Subscribe(bool slow) => _all.Add(slow ? Channel.CreateBounded<string>(10) : Channel.CreateUnbounded<string>());
            public void Publish(string message)
            {
                foreach (var channel in _all) {|CG4004:channel.Writer.TryWrite(message)|};
            }
        }
        class FromOutside
        {
            private readonly List<Channel<string>> _all = new();
            public void Subscribe(Channel<string> channel) => _all.Add(channel);
            public void Publish(string message)
            {
                foreach (var channel in _all) {|CG4004:channel.Writer.TryWrite(message)|};
            }
        }
        class Shared
        {
            private readonly List<Channel<string>> _all = new() { Channel.CreateUnbounded<string>() };
            public List<Channel<string>> All => _all;
            public void Publish(string message) => {|CG4004:_all[0].Writer.TryWrite(message)|};
        }
        class Settable
        {
            public ChannelWriter<string> Writer { get; set; } = Channel.CreateUnbounded<string>().Writer;
            public void Publish(string message) => {|CG4004:Writer.TryWrite(message)|};
        }
        """);

    [Fact]
    public Task Conditional_access_is_judged_like_the_plain_call_on_the_next_line() => VerifyCG4004.AnalyzerAsync(Usings + """
        class Sink
        {
            private readonly Channel<int> _bounded = Channel.CreateBounded<int>(10);
            private readonly Channel<int> _unbounded = Channel.CreateUnbounded<int>();
            private ChannelWriter<int>? Optional { get; set; }
            public void Post(int x, ChannelWriter<int>? other)
            {
                {|CG4004:_bounded.Writer.TryWrite(x)|};
                {|CG4004:_bounded?.Writer.TryWrite(x)|};
                {|CG4004:other?.TryWrite(x)|};
                {|CG4004:other!.TryWrite(x)|};
                _unbounded.Writer.TryWrite(x);
                _unbounded?.Writer.TryWrite(x);
                _ = other?.TryWrite(x);
            }
        }
        """);

    [Fact]
    public Task Flags_local_reassigned_to_a_bounded_channel() => VerifyCG4004.AnalyzerAsync(Usings + """
        class C
        {
            void M(bool small)
            {
                var channel = Channel.CreateUnbounded<int>();
                if (small) channel = Channel.CreateBounded<int>(1);
                {|CG4004:channel.Writer.TryWrite(1)|};
            }
        }
        """);

    [Fact]
    public Task Fix_awaits_write_async_with_the_token_in_scope() => VerifyCG4004.FixAsync(Usings + """
        class C
        {
            private readonly Channel<int> _jobs = Channel.CreateBounded<int>(10);
            async Task PostAsync(int job, CancellationToken ct)
            {
                // keep the comment
                {|CG4004:_jobs.Writer.TryWrite(job)|};
                Func<int, Task> f = async x => {|CG4004:_jobs.Writer.TryWrite(x)|};
                await f(1);
            }

            async Task PostAllAsync(ChannelWriter<int> writer)
            {
                {|CG4004:writer.TryWrite(1)|};
                await Task.Yield();
            }
        }
        """, Usings + """
        class C
        {
            private readonly Channel<int> _jobs = Channel.CreateBounded<int>(10);
            async Task PostAsync(int job, CancellationToken ct)
            {
                // keep the comment
                await _jobs.Writer.WriteAsync(job, ct);
                Func<int, Task> f = async x => await _jobs.Writer.WriteAsync(x, ct);
                await f(1);
            }

            async Task PostAllAsync(ChannelWriter<int> writer)
            {
                await writer.WriteAsync(1);
                await Task.Yield();
            }
        }
        """);

    [Fact]
    public Task No_fix_in_sync_code() => VerifyCG4004.NoFixAsync(Usings + """
        class C
        {
            void Post(ChannelWriter<int> writer, CancellationToken ct)
            {
                {|CG4004:writer.TryWrite(1)|};
                lock (this) { }
            }
        }
        """);

    [Fact]
    public Task Broken_code_does_not_crash() => VerifyCG4004.AnalyzerAsync(Usings + """
        class C
        {
            private readonly Channel<int> _c = Channel.CreateBounded<int>({|CS1503:"x"|});
            void M(ChannelWriter<int> w)
            {
                w.TryWrite({|CS1503:"s"|});
                {|CS0103:missing|}.Writer.TryWrite(1);
                w.{|CS7036:TryWrite|}();
                {|CG4004:_c.Writer.TryWrite(1)|};
                w.TryWrite(1{|CS1026:|}{|CS1002:|}
            }
        }
        """);
}

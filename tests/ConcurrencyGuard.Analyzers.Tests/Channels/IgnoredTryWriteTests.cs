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

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

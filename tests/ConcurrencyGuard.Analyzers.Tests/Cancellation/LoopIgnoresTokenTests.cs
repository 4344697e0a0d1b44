using ConcurrencyGuard.CodeFixes.Cancellation;
using VerifyCG2003 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Cancellation.LoopIgnoresTokenAnalyzer,
    ConcurrencyGuard.CodeFixes.Cancellation.LoopIgnoresTokenFixer>;

namespace ConcurrencyGuard.Analyzers.Tests.Cancellation;

public class LoopIgnoresTokenTests
{
    private const string Usings = "using System;\nusing System.Threading;\nusing System.Threading.Tasks;\n";

    [Fact]
    public Task Flags_while_true_do_and_for_ever_loops_that_await() => VerifyCG2003.AnalyzerAsync(Usings + """
        class C
        {
            Task PollAsync() => Task.CompletedTask;
            async Task RunAsync(CancellationToken ct)
            {
                {|CG2003:while|} (true) { await PollAsync(); }
                {|CG2003:do|} { await PollAsync(); } while (true);
                {|CG2003:for|} (;;) { await PollAsync(); }
            }
        }
        """);

    [Fact]
    public Task Flags_flag_condition_and_blocking_body_in_lambda_with_captured_token() => VerifyCG2003.AnalyzerAsync(Usings + """
        class C
        {
            volatile bool _running = true;
            void Start(CancellationToken ct)
            {
                Task.Run(() =>
                {
                    {|CG2003:while|} (_running) { Thread.Sleep(1000); }
                }, ct);
            }
        }
        """);

    [Fact]
    public Task Flags_background_service_loop() => VerifyCG2003.FixAsync(Usings + """
        using Microsoft.Extensions.Hosting;
        class Worker : BackgroundService
        {
            Task PollAsync() => Task.CompletedTask;
            protected override async Task ExecuteAsync(CancellationToken stoppingToken)
            {
                {|CG2003:while|} (true)
                {
                    await PollAsync();
                }
            }
        }
        """, Usings + """
        using Microsoft.Extensions.Hosting;
        class Worker : BackgroundService
        {
            Task PollAsync() => Task.CompletedTask;
            protected override async Task ExecuteAsync(CancellationToken stoppingToken)
            {
                while (true)
                {
                    stoppingToken.ThrowIfCancellationRequested();
                    await PollAsync();
                }
            }
        }
        """, LoopIgnoresTokenFixer.ThrowKey);

    [Fact]
    public Task Condition_fix_replaces_true_and_extends_a_flag_and_fills_for_ever() => VerifyCG2003.FixAsync(Usings + """
        class C
        {
            bool _running;
            Task PollAsync() => Task.CompletedTask;
            async Task RunAsync(CancellationToken ct)
            {
                {|CG2003:while|} (true) { await PollAsync(); }
                {|CG2003:while|} (_running || !_running) { await PollAsync(); }
                {|CG2003:for|} (;;) { await PollAsync(); }
            }
        }
        """, Usings + """
        class C
        {
            bool _running;
            Task PollAsync() => Task.CompletedTask;
            async Task RunAsync(CancellationToken ct)
            {
                while (!ct.IsCancellationRequested) { await PollAsync(); }
                while ((_running || !_running) && !ct.IsCancellationRequested) { await PollAsync(); }
                for (; !ct.IsCancellationRequested;) { await PollAsync(); }
            }
        }
        """, LoopIgnoresTokenFixer.ConditionKey);

    [Fact]
    public Task Throw_fix_keeps_one_line_blocks_on_one_line() => VerifyCG2003.FixAsync(Usings + """
        class C
        {
            Task PollAsync() => Task.CompletedTask;
            async Task RunAsync(CancellationToken ct)
            {
                {|CG2003:while|} (true) { await PollAsync(); }
                {|CG2003:do|} { await PollAsync(); } while (true);
            }
        }
        """, Usings + """
        class C
        {
            Task PollAsync() => Task.CompletedTask;
            async Task RunAsync(CancellationToken ct)
            {
                while (true) { ct.ThrowIfCancellationRequested(); await PollAsync(); }
                do { ct.ThrowIfCancellationRequested(); await PollAsync(); } while (true);
            }
        }
        """, LoopIgnoresTokenFixer.ThrowKey);

    [Fact]
    public Task Throw_fix_wraps_an_embedded_statement_body() => VerifyCG2003.FixAsync(Usings + """
        class C
        {
            Task PollAsync() => Task.CompletedTask;
            async Task RunAsync(CancellationToken ct)
            {
                {|CG2003:while|} (true)
                    await PollAsync();
            }
        }
        """, Usings + """
        class C
        {
            Task PollAsync() => Task.CompletedTask;
            async Task RunAsync(CancellationToken ct)
            {
                while (true)
                {
                    ct.ThrowIfCancellationRequested();
                    await PollAsync();
                }
            }
        }
        """, LoopIgnoresTokenFixer.ThrowKey);

    [Fact]
    public Task Passing_None_or_default_is_not_observing_the_token() => VerifyCG2003.AnalyzerAsync(Usings + """
        class C
        {
            async Task RunAsync(CancellationToken ct)
            {
                {|CG2003:while|} (true) { await Task.Delay(100, CancellationToken.None); }
                {|CG2003:while|} (true) { await Task.Delay(100, default); }
            }
        }
        """);

    [Fact]
    public Task Ambiguous_token_is_reported_without_fix() => VerifyCG2003.NoFixAsync(Usings + """
        class C
        {
            async Task RunAsync(CancellationToken a, CancellationToken b)
            {
                {|CG2003:while|} (true) { await Task.Yield(); }
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_loops_that_use_a_token_anywhere() => VerifyCG2003.AnalyzerAsync(Usings + """
        class C
        {
            Task PollAsync(CancellationToken ct) => Task.CompletedTask;
            async Task RunAsync(CancellationToken ct, CancellationTokenSource cts)
            {
                while (!ct.IsCancellationRequested) { await Task.Yield(); }
                while (true) { await PollAsync(ct); }
                while (true) { await Task.Delay(100, ct); }
                do { ct.ThrowIfCancellationRequested(); await Task.Yield(); } while (true);
                while (true) { if (cts.IsCancellationRequested) break; await Task.Yield(); }
                for (;;) { await Task.Run(() => PollAsync(ct)); }
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_bounded_or_data_driven_loops() => VerifyCG2003.AnalyzerAsync(Usings + """
        using System.Collections.Generic;
        using System.IO;
        class C
        {
            Task SendAsync(int i) => Task.CompletedTask;
            async Task RunAsync(List<int> items, StreamReader reader, CancellationToken ct)
            {
                for (var i = 0; i < items.Count; i++) { await SendAsync(i); }
                var n = 0;
                while (n < 3) { n++; await SendAsync(n); }
                foreach (var item in items) { await SendAsync(item); }
                while (await reader.ReadLineAsync() is { } line) { await SendAsync(line.Length); }
                while (reader.Peek() >= 0) { await SendAsync(0); }
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_a_flag_local_set_by_the_body_found_in_npgsql() => VerifyCG2003.AnalyzerAsync(Usings + """
        class C
        {
            Task<int> ReadMoreAsync() => Task.FromResult(0);
            async Task RunAsync(CancellationToken ct)
            {
                bool foundTerminator;
                do
                {
                    foundTerminator = await ReadMoreAsync() == 0;
                } while (!foundTerminator);
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_loops_that_do_not_wait_or_have_no_token_in_scope() => VerifyCG2003.AnalyzerAsync(Usings + """
        class C
        {
            bool _done;
            Task PollAsync() => Task.CompletedTask;
            void Spin(CancellationToken ct)
            {
                var x = 0;
                while (!_done) { x++; if (x > 10) _done = true; }
                while (true) { Func<Task> later = async () => await PollAsync(); break; }
            }
            async Task NoTokenAsync()
            {
                while (true) { await PollAsync(); }
            }
        }
        """);

    [Fact]
    public Task Does_not_crash_on_broken_code() => VerifyCG2003.AnalyzerAsync(Usings + """
        class C
        {
            async Task RunAsync(CancellationToken ct)
            {
                while ({|CS1525:)|}
                {
                    await {|CS0103:Missing|}();
                }
                for (;{|CS0103:nope|};) { await Task.Yield(); }
            }
        }
        """);
}

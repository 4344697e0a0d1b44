using VerifyCG2002 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Cancellation.NoneTokenPassedAnalyzer,
    ConcurrencyGuard.CodeFixes.Cancellation.NoneTokenPassedFixer>;

namespace ConcurrencyGuard.Analyzers.Tests.Cancellation;

public class NoneTokenPassedTests
{
    private const string Usings = "using System;\nusing System.Net.Http;\nusing System.Threading;\nusing System.Threading.Tasks;\n";

    [Fact]
    public Task Flags_None_default_and_new_token_and_fixes_all() => VerifyCG2002.FixAsync(Usings + """
        class C
        {
            Task SaveAsync(string key, CancellationToken ct) => Task.CompletedTask;
            async Task RunAsync(HttpClient http, SemaphoreSlim gate, CancellationToken ct)
            {
                await Task.Delay(10, {|CG2002:CancellationToken.None|});
                await SaveAsync("k", {|CG2002:default|});
                await http.GetAsync("https://x", {|CG2002:default(CancellationToken)|});
                await Task.Delay(10, cancellationToken: {|CG2002:new CancellationToken()|});
            }
        }
        """, Usings + """
        class C
        {
            Task SaveAsync(string key, CancellationToken ct) => Task.CompletedTask;
            async Task RunAsync(HttpClient http, SemaphoreSlim gate, CancellationToken ct)
            {
                await Task.Delay(10, ct);
                await SaveAsync("k", ct);
                await http.GetAsync("https://x", ct);
                await Task.Delay(10, cancellationToken: ct);
            }
        }
        """);

    [Fact]
    public Task Flags_in_lambda_with_captured_token_and_in_controller() => VerifyCG2002.FixAsync(Usings + """
        using Microsoft.AspNetCore.Mvc;
        public class JobsController : ControllerBase
        {
            [HttpPost]
            public Task Post() => Task.Run(() => Task.Delay(100, {|CG2002:CancellationToken.None|}));
        }
        class C
        {
            Task RunAsync(CancellationToken ct) => Task.Run(() => Task.Delay(100, {|CG2002:CancellationToken.None|}));
        }
        """, Usings + """
        using Microsoft.AspNetCore.Mvc;
        public class JobsController : ControllerBase
        {
            [HttpPost]
            public Task Post() => Task.Run(() => Task.Delay(100, HttpContext.RequestAborted));
        }
        class C
        {
            Task RunAsync(CancellationToken ct) => Task.Run(() => Task.Delay(100, ct));
        }
        """);

    [Fact]
    public Task Ambiguous_token_is_reported_without_fix() => VerifyCG2002.NoFixAsync(Usings + """
        class C
        {
            Task RunAsync(CancellationToken a, CancellationToken b) => Task.Delay(1, {|CG2002:CancellationToken.None|});
        }
        """);

    [Fact]
    public Task Does_not_flag_without_token_in_scope_or_with_a_real_token() => VerifyCG2002.AnalyzerAsync(Usings + """
        class C
        {
            Task Run() => Task.Delay(1, CancellationToken.None);
            Task RunAsync(CancellationToken ct)
            {
                var noCancellation = CancellationToken.None;
                return Task.WhenAll(Task.Delay(1, ct), Task.Delay(1, noCancellation), Task.Delay(1, new CancellationToken(true)));
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_cleanup_shutdown_linking_or_continuation_scheduling() => VerifyCG2002.AnalyzerAsync(Usings + """
        using Microsoft.Extensions.Hosting;
        class C
        {
            Task CloseAsync(CancellationToken ct) => Task.CompletedTask;
            async Task RunAsync(IHost host, Task work, CancellationToken ct)
            {
                try { await Task.Delay(1, ct); }
                catch (OperationCanceledException) { await Task.Delay(1, CancellationToken.None); }
                finally { await CloseAsync(CancellationToken.None); }
                await host.StopAsync(CancellationToken.None);
                _ = work.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                _ = Task.Factory.StartNew(() => { }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, CancellationToken.None);
                ct.Register(() => Task.Delay(1, CancellationToken.None));
            }
        }
        """);

    [Fact]
    // Issue #16: comments are not semantics. An explained opt-out is suppressed like any other finding
    // (#pragma or [SuppressMessage] with the reason); CG2002 ships at suggestion because explicit None is usually deliberate.
    public Task Comments_do_not_silence_the_rule() => VerifyCG2002.AnalyzerAsync(Usings + """
        class C
        {
            Task WriteAsync(bool flush, CancellationToken ct) => Task.CompletedTask;
            async Task RunAsync(CancellationToken cancellationToken)
            {
                // We cannot pass a token here, as we'll cancel a non-send query
                await WriteAsync(true, {|CG2002:CancellationToken.None|});
                await WriteAsync(false, {|CG2002:CancellationToken.None|}); // cancellation happens through the read
            }
        }
        """);

    // Task.Run's token only decides whether the delegate starts: None there is right when the delegate already hands
    // the token to its work (a stop sequence that must start even when its token is cancelled).
    [Fact]
    public Task Does_not_flag_None_on_scheduling_work_that_already_gets_the_token() => VerifyCG2002.AnalyzerAsync(Usings + """
        class C
        {
            Task StopCoreAsync(CancellationToken ct) => Task.Delay(1, ct);
            void Work() { }
            async Task StopAsync(CancellationToken ct)
            {
                await Task.Run(() => StopCoreAsync(ct), CancellationToken.None);
                await Task.Run(Work, {|CG2002:CancellationToken.None|});
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_default_parameter_values_or_optional_arguments_left_out() => VerifyCG2002.AnalyzerAsync(Usings + """
        class C
        {
            Task SaveAsync(CancellationToken ct = default) => Task.CompletedTask;
            Task RunAsync(CancellationToken ct) => SaveAsync();
        }
        """);

    [Fact]
    public Task Does_not_crash_on_broken_code() => VerifyCG2002.AnalyzerAsync(Usings + """
        class C
        {
            Task RunAsync(CancellationToken ct) => Task.Delay(1, CancellationToken.{|CS0117:Nope|});
            Task Run2Async(CancellationToken ct) => {|CS0103:Missing|}(CancellationToken.None);
        }
        """);

    // Issue #16, pattern 5: None to completion bookkeeping after finished work is correct (same predicate as CG2001).
    // Near misses: ordinary work, and an overload delegating the same operation (its token was given for this very end).
    [Fact]
    public Task Does_not_flag_None_on_completion_bookkeeping_after_finished_work() => VerifyCG2002.AnalyzerAsync(Usings + """
        class Session
        {
            public Task EndSessionAsync(CancellationToken ct) => Task.CompletedTask;
            public Task ReleaseLeaseAsync(CancellationToken ct) => Task.CompletedTask;
            public Task CompleteAsync(CancellationToken ct) => Task.CompletedTask;
            public Task SaveAsync(CancellationToken ct) => Task.CompletedTask;
        }

        class Worker
        {
            async Task ProcessAsync(Session session, CancellationToken ct)
            {
                await session.SaveAsync({|CG2002:CancellationToken.None|});
                await session.CompleteAsync(CancellationToken.None);
                await session.ReleaseLeaseAsync(CancellationToken.None);
                await session.EndSessionAsync(CancellationToken.None);
            }

            public Task EndSessionAsync(Session session, CancellationToken ct) => session.EndSessionAsync({|CG2002:CancellationToken.None|});
        }
        """);
}

using VerifyCG2006 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Cancellation.TimeoutDropsCallerTokenAnalyzer,
    ConcurrencyGuard.CodeFixes.Cancellation.TimeoutDropsCallerTokenFixer>;

namespace ConcurrencyGuard.Analyzers.Tests.Cancellation;

public class TimeoutDropsCallerTokenTests
{
    private const string Usings = "using System;\nusing System.Net.Http;\nusing System.Threading;\nusing System.Threading.Tasks;\n";

    [Fact]
    public Task Flags_timeout_source_and_fixes_all_with_linked_source_and_CancelAfter() => VerifyCG2006.FixAsync(Usings + """
        class C
        {
            async Task<string> GetAsync(HttpClient http, CancellationToken ct)
            {
                using var timeout = {|CG2006:new CancellationTokenSource(TimeSpan.FromSeconds(5))|};
                return await http.GetStringAsync("https://x", timeout.Token);
            }
            async Task PollAsync(CancellationToken ct)
            {
                using var cts = {|CG2006:new CancellationTokenSource()|};
                cts.CancelAfter(1000);
                await Task.Delay(10, cts.Token);
            }
        }
        """, Usings + """
        class C
        {
            async Task<string> GetAsync(HttpClient http, CancellationToken ct)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                return await http.GetStringAsync("https://x", timeout.Token);
            }
            async Task PollAsync(CancellationToken ct)
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
                cts.CancelAfter(1000);
                await Task.Delay(10, cts.Token);
            }
        }
        """);

    [Fact]
    public Task Flags_in_controller_with_RequestAborted() => VerifyCG2006.FixAsync(Usings + """
        using Microsoft.AspNetCore.Mvc;
        public class ReportsController : ControllerBase
        {
            [HttpGet]
            public async Task Get()
            {
                using var timeout = {|CG2006:new CancellationTokenSource(2000)|};
                await Task.Delay(100, timeout.Token);
            }
        }
        """, Usings + """
        using Microsoft.AspNetCore.Mvc;
        public class ReportsController : ControllerBase
        {
            [HttpGet]
            public async Task Get()
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(HttpContext.RequestAborted);
                timeout.CancelAfter(2000);
                await Task.Delay(100, timeout.Token);
            }
        }
        """);

    [Fact]
    public Task Fix_keeps_a_qualified_or_target_typed_declaration() => VerifyCG2006.FixAsync(Usings + """
        class C
        {
            async Task RunAsync(CancellationToken ct)
            {
                using var a = {|CG2006:new System.Threading.CancellationTokenSource(10)|};
                await Task.Delay(1, a.Token);
                using CancellationTokenSource b = {|CG2006:new(20)|};
                await Task.Delay(1, b.Token);
            }
        }
        """, Usings + """
        class C
        {
            async Task RunAsync(CancellationToken ct)
            {
                using var a = System.Threading.CancellationTokenSource.CreateLinkedTokenSource(ct);
                a.CancelAfter(10);
                await Task.Delay(1, a.Token);
                using CancellationTokenSource b = CancellationTokenSource.CreateLinkedTokenSource(ct);
                b.CancelAfter(20);
                await Task.Delay(1, b.Token);
            }
        }
        """);

    [Fact]
    public Task Flags_inline_timeout_token_without_fix() => VerifyCG2006.NoFixAsync(Usings + """
        class C
        {
            Task RunAsync(CancellationToken ct) => Task.Delay(100, {|CG2006:new CancellationTokenSource(500)|}.Token);
        }
        """);

    [Fact]
    public Task Ambiguous_caller_token_is_reported_without_fix() => VerifyCG2006.NoFixAsync(Usings + """
        class C
        {
            async Task RunAsync(CancellationToken a, CancellationToken b)
            {
                using var timeout = {|CG2006:new CancellationTokenSource(500)|};
                await Task.Delay(100, timeout.Token);
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_the_cure_linked_with_the_caller_token() => VerifyCG2006.AnalyzerAsync(Usings + """
        class C
        {
            async Task RunAsync(CancellationToken ct)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
                await Task.Delay(100, linked.Token);

                using var other = new CancellationTokenSource(1000);
                using var reg = ct.Register(() => other.Cancel());
                await Task.Delay(100, other.Token);

                using var group = new CancellationTokenSource(1000);
                using var all = CancellationTokenSource.CreateLinkedTokenSource(new[] { ct, group.Token });
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_without_caller_token_or_without_timeout_or_when_not_passed_on() => VerifyCG2006.AnalyzerAsync(Usings + """
        class C
        {
            async Task NoCallerAsync()
            {
                using var timeout = new CancellationTokenSource(1000);
                await Task.Delay(100, timeout.Token);
            }
            async Task NoTimeoutAsync(CancellationToken ct)
            {
                using var manual = new CancellationTokenSource();
                await Task.Delay(100, manual.Token);
            }
            void NotPassedOn(CancellationToken ct)
            {
                using var timeout = new CancellationTokenSource(1000);
                if (timeout.Token.IsCancellationRequested) { }
            }
            async Task LinkedAlreadyAsync(CancellationToken ct)
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
                linked.CancelAfter(1000);
                await Task.Delay(100, linked.Token);
            }
        }
        """);

    [Fact]
    public Task Does_not_crash_on_broken_code() => VerifyCG2006.AnalyzerAsync(Usings + """
        class C
        {
            async Task RunAsync(CancellationToken ct)
            {
                using var timeout = new CancellationTokenSource({|CS1503:"soon"|});
                await Task.Delay(100, timeout.{|CS1061:Tokn|});
                await {|CS0103:Missing|}(new CancellationTokenSource(1).Token);
            }
        }
        """);
}

using Microsoft.CodeAnalysis.Testing;
using VerifyCG2001 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Cancellation.TokenNotForwardedAnalyzer,
    ConcurrencyGuard.CodeFixes.Cancellation.TokenNotForwardedFixer>;

namespace ConcurrencyGuard.Analyzers.Tests.Cancellation;

/// <summary>CG2001, and through it the shared <see cref="TokenInScope"/> resolver (every origin, ranking, ambiguity).</summary>
public class TokenNotForwardedTests
{
    private const string Usings = "using System;\nusing System.Collections.Generic;\nusing System.IO;\nusing System.Net.Http;\nusing System.Threading;\nusing System.Threading.Channels;\nusing System.Threading.Tasks;\n";

    // ---- the resolver: every origin of a token in scope ----

    [Fact]
    public Task Flags_overload_with_token_from_method_parameter() => VerifyCG2001.AnalyzerAsync(Usings + """
        class C
        {
            async Task RunAsync(HttpClient http, Stream stream, CancellationToken ct)
            {
                await {|CG2001:Task.Delay(100)|};
                await {|CG2001:http.GetStringAsync("https://x")|};
                await {|CG2001:stream.FlushAsync()|};
            }
        }
        """);

    [Fact]
    public Task Flags_token_from_lambda_parameter_which_CA2016_does_not_see() => VerifyCG2001.FixAsync(Usings + """
        class C
        {
            void Register(Func<CancellationToken, Task> handler) { }
            void Setup()
            {
                Register(async token => await {|CG2001:Task.Delay(100)|});
            }
        }
        """, Usings + """
        class C
        {
            void Register(Func<CancellationToken, Task> handler) { }
            void Setup()
            {
                Register(async token => await Task.Delay(100, token));
            }
        }
        """);

    [Fact]
    public Task Flags_outer_token_captured_by_a_lambda_and_local_function() => VerifyCG2001.FixAsync(Usings + """
        class C
        {
            Task RunAsync(CancellationToken ct)
            {
                async Task Local() => await {|CG2001:Task.Delay(1)|};
                return Task.Run(async () => { await Local(); await {|CG2001:Task.Delay(5)|}; }, ct);
            }
        }
        """, Usings + """
        class C
        {
            Task RunAsync(CancellationToken ct)
            {
                async Task Local() => await Task.Delay(1, ct);
                return Task.Run(async () => { await Local(); await Task.Delay(5, ct); }, ct);
            }
        }
        """);

    [Fact]
    public Task Nearest_function_wins_inner_lambda_token_hides_the_method_token() => VerifyCG2001.FixAsync(Usings + """
        class C
        {
            void Register(Func<CancellationToken, Task> handler) { }
            Task RunAsync(CancellationToken outer)
            {
                Register(async inner => await {|CG2001:Task.Delay(1)|});
                return {|CG2001:Task.Delay(2)|};
            }
        }
        """, Usings + """
        class C
        {
            void Register(Func<CancellationToken, Task> handler) { }
            Task RunAsync(CancellationToken outer)
            {
                Register(async inner => await Task.Delay(1, inner));
                return Task.Delay(2, outer);
            }
        }
        """);

    [Fact]
    public Task Flags_with_stopping_token_of_background_service() => VerifyCG2001.FixAsync(Usings + """
        using Microsoft.Extensions.Hosting;
        class Worker : BackgroundService
        {
            protected override async Task ExecuteAsync(CancellationToken stoppingToken)
            {
                while (!stoppingToken.IsCancellationRequested)
                {
                    await {|CG2001:Task.Delay(1000)|};
                }
            }
        }
        """, Usings + """
        using Microsoft.Extensions.Hosting;
        class Worker : BackgroundService
        {
            protected override async Task ExecuteAsync(CancellationToken stoppingToken)
            {
                while (!stoppingToken.IsCancellationRequested)
                {
                    await Task.Delay(1000, stoppingToken);
                }
            }
        }
        """);

    [Fact]
    public Task Flags_controller_action_with_HttpContext_RequestAborted() => VerifyCG2001.FixAsync(Usings + """
        using Microsoft.AspNetCore.Mvc;
        public class OrdersController : ControllerBase
        {
            private readonly HttpClient _http = new();
            [HttpGet]
            public async Task<string> Get() => await {|CG2001:_http.GetStringAsync("https://inventory")|};
        }
        """, Usings + """
        using Microsoft.AspNetCore.Mvc;
        public class OrdersController : ControllerBase
        {
            private readonly HttpClient _http = new();
            [HttpGet]
            public async Task<string> Get() => await _http.GetStringAsync("https://inventory", HttpContext.RequestAborted);
        }
        """);

    [Fact]
    public Task Controller_token_parameter_outranks_RequestAborted() => VerifyCG2001.FixAsync(Usings + """
        using Microsoft.AspNetCore.Mvc;
        public class OrdersController : ControllerBase
        {
            [HttpGet]
            public async Task Get(CancellationToken cancellationToken) => await {|CG2001:Task.Delay(10)|};
        }
        """, Usings + """
        using Microsoft.AspNetCore.Mvc;
        public class OrdersController : ControllerBase
        {
            [HttpGet]
            public async Task Get(CancellationToken cancellationToken) => await Task.Delay(10, cancellationToken);
        }
        """);

    [Fact]
    public Task Flags_minimal_api_handler_with_context_RequestAborted() => VerifyCG2001.FixAsync(Usings + """
        using Microsoft.AspNetCore.Builder;
        using Microsoft.AspNetCore.Http;
        static class Endpoints
        {
            public static void Map(WebApplication app)
            {
                app.MapGet("/slow", async (HttpContext context) => { await {|CG2001:Task.Delay(5000)|}; return "done"; });
            }
        }
        """, Usings + """
        using Microsoft.AspNetCore.Builder;
        using Microsoft.AspNetCore.Http;
        static class Endpoints
        {
            public static void Map(WebApplication app)
            {
                app.MapGet("/slow", async (HttpContext context) => { await Task.Delay(5000, context.RequestAborted); return "done"; });
            }
        }
        """);

    [Fact]
    public Task Flags_with_local_cancellation_token_source() => VerifyCG2001.FixAsync(Usings + """
        class C
        {
            async Task RunAsync()
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await {|CG2001:Task.Delay(100)|};
            }
        }
        """, Usings + """
        class C
        {
            async Task RunAsync()
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await Task.Delay(100, cts.Token);
            }
        }
        """);

    [Fact]
    public Task Two_token_parameters_are_reported_without_a_fix() => VerifyCG2001.NoFixAsync(Usings + """
        class C
        {
            async Task RunAsync(CancellationToken requestAborted, CancellationToken shutdown)
            {
                await {|CG2001:Task.Delay(100)|};
            }
        }
        """);

    [Fact]
    public Task Two_local_sources_are_reported_without_a_fix() => VerifyCG2001.NoFixAsync(Usings + """
        class C
        {
            async Task RunAsync()
            {
                using var a = new CancellationTokenSource();
                using var b = new CancellationTokenSource();
                await {|CG2001:Task.Delay(100)|};
            }
        }
        """);

    [Fact]
    public Task Ambiguity_message_names_both_candidates() => VerifyCG2001.AnalyzerAsync(Usings + """
        class C
        {
            async Task RunAsync(CancellationToken a, CancellationToken b) => await Task.Delay(1);
        }
        """, null, new DiagnosticResult("CG2001", Microsoft.CodeAnalysis.DiagnosticSeverity.Info).WithSpan(10, 76, 10, 89)
            .WithArguments("'Delay' has an overload that takes a CancellationToken", "'a' or 'b'"));

    // ---- shapes of calls ----

    [Fact]
    public Task Flags_optional_token_parameter_left_at_default() => VerifyCG2001.FixAsync(Usings + """
        class C
        {
            async Task RunAsync(ChannelReader<int> reader, CancellationToken ct)
            {
                var item = await {|CG2001:reader.ReadAsync()|};
                await foreach (var x in {|CG2001:reader.ReadAllAsync()|}) { }
            }
        }
        """, Usings + """
        class C
        {
            async Task RunAsync(ChannelReader<int> reader, CancellationToken ct)
            {
                var item = await reader.ReadAsync(ct);
                await foreach (var x in reader.ReadAllAsync(ct)) { }
            }
        }
        """);

    [Fact]
    public Task Uses_a_named_argument_when_an_optional_parameter_before_the_token_is_omitted() => VerifyCG2001.FixAsync(Usings + """
        class Repo
        {
            public Task SaveAsync(string key, int retries = 3, bool audit = false, CancellationToken cancellationToken = default) => Task.CompletedTask;
        }
        class C
        {
            Task RunAsync(Repo repo, CancellationToken ct) => {|CG2001:repo.SaveAsync("k", audit: true)|};
            Task Run2Async(Repo repo, CancellationToken ct) => {|CG2001:repo.SaveAsync("k")|};
        }
        """, Usings + """
        class Repo
        {
            public Task SaveAsync(string key, int retries = 3, bool audit = false, CancellationToken cancellationToken = default) => Task.CompletedTask;
        }
        class C
        {
            Task RunAsync(Repo repo, CancellationToken ct) => repo.SaveAsync("k", audit: true, cancellationToken: ct);
            Task Run2Async(Repo repo, CancellationToken ct) => repo.SaveAsync("k", cancellationToken: ct);
        }
        """);

    [Fact]
    public Task Flags_generic_method_overload() => VerifyCG2001.FixAsync(Usings + """
        class Store
        {
            public Task<T> LoadAsync<T>(string key) => Task.FromResult(default(T)!);
            public Task<T> LoadAsync<T>(string key, CancellationToken cancellationToken) => Task.FromResult(default(T)!);
        }
        class C
        {
            async Task<int> RunAsync(Store store, CancellationToken ct) => await {|CG2001:store.LoadAsync<int>("k")|};
        }
        """, Usings + """
        class Store
        {
            public Task<T> LoadAsync<T>(string key) => Task.FromResult(default(T)!);
            public Task<T> LoadAsync<T>(string key, CancellationToken cancellationToken) => Task.FromResult(default(T)!);
        }
        class C
        {
            async Task<int> RunAsync(Store store, CancellationToken ct) => await store.LoadAsync<int>("k", ct);
        }
        """);

    [Fact]
    public Task Flags_extension_method_overload() => VerifyCG2001.FixAsync(Usings + """
        class Query { }
        static class QueryExtensions
        {
            public static Task<List<int>> ToListAsync(this Query q) => Task.FromResult(new List<int>());
            public static Task<List<int>> ToListAsync(this Query q, CancellationToken cancellationToken) => Task.FromResult(new List<int>());
        }
        class C
        {
            async Task RunAsync(Query query, CancellationToken ct)
            {
                var rows = await {|CG2001:query.ToListAsync()|};
                var again = await {|CG2001:QueryExtensions.ToListAsync(query)|};
            }
        }
        """, Usings + """
        class Query { }
        static class QueryExtensions
        {
            public static Task<List<int>> ToListAsync(this Query q) => Task.FromResult(new List<int>());
            public static Task<List<int>> ToListAsync(this Query q, CancellationToken cancellationToken) => Task.FromResult(new List<int>());
        }
        class C
        {
            async Task RunAsync(Query query, CancellationToken ct)
            {
                var rows = await query.ToListAsync(ct);
                var again = await QueryExtensions.ToListAsync(query, ct);
            }
        }
        """);

    [Fact]
    public Task Flags_overload_declared_in_a_base_type() => VerifyCG2001.AnalyzerAsync(Usings + """
        class C
        {
            async Task RunAsync(FileStream file, byte[] buffer, CancellationToken ct)
            {
                await {|CG2001:file.WriteAsync(buffer, 0, buffer.Length)|};
                using var reader = new StreamReader(file);
                var text = await {|CG2001:reader.ReadToEndAsync()|};
            }
        }
        """);

    [Fact]
    public Task Flags_await_foreach_without_WithCancellation() => VerifyCG2001.FixAsync(Usings + """
        class C
        {
            async Task RunAsync(IAsyncEnumerable<int> source, CancellationToken ct)
            {
                await foreach (var x in {|CG2001:source|}) { }
                await foreach (var y in {|CG2001:source.ConfigureAwait(false)|}) { }
            }
        }
        """, Usings + """
        class C
        {
            async Task RunAsync(IAsyncEnumerable<int> source, CancellationToken ct)
            {
                await foreach (var x in source.WithCancellation(ct)) { }
                await foreach (var y in source.WithCancellation(ct).ConfigureAwait(false)) { }
            }
        }
        """);

    [Fact]
    public Task Flags_async_iterator_enumerated_directly_without_its_token() => VerifyCG2001.FixAsync(Usings + """
        using System.Runtime.CompilerServices;
        class C
        {
            async IAsyncEnumerable<int> ItemsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default) { await Task.Yield(); yield return 1; }
            async Task RunAsync(CancellationToken ct)
            {
                await foreach (var x in {|CG2001:ItemsAsync()|}) { }
            }
        }
        """, Usings + """
        using System.Runtime.CompilerServices;
        class C
        {
            async IAsyncEnumerable<int> ItemsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default) { await Task.Yield(); yield return 1; }
            async Task RunAsync(CancellationToken ct)
            {
                await foreach (var x in ItemsAsync(ct)) { }
            }
        }
        """);

    [Fact]
    public Task Flags_sync_blocking_overloads_too() => VerifyCG2001.AnalyzerAsync(Usings + """
        class C
        {
            void Run(SemaphoreSlim gate, CancellationToken ct)
            {
                {|CG2001:gate.Wait()|};
                gate.Release();
            }
        }
        """);

    [Fact]
    public Task Fix_all_passes_the_token_everywhere() => VerifyCG2001.FixAsync(Usings + """
        class C
        {
            async Task RunAsync(HttpClient http, SemaphoreSlim gate, CancellationToken ct)
            {
                await {|CG2001:gate.WaitAsync()|};
                try
                {
                    var body = await {|CG2001:http.GetStringAsync("https://a")|};
                    await {|CG2001:Task.Delay(10)|};
                }
                finally
                {
                    gate.Release();
                }
            }
        }
        """, Usings + """
        class C
        {
            async Task RunAsync(HttpClient http, SemaphoreSlim gate, CancellationToken ct)
            {
                await gate.WaitAsync(ct);
                try
                {
                    var body = await http.GetStringAsync("https://a", ct);
                    await Task.Delay(10, ct);
                }
                finally
                {
                    gate.Release();
                }
            }
        }
        """);

    [Fact]
    public Task Fix_all_handles_nested_calls() => VerifyCG2001.FixAsync(Usings + """
        class C
        {
            Task SendAsync(string s) => Task.CompletedTask;
            Task SendAsync(string s, CancellationToken ct) => Task.CompletedTask;
            async Task RunAsync(CancellationToken ct)
            {
                await {|CG2001:Task.Run(() => {|CG2001:SendAsync("a")|})|};
                await Task.Run(async () => await {|CG2001:Task.Delay(10)|}, ct);
            }
            Task Run2Async(CancellationToken ct) => {|CG2001:Task.Run(() => {|CG2001:SendAsync("b")|})|};
        }
        """, Usings + """
        class C
        {
            Task SendAsync(string s) => Task.CompletedTask;
            Task SendAsync(string s, CancellationToken ct) => Task.CompletedTask;
            async Task RunAsync(CancellationToken ct)
            {
                await Task.Run(() => SendAsync("a", ct), ct);
                await Task.Run(async () => await Task.Delay(10, ct), ct);
            }
            Task Run2Async(CancellationToken ct) => Task.Run(() => SendAsync("b", ct), ct);
        }
        """);

    // ---- must not flag ----

    [Fact]
    public Task Does_not_flag_without_a_token_in_scope() => VerifyCG2001.AnalyzerAsync(Usings + """
        class C
        {
            async Task RunAsync(HttpClient http)
            {
                await Task.Delay(100);
                await http.GetStringAsync("https://x");
                Func<Task> f = async () => await Task.Delay(1);
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_calls_that_already_pass_a_token() => VerifyCG2001.AnalyzerAsync(Usings + """
        class C
        {
            async Task RunAsync(ChannelReader<int> reader, CancellationToken ct)
            {
                await Task.Delay(100, ct);
                await Task.Delay(100, CancellationToken.None);
                await reader.ReadAsync(default);
                await foreach (var x in reader.ReadAllAsync(ct)) { }
                var all = reader.ReadAllAsync(ct);
                await foreach (var y in all) { }
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_EnumeratorCancellation_iterator_enumerated_with_WithCancellation() => VerifyCG2001.AnalyzerAsync(Usings + """
        using System.Runtime.CompilerServices;
        class C
        {
            async IAsyncEnumerable<int> ItemsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default) { await Task.Yield(); yield return 1; }
            async Task RunAsync(CancellationToken ct)
            {
                await foreach (var x in ItemsAsync().WithCancellation(ct)) { }
                await foreach (var x in ItemsAsync().WithCancellation(ct).ConfigureAwait(false)) { }
                var items = ItemsAsync();
                await foreach (var y in items.WithCancellation(ct)) { }
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_in_catch_finally_or_cancellation_callbacks() => VerifyCG2001.AnalyzerAsync(Usings + """
        class C
        {
            Task CloseAsync() => Task.CompletedTask;
            Task CloseAsync(CancellationToken ct) => Task.CompletedTask;
            async Task RunAsync(CancellationToken ct)
            {
                ct.Register(() => _ = CloseAsync());
                try { await Task.Delay(1, ct); }
                catch (OperationCanceledException) { await CloseAsync(); }
                finally { await CloseAsync(); }
            }
        }
        """);

    [Fact]
    public Task Does_not_cross_static_lambdas_or_capture_ref_parameters() => VerifyCG2001.AnalyzerAsync(Usings + """
        class C
        {
            Task RunAsync(CancellationToken ct)
            {
                Func<Task> f = static async () => await Task.Delay(1);
                static async Task Local() => await Task.Delay(1);
                return f();
            }
            void Run(in CancellationToken ct)
            {
                Func<Task> f = () => Task.Delay(1);
            }
        }
        """);

    [Fact]
    // A token skipped by naming a later argument is skipped on purpose; a comment is not semantics (issue #16):
    // suppress an explained choice with #pragma or [SuppressMessage] and its reason.
    public Task Does_not_flag_deliberately_skipped_tokens_but_comments_do_not_silence() => VerifyCG2001.AnalyzerAsync(Usings + """
        class Connector
        {
            public IDisposable StartUserAction(int state, CancellationToken cancellationToken = default, bool attemptPgCancellation = true) => null!;
        }
        class C
        {
            async Task RunAsync(Connector connector, CancellationToken cancellationToken)
            {
                // no point in passing a cancellationToken here, as we register the cancellation in the Init method
                using var action = {|CG2001:connector.StartUserAction(1)|};
                using var other = connector.StartUserAction(2, attemptPgCancellation: false);
                await {|CG2001:Task.Delay(1)|}; // the token is observed by the connector
            }
        }
        """);

    [Fact]
    public Task Does_not_treat_nullable_token_parameters_as_in_scope() => VerifyCG2001.AnalyzerAsync(Usings + """
        class C
        {
            async Task RunAsync(CancellationToken? ct) => await Task.Delay(1);
        }
        """);

    [Fact]
    public Task Does_not_flag_overloads_with_a_different_return_type_or_obsolete_or_inaccessible() => VerifyCG2001.AnalyzerAsync(Usings + """
        class Api
        {
            public Task<int> CountAsync() => Task.FromResult(0);
            public Task<long> CountAsync(CancellationToken ct) => Task.FromResult(0L);
            public Task PingAsync() => Task.CompletedTask;
            [Obsolete] public Task PingAsync(CancellationToken ct) => Task.CompletedTask;
            public Task SendAsync() => Task.CompletedTask;
            private Task SendAsync(CancellationToken ct) => Task.CompletedTask;
        }
        class C
        {
            async Task RunAsync(Api api, CancellationToken ct)
            {
                await api.CountAsync();
                await api.PingAsync();
                await api.SendAsync();
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_the_local_sources_own_methods() => VerifyCG2001.AnalyzerAsync(Usings + """
        class C
        {
            async Task RunAsync()
            {
                using var cts = new CancellationTokenSource();
                await cts.CancelAsync();
            }
        }
        """);

    [Fact]
    public Task Local_source_declared_after_the_call_is_not_in_scope() => VerifyCG2001.AnalyzerAsync(Usings + """
        class C
        {
            async Task RunAsync()
            {
                await Task.Delay(1);
                using var cts = new CancellationTokenSource();
            }
        }
        """);

    // ---- issue #16: the token in scope is the wrong token, or the call must not get one ----

    [Fact]
    public Task Does_not_flag_calls_that_do_not_wait() => VerifyCG2001.AnalyzerAsync(Usings + """
        class C
        {
            async Task RunAsync(SemaphoreSlim gate, CancellationToken ct)
            {
                await Task.Delay(0);
                if (gate.Wait(0)) gate.Release();
                if (await gate.WaitAsync(0)) gate.Release();
                if (await gate.WaitAsync(TimeSpan.Zero)) gate.Release();
                await {|CG2001:gate.WaitAsync(10)|};
            }
        }
        """);

    [Fact]
    public Task Does_not_offer_the_token_of_a_source_cancelled_earlier() => VerifyCG2001.AnalyzerAsync(Usings + """
        class C
        {
            Task WaitWithGraceAsync(Task work, CancellationToken ct = default) => Task.WhenAny(work, Task.Delay(1000, ct));
            async Task StopAsync(Task work)
            {
                var cts = new CancellationTokenSource();
                cts.Cancel();
                await WaitWithGraceAsync(work);
                cts.Dispose();
            }

            async Task RunAsync(Task work)
            {
                using var cts = new CancellationTokenSource();
                await {|CG2001:WaitWithGraceAsync(work)|};
                cts.Cancel();
            }
        }
        """);

    [Fact]
    public Task Does_not_treat_a_stored_token_as_the_methods_cancellation() => VerifyCG2001.AnalyzerAsync(Usings + """
        class Queue
        {
            readonly SemaphoreSlim _lock = new(1, 1);
            CancellationToken _parent;
            CancellationTokenSource? _linked;

            public async Task SetCancelTokenAsync(CancellationToken cancelToken)
            {
                await _lock.WaitAsync();
                try
                {
                    _parent = cancelToken;
                    _linked = CancellationTokenSource.CreateLinkedTokenSource(cancelToken);
                }
                finally { _lock.Release(); }
            }

            public async Task SendAsync(CancellationToken cancelToken)
            {
                await {|CG2001:_lock.WaitAsync()|};
                _lock.Release();
            }
        }
        """);

    [Fact]
    public Task Does_not_ask_for_a_token_on_scheduling_bookkeeping_that_must_run() => VerifyCG2001.AnalyzerAsync(Usings + """
        class C
        {
            async Task HandleAsync(object state, SemaphoreSlim gate, TaskCompletionSource<int> source, CancellationToken ct)
            {
                await gate.WaitAsync(ct);
                _ = Task.Run(async () =>
                {
                    try { await Task.Yield(); }
                    finally { gate.Release(); }
                });
                _ = Task.Run(() => ((TaskCompletionSource<int>)state).TrySetException(new InvalidOperationException()));
                _ = Task.Run(() => source.TrySetResult(1));
                _ = {|CG2001:Task.Run(() => Console.WriteLine())|};
            }
        }
        """);

    // A token on Task.Run/StartNew only decides whether the delegate starts: not asked for when the delegate already hands
    // a token to its work, or when the task is stored in a field (work that outlives the call, e.g. a start stage
    // launching a loop). Still asked for when neither holds.
    [Fact]
    public Task Does_not_ask_for_a_token_on_scheduling_work_that_owns_its_cancellation() => VerifyCG2001.AnalyzerAsync(Usings + """
        class Service
        {
            readonly CancellationTokenSource _shutdown = new();
            Task? _loop;
            Task? _pump;
            Task StopCoreAsync(CancellationToken ct) => Task.Delay(1, ct);
            Task LoopAsync(CancellationToken ct) => Task.Delay(1, ct);
            Task PumpAsync() => Task.Delay(1);
            void Work() { }

            Task StopAsync(CancellationToken ct) => Task.Run(() => StopCoreAsync(ct));
            Task Start2Async(CancellationToken ct) => Task.Factory.StartNew(() => LoopAsync(_shutdown.Token)).Unwrap();

            Task StartAsync(CancellationToken ct)
            {
                _loop = Task.Run(() => LoopAsync(_shutdown.Token));
                _pump = Task.Run(PumpAsync);
                return {|CG2001:Task.Run(Work)|};
            }
        }
        """);

    [Fact]
    public Task Does_not_suggest_the_overload_that_is_the_enclosing_method() => VerifyCG2001.AnalyzerAsync(Usings + """
        class Channel
        {
            public Task CloseAsync(int code, CancellationToken cancellationToken) => CloseAsync(code);
            public async Task CloseAsync(int code) => await Task.Yield();
            public Task CloseAsync(string reason, CancellationToken cancellationToken) => {|CG2001:CloseAsync(reason.Length)|};
        }
        """);

    // Issue #16, pattern 7: after SendAsync with the default HttpCompletionOption.ResponseContentRead the body is
    // already buffered; ResponseHeadersRead leaves it on the network (and that read is flagged).
    [Fact]
    public Task Does_not_ask_for_a_token_to_read_an_already_buffered_body() => VerifyCG2001.AnalyzerAsync(Usings + """
        class C
        {
            async Task<Stream> FetchAsync(HttpClient client, HttpRequestMessage request, CancellationToken ct)
            {
                var response = await client.SendAsync(request, ct).ConfigureAwait(false);
                return await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            }

            async Task<Stream> StreamAsync(HttpClient client, HttpRequestMessage request, CancellationToken ct)
            {
                var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                return await {|CG2001:response.Content.ReadAsStreamAsync()|};
            }
        }
        """);

    // Issue #18, item 9: a streamed body read without a token is CG3005's finding (it says why the deadline is gone);
    // CG2001 stays silent on that call, and reports it again when CG3005 is turned off for the file.
    private const string StreamedBodyReads = """
        class Downloads
        {
            async Task<string> SaveAsync(HttpClient client, Stream file, CancellationToken ct)
            {
                await using var body = await client.GetStreamAsync("https://example.invalid/file", ct);
                await MARK1body.CopyToAsync(file)END1;
                using var response = await client.GetAsync("https://example.invalid/log", HttpCompletionOption.ResponseHeadersRead, ct);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                return await MARK2reader.ReadToEndAsync()END2;
            }

            async Task WriteAsync(Stream file, byte[] buffer, CancellationToken ct)
            {
                await {|CG2001:file.WriteAsync(buffer, 0, buffer.Length)|};
            }
        }
        """;

    [Fact]
    public Task Leaves_a_streamed_body_read_to_CG3005() => VerifyCG2001.AnalyzerAsync(Usings + StreamedBodyReads
        .Replace("MARK1", "").Replace("END1", "").Replace("MARK2", "").Replace("END2", ""));

    [Fact]
    public Task Reports_a_streamed_body_read_when_CG3005_is_off() => VerifyCG2001.AnalyzerAsync(Usings + StreamedBodyReads
        .Replace("MARK1", "{|CG2001:").Replace("END1", "|}").Replace("MARK2", "{|CG2001:").Replace("END2", "|}"),
        "dotnet_diagnostic.CG3005.severity = none\n");

    // Real findings that must stay (issue #16): a write without the token while sibling calls pass it; CopyToAsync
    // without the token where the overload exists.
    [Fact]
    public Task Flags_write_and_copy_without_the_token_beside_calls_that_pass_it() => VerifyCG2001.AnalyzerAsync(Usings + """
        class Frames
        {
            async Task SendAsync(Stream output, Stream body, byte[] header, CancellationToken ct)
            {
                await output.WriteAsync(header, 0, header.Length, ct);
                await {|CG2001:output.WriteAsync(header, 0, header.Length)|};
                await {|CG2001:body.CopyToAsync(output)|};
                await output.FlushAsync(ct);
            }
        }
        """);

    [Fact]
    public Task Does_not_crash_on_broken_code() => VerifyCG2001.AnalyzerAsync(Usings + """
        class C
        {
            async Task RunAsync(CancellationToken ct)
            {
                await Task.{|CS1501:Delay|}();
                await {|CS0103:Missing|}.CallAsync();
                await foreach (var x in {|CS0103:nothing|}) { }
                await Task.{|CS1501:Delay|}(1, 2, 3, 4);
                {|CS0246:Unknown|} u = new {|CS0246:Unknown|}();
                await u.RunAsync();
            }
        }
        """);
    // Issue #18 item 2: a method returning Task/ValueTask without `async` is an async context too.
    [Fact]
    public Task Flags_in_task_returning_methods_without_async() => VerifyCG2001.FixAsync(Usings + """
        class Limiter
        {
            Task Enter(int ms, CancellationToken ct)
            {
                return {|CG2001:Task.Delay(ms)|};
            }
            ValueTask Pause(CancellationToken ct) => new ValueTask({|CG2001:Task.Delay(5)|});
        }
        """, Usings + """
        class Limiter
        {
            Task Enter(int ms, CancellationToken ct)
            {
                return Task.Delay(ms, ct);
            }
            ValueTask Pause(CancellationToken ct) => new ValueTask(Task.Delay(5, ct));
        }
        """);

    // Issue #16, pattern 5: completion bookkeeping after finished work (stop, close, complete, end, release) runs to the
    // end: cancelling it half-way would corrupt state. Same predicate as CG2002 (TokenExclusions.IsRunToEndBookkeeping),
    // for a direct token parameter too. Near misses: ordinary work, a name that only starts with the letters
    // (EndpointAsync), and an overload delegating the same operation (its token was given for this very close).
    [Fact]
    public Task Does_not_ask_for_a_token_on_completion_bookkeeping_after_finished_work() => VerifyCG2001.AnalyzerAsync(Usings + """
        class Session
        {
            public Task EndSessionAsync() => Task.CompletedTask;
            public Task EndSessionAsync(CancellationToken ct) => Task.CompletedTask;
            public Task ReleaseLeaseAsync() => Task.CompletedTask;
            public Task ReleaseLeaseAsync(CancellationToken ct) => Task.CompletedTask;
            public Task CompleteAsync() => Task.CompletedTask;
            public Task CompleteAsync(CancellationToken ct) => Task.CompletedTask;
            public Task StopAsync() => Task.CompletedTask;
            public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
            public Task EndpointAsync() => Task.CompletedTask;
            public Task EndpointAsync(CancellationToken ct) => Task.CompletedTask;
            public Task SaveAsync() => Task.CompletedTask;
            public Task SaveAsync(CancellationToken ct) => Task.CompletedTask;
        }

        class Worker
        {
            async Task ProcessAsync(Session session, CancellationToken ct)
            {
                await {|CG2001:session.SaveAsync()|};
                await session.CompleteAsync();
                await session.ReleaseLeaseAsync();
                await session.EndSessionAsync();
                await session.StopAsync();
                await {|CG2001:session.EndpointAsync()|};
            }

            public Task StopAsync(Session session, CancellationToken ct) => {|CG2001:session.StopAsync()|};
        }
        """);

    // Issue #16, pattern 7: the overload lookup uses the compilation's own references, so an overload the target framework
    // lacks (HttpContent.ReadAsStreamAsync(CancellationToken) on netstandard2.0) is never suggested. Shown with two types
    // of the source: one offers only the token-less read (silent), the other also the token overload (flagged).
    [Fact]
    public Task Does_not_suggest_an_overload_the_referenced_type_lacks() => VerifyCG2001.AnalyzerAsync(Usings + """
        class LegacyBody
        {
            public Task<Stream> ReadAsStreamAsync() => Task.FromResult(Stream.Null);
        }

        class ModernBody
        {
            public Task<Stream> ReadAsStreamAsync() => Task.FromResult(Stream.Null);
            public Task<Stream> ReadAsStreamAsync(CancellationToken ct) => Task.FromResult(Stream.Null);
        }

        class Reader
        {
            async Task<Stream> ReadLegacyAsync(LegacyBody body, CancellationToken ct) => await body.ReadAsStreamAsync();
            async Task<Stream> ReadModernAsync(ModernBody body, CancellationToken ct) => await {|CG2001:body.ReadAsStreamAsync()|};
        }
        """);
}

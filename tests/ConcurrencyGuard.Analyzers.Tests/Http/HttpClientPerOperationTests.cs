using VerifyCG3004 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Http.HttpClientPerOperationAnalyzer,
    ConcurrencyGuard.CodeFixes.Http.HttpClientPerOperationFixer>;

namespace ConcurrencyGuard.Analyzers.Tests.Http;

public class HttpClientPerOperationTests
{
    private const string Usings = "using System;\nusing System.Collections.Generic;\nusing System.Net.Http;\nusing System.Threading;\nusing System.Threading.Tasks;\n";

    [Fact]
    public Task Flags_per_call_clients_and_fix_all_adds_one_shared_field() => VerifyCG3004.FixAsync(Usings + """
        class PriceClient
        {
            public async Task<string> GetAsync(string url, CancellationToken ct)
            {
                using var client = {|CG3004:new HttpClient()|};
                return await client.GetStringAsync(url, ct);
            }

            public async Task<string> GetOldStyleAsync(string url)
            {
                using (var client = {|CG3004:new HttpClient()|})
                {
                    return await client.GetStringAsync(url);
                }
            }

            public async Task PingAllAsync(IEnumerable<string> urls)
            {
                foreach (var url in urls)
                {
                    var client = {|CG3004:new HttpClient()|};
                    await client.GetAsync(url);
                    client.Dispose();
                }
            }

            public Task<string> InPlaceAsync(string url) => {|CG3004:new HttpClient()|}.GetStringAsync(url);
        }
        """, Usings + """
        class PriceClient
        {
            private static readonly HttpClient SharedHttpClient = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(15), ConnectTimeout = TimeSpan.FromSeconds(10) }) { Timeout = TimeSpan.FromSeconds(30) };

            public async Task<string> GetAsync(string url, CancellationToken ct)
            {
                var client = SharedHttpClient;
                return await client.GetStringAsync(url, ct);
            }

            public async Task<string> GetOldStyleAsync(string url)
            {
                {
                    var client = SharedHttpClient;
                    return await client.GetStringAsync(url);
                }
            }

            public async Task PingAllAsync(IEnumerable<string> urls)
            {
                foreach (var url in urls)
                {
                    var client = SharedHttpClient;
                    await client.GetAsync(url);
                }
            }

            public Task<string> InPlaceAsync(string url) => SharedHttpClient.GetStringAsync(url);
        }
        """);

    [Fact]
    public Task Message_says_loop() => VerifyCG3004.AnalyzerAsync(Usings + """
        class C
        {
            async Task RunAsync(string[] urls)
            {
                for (var i = 0; i < urls.Length; i++)
                {
                    using var client = new HttpClient();
                    await client.GetAsync(urls[i]);
                }
            }
        }
        """, null, Microsoft.CodeAnalysis.Testing.DiagnosticResult.CompilerWarning("CG3004").WithSpan(12, 32, 12, 48).WithArguments("loop iteration"));

    // Escapes.TargetOfCreation follows a switch expression as it follows ?: (HttpClients.GetTarget, merged into it, stopped at the switch).
    [Fact]
    public Task Client_chosen_by_conditional_or_switch_expression_is_a_local() => VerifyCG3004.AnalyzerAsync(Usings + """
        class C
        {
            async Task<string> RunAsync(bool secure)
            {
                using var viaConditional = secure ? {|CG3004:new HttpClient()|} : {|CG3004:new HttpClient()|};
                using var viaSwitch = secure switch { true => {|CG3004:new HttpClient()|}, _ => {|CG3004:new HttpClient()|} };
                return await viaConditional.GetStringAsync("https://x") + await viaSwitch.GetStringAsync("https://x");
            }
        }
        """);

    [Fact]
    public Task Configured_per_call_client_is_reported_without_fix() => VerifyCG3004.NoFixAsync(Usings + """
        class C
        {
            async Task<string> RunAsync(string token)
            {
                using var client = {|CG3004:new HttpClient()|};
                client.DefaultRequestHeaders.Add("Authorization", token);
                using var other = {|CG3004:new HttpClient { BaseAddress = new Uri("https://x") }|};
                using var handled = {|CG3004:new HttpClient(new HttpClientHandler())|};
                return await client.GetStringAsync("https://x") + await other.GetStringAsync("/a") + await handled.GetStringAsync("/b");
            }
        }
        """);

    [Fact]
    public Task Existing_shared_field_is_reused() => VerifyCG3004.FixAsync(Usings + """
        class C
        {
            private static readonly HttpClient SharedHttpClient = new() { Timeout = TimeSpan.FromSeconds(5) };

            Task<string> RunAsync() => {|CG3004:new HttpClient()|}.GetStringAsync("https://x");
        }
        """, Usings + """
        class C
        {
            private static readonly HttpClient SharedHttpClient = new() { Timeout = TimeSpan.FromSeconds(5) };

            Task<string> RunAsync() => SharedHttpClient.GetStringAsync("https://x");
        }
        """);

    [Fact]
    public Task Does_not_flag_stored_returned_passed_shared_handler_ctor_main_or_tests() => VerifyCG3004.AnalyzerAsync(Usings + """
        using Microsoft.Extensions.DependencyInjection;
        class Holder
        {
            private static readonly HttpClient Shared = new HttpClient();
            private readonly HttpClient _client;
            private HttpClient? _lazy;
            private static readonly SocketsHttpHandler Handler = new();

            public Holder() { _client = new HttpClient(); }

            public HttpClient Create() => new HttpClient();
            public HttpClient CreateLocal() { var c = new HttpClient(); c.Timeout = TimeSpan.FromSeconds(3); return c; }
            public void Store() { var c = new HttpClient(); _lazy = c; }
            public HttpClient Lazy() => _lazy ??= new HttpClient();
            public object Wrap() => new Api(new HttpClient());
            public object WrapLocal() { var c = new HttpClient(); return new Api(c); }
            public Task<string> SharedHandler() { using var c = new HttpClient(Handler, disposeHandler: false); return c.GetStringAsync("https://x"); }
            public Task<string> SharedHandlerPositional() { using var c = new HttpClient(Handler, false); return c.GetStringAsync("https://x"); }
            public static void Register(IServiceCollection services) => services.AddSingleton(_ => new HttpClient());
            public HttpClient FromFactory(IHttpClientFactory factory) => factory.CreateClient();
        }
        class Api { public Api(HttpClient http) { } }
        class FactAttribute : Attribute { }
        class Tests
        {
            [Fact]
            public async Task Calls_the_service() { using var client = new HttpClient(); await client.GetAsync("http://localhost"); }
        }
        static class Program
        {
            static async Task Main() { using var client = new HttpClient(); await client.GetAsync("https://x"); }
        }
        """);

    [Fact]
    public Task Does_not_flag_a_client_created_in_a_method_that_runs_once_per_instance() => VerifyCG3004.AnalyzerAsync(Usings + """
        // A one-shot report started lazily once per instance: one client per run, as in a constructor.
        class Telemetry
        {
            private Task? _report;
            private readonly Lazy<Task> _probe;
            public Telemetry()
            {
                Warm();
                _probe = new Lazy<Task>(() => ProbeAsync());
            }
            public void Started() => _report ??= Task.Run(() => ReportAsync());
            private async Task ReportAsync()
            {
                await Task.Delay(1000);
                var client = new HttpClient();
                client.Timeout = TimeSpan.FromSeconds(10);
                await client.PostAsync("https://example.invalid/usage", new StringContent("{}"));
                await DetectAsync();
            }
            private static async Task DetectAsync()
            {
                var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
                await client.GetStringAsync("http://metadata.invalid/zone");
            }
            private void Warm() { using var client = new HttpClient(); client.GetStringAsync("https://example.invalid/").Wait(); }
            private async Task ProbeAsync() { using var client = new HttpClient(); await client.GetStringAsync("https://example.invalid/"); }
        }
        """);

    [Fact]
    public Task Still_flags_methods_that_may_run_many_times() => VerifyCG3004.AnalyzerAsync(Usings + """
        class Poller
        {
            private Task? _run;
            private readonly System.Threading.Timer _timer;
            public Poller() => _timer = new System.Threading.Timer(_ => TickAsync(), null, 0, 1000);
            public void Start() => _run ??= Task.Run(() => LoopAsync());
            public Task Again() => ReportAsync();
            private async Task LoopAsync()
            {
                while (true) { await PollAsync(); }
            }
            private async Task PollAsync() { using var c = {|CG3004:new HttpClient()|}; await c.GetStringAsync("https://example.invalid/"); }
            private async Task TickAsync() { using var c = {|CG3004:new HttpClient()|}; await c.GetStringAsync("https://example.invalid/"); }
            private async Task ReportAsync() { using var c = {|CG3004:new HttpClient()|}; await c.GetStringAsync("https://example.invalid/"); }
            // Public: any caller, any number of times.
            public async Task PublicOnceAsync() { using var c = {|CG3004:new HttpClient()|}; await c.GetStringAsync("https://example.invalid/"); }
            public void StartPublic() => _run ??= PublicOnceAsync();
        }
        """);

    [Fact]
    public Task Broken_code_does_not_crash() => VerifyCG3004.AnalyzerAsync(Usings + """
        class C
        {
            void M()
            {
                using var a = new HttpClient({|CS1503:"x"|});
                var b = {|CG3004:new HttpClient()|}{|CS1002:|}
                b.{|CS1061:Nope|}();
            }
        }
        """);
}

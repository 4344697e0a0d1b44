using Microsoft.CodeAnalysis.Testing;
using VerifyCG3001 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Http.HttpClientWithoutTimeoutAnalyzer,
    ConcurrencyGuard.CodeFixes.Http.HttpClientWithoutTimeoutFixer>;

namespace ConcurrencyGuard.Analyzers.Tests.Http;

public class HttpClientWithoutTimeoutTests
{
    private const string Usings = "using System;\nusing System.Net.Http;\nusing System.Threading;\nusing System.Threading.Tasks;\n";

    [Fact]
    public Task Flags_fields_locals_lambdas_and_fixes_all() => VerifyCG3001.FixAsync(Usings + """
        class C
        {
            private static readonly HttpClient Shared = {|CG3001:new HttpClient()|};
            private readonly HttpClient _withHandler = {|CG3001:new HttpClient(new SocketsHttpHandler())|};
            private HttpClient Client { get; } = {|CG3001:new HttpClient { BaseAddress = new Uri("https://x") }|};
            private readonly Lazy<HttpClient> _lazy = new(() => {|CG3001:new HttpClient()|});

            async Task<string> RunAsync()
            {
                HttpClient local = {|CG3001:new()|};
                Func<Task<string>> f = () => {|CG3001:new HttpClient()|}.GetStringAsync("https://x");
                return await local.GetStringAsync("https://x") + await f();
            }
        }
        """, Usings + """
        class C
        {
            private static readonly HttpClient Shared = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            private readonly HttpClient _withHandler = new HttpClient(new SocketsHttpHandler()) { Timeout = TimeSpan.FromSeconds(30) };
            private HttpClient Client { get; } = new HttpClient { BaseAddress = new Uri("https://x"), Timeout = TimeSpan.FromSeconds(30) };
            private readonly Lazy<HttpClient> _lazy = new(() => new HttpClient { Timeout = TimeSpan.FromSeconds(30) });

            async Task<string> RunAsync()
            {
                HttpClient local = new() { Timeout = TimeSpan.FromSeconds(30) };
                Func<Task<string>> f = () => new HttpClient { Timeout = TimeSpan.FromSeconds(30) }.GetStringAsync("https://x");
                return await local.GetStringAsync("https://x") + await f();
            }
        }
        """);

    [Fact]
    public Task Fix_uses_the_configured_seconds_and_keeps_a_multiline_initializer() => VerifyCG3001.FixAsync(Usings + """
        class C
        {
            private readonly HttpClient _client = {|CG3001:new HttpClient
            {
                BaseAddress = new Uri("https://x"),
            }|};
            private readonly HttpClient _other = {|CG3001:new HttpClient
            {
                BaseAddress = new Uri("https://y")
            }|};
        }
        """, Usings + """
        class C
        {
            private readonly HttpClient _client = new HttpClient
            {
                BaseAddress = new Uri("https://x"),
                Timeout = TimeSpan.FromSeconds(5),
            };
            private readonly HttpClient _other = new HttpClient
            {
                BaseAddress = new Uri("https://y"),
                Timeout = TimeSpan.FromSeconds(5)
            };
        }
        """, editorConfig: "concurrency_guard.http_timeout_seconds = 5");

    [Fact]
    public Task Flags_a_client_given_to_DI_or_a_library_without_timeout() => VerifyCG3001.AnalyzerAsync(Usings + """
        using Microsoft.Extensions.DependencyInjection;
        static class Setup
        {
            public static void Add(IServiceCollection services)
            {
                services.AddSingleton({|CG3001:new HttpClient()|});
                services.AddSingleton(_ => {|CG3001:new HttpClient()|});
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_when_timeout_is_set_anywhere_for_that_instance() => VerifyCG3001.AnalyzerAsync(Usings + """
        using Microsoft.Extensions.DependencyInjection;
        static class Static
        {
            private static readonly HttpClient Client = new HttpClient();
            static Static() { Client.Timeout = TimeSpan.FromSeconds(10); }
        }
        partial class Partial
        {
            private readonly HttpClient _client = new();
            public HttpClient Api { get; } = new HttpClient();
            private HttpClient? _lazy;
            HttpClient Lazy => _lazy ??= new HttpClient();
        }
        partial class Partial
        {
            public Partial() { _client.Timeout = TimeSpan.FromSeconds(10); this.Api.Timeout = TimeSpan.FromSeconds(5); }
            void Configure() { _lazy!.Timeout = TimeSpan.FromSeconds(3); }
        }
        class Locals
        {
            async Task RunAsync()
            {
                var a = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
                using var b = new HttpClient();
                b.Timeout = TimeSpan.FromSeconds(10);
                var c = new HttpClient();
                Configure(c);
                var d = new TypedClient(new HttpClient());
                await a.GetAsync("https://x");
            }

            static void Configure(HttpClient client) => client.Timeout = TimeSpan.FromSeconds(2);
        }
        class TypedClient
        {
            private readonly HttpClient _http;
            public TypedClient(HttpClient http) { _http = http; http.Timeout = TimeSpan.FromSeconds(5); }
        }
        class Factories
        {
            // Returned: the caller configures it.
            public static HttpClient Create() => new HttpClient();
            public static HttpClient CreateLocal() { return new HttpClient(new HttpClientHandler()); }
            // IHttpClientFactory: the factory's options own the timeout.
            public static HttpClient FromFactory(IHttpClientFactory factory) => factory.CreateClient("api");
        }
        class FactAttribute : Attribute { }
        class Tests
        {
            [Fact]
            public async Task Calls_the_test_server() { using var client = new HttpClient(); await client.GetAsync("http://localhost"); }
        }
        class Derived : HttpClient
        {
            public Derived() { Timeout = TimeSpan.FromSeconds(5); }
            static readonly Derived Instance = new Derived();
        }
        """);

    [Fact]
    public Task Typed_client_and_factory_clients_are_not_creations() => VerifyCG3001.AnalyzerAsync(Usings + """
        using Microsoft.Extensions.DependencyInjection;
        public sealed class CatalogClient(HttpClient http)
        {
            public Task<string> GetAsync(CancellationToken ct) => http.GetStringAsync("/items", ct);
        }
        static class Setup
        {
            public static void Add(IServiceCollection services) => services.AddHttpClient<CatalogClient>(c => c.Timeout = TimeSpan.FromSeconds(5));
        }
        """);

    [Fact]
    public Task Broken_code_does_not_crash() => VerifyCG3001.AnalyzerAsync(Usings + """
        class C
        {
            HttpClient a = new HttpClient({|CS1503:"x"|});
            void M()
            {
                var b = new {|CS0246:HttpClinet|}();
                b.Timeout = {|CS0103:TimeSpan2|};
                var c = {|CG3001:new HttpClient()|}{|CS1002:|}
            }
        }
        """);
}

using VerifyCG3006 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Http.HttpClientRegisteredWithoutTimeoutAnalyzer,
    ConcurrencyGuard.CodeFixes.Http.HttpClientRegisteredWithoutTimeoutFixer>;

namespace ConcurrencyGuard.Analyzers.Tests.Http;

public class HttpClientRegisteredWithoutTimeoutTests
{
    private const string Usings = "using System;\nusing System.Net.Http;\nusing Microsoft.Extensions.DependencyInjection;\n";

    [Fact]
    public Task Flags_registrations_without_timeout_and_fixes_all() => VerifyCG3006.FixAsync(Usings + """
        public sealed class CatalogClient(HttpClient http) { }
        public sealed class BasketClient(HttpClient http) { }
        static class Setup
        {
            public static void Register(IServiceCollection services)
            {
                {|CG3006:services.AddHttpClient<CatalogClient>()|};
                {|CG3006:services.AddHttpClient<BasketClient>(c => c.BaseAddress = new Uri("https://basket"))|}
                    .SetHandlerLifetime(TimeSpan.FromMinutes(5));
                {|CG3006:services.AddHttpClient("github")|}.ConfigureHttpClient(c => c.DefaultRequestHeaders.Add("User-Agent", "x"));
            }
        }
        """, Usings + """
        public sealed class CatalogClient(HttpClient http) { }
        public sealed class BasketClient(HttpClient http) { }
        static class Setup
        {
            public static void Register(IServiceCollection services)
            {
                services.AddHttpClient<CatalogClient>().ConfigureHttpClient(client => client.Timeout = TimeSpan.FromSeconds(30));
                services.AddHttpClient<BasketClient>(c => c.BaseAddress = new Uri("https://basket")).ConfigureHttpClient(client => client.Timeout = TimeSpan.FromSeconds(30))
                    .SetHandlerLifetime(TimeSpan.FromMinutes(5));
                services.AddHttpClient("github").ConfigureHttpClient(client => client.Timeout = TimeSpan.FromSeconds(30)).ConfigureHttpClient(c => c.DefaultRequestHeaders.Add("User-Agent", "x"));
            }
        }
        """);

    [Fact]
    public Task Builder_in_a_local_is_followed() => VerifyCG3006.AnalyzerAsync(Usings + """
        static class Setup
        {
            public static void Register(IServiceCollection services)
            {
                var configured = services.AddHttpClient("a");
                configured.ConfigureHttpClient(c => c.Timeout = TimeSpan.FromSeconds(5));
                var bare = {|CG3006:services.AddHttpClient("b")|};
                bare.SetHandlerLifetime(TimeSpan.FromMinutes(1));
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_timeout_delegates_or_resilience_handlers() => VerifyCG3006.AnalyzerAsync(Usings + """
        using System.Threading.Tasks;
        public sealed class CatalogClient(HttpClient http) { }
        static class Setup
        {
            static void Configure(HttpClient client) => client.BaseAddress = new Uri("https://x");
            public static void Register(IServiceCollection services)
            {
                services.AddHttpClient<CatalogClient>(c => c.Timeout = TimeSpan.FromSeconds(5));
                services.AddHttpClient("a", (sp, c) => { c.BaseAddress = new Uri("https://a"); c.Timeout = TimeSpan.FromSeconds(5); });
                services.AddHttpClient("b").ConfigureHttpClient(c => c.Timeout = TimeSpan.FromSeconds(5));
                services.AddHttpClient("c", Configure);
                services.AddHttpClient("d").AddMyResilienceHandler();
                services.AddHttpClient("e").AddTimeoutPolicy();
                services.AddHttpClient("f").AddDefaults();
                Use(services.AddHttpClient("g"));
            }
            static void Use(IHttpClientBuilder builder) { }
        }
        static class Extensions
        {
            // Stand-ins for Microsoft.Extensions.Http.Resilience / Polly, declared in source.
            public static IHttpClientBuilder AddMyResilienceHandler(this IHttpClientBuilder b) => b;
            public static IHttpClientBuilder AddTimeoutPolicy(this IHttpClientBuilder b) => b;
            public static IHttpClientBuilder AddDefaults(this IHttpClientBuilder b) => b.ConfigureHttpClient(c => c.Timeout = TimeSpan.FromSeconds(5));
        }
        """);

    [Fact]
    public Task Global_defaults_silence_every_registration() => VerifyCG3006.AnalyzerAsync(Usings + """
        public sealed class CatalogClient(HttpClient http) { }
        static class Setup
        {
            public static void Register(IServiceCollection services)
            {
                services.ConfigureHttpClientDefaults(b => b.ConfigureHttpClient(c => c.Timeout = TimeSpan.FromSeconds(10)));
                services.AddHttpClient<CatalogClient>();
            }
        }
        """);

    [Fact]
    public Task Broken_code_does_not_crash() => VerifyCG3006.AnalyzerAsync(Usings + """
        static class Setup
        {
            public static void Register(IServiceCollection services)
            {
                {|CG3006:services.AddHttpClient<{|CS0246:Missing|}>()|};
                {|CG3006:services.AddHttpClient("x")|}.{|CS1061:Nope|}(){|CS1002:|}
            }
        }
        """);
}

using VerifyCG3003 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Http.SocketsHandlerWithoutLimitsAnalyzer,
    ConcurrencyGuard.CodeFixes.Http.SocketsHandlerWithoutLimitsFixer>;

namespace ConcurrencyGuard.Analyzers.Tests.Http;

public class SocketsHandlerWithoutLimitsTests
{
    private const string Usings = "using System;\nusing System.Net.Http;\nusing System.Threading;\nusing System.Threading.Tasks;\n";

    [Fact]
    public Task Flags_missing_limits_and_fixes_all() => VerifyCG3003.FixAsync(Usings + """
        class C
        {
            private static readonly HttpClient A = new({|CG3003:new SocketsHttpHandler()|}) { Timeout = TimeSpan.FromSeconds(10) };
            private static readonly HttpClient B = new({|CG3003:new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) }|}) { Timeout = TimeSpan.FromSeconds(10) };
            private static readonly HttpClient D = new({|CG3003:new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                MaxConnectionsPerServer = 10,
            }|}) { Timeout = TimeSpan.FromSeconds(10) };
        }
        """, Usings + """
        class C
        {
            private static readonly HttpClient A = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10), PooledConnectionLifetime = TimeSpan.FromMinutes(15) }) { Timeout = TimeSpan.FromSeconds(10) };
            private static readonly HttpClient B = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5), PooledConnectionLifetime = TimeSpan.FromMinutes(15) }) { Timeout = TimeSpan.FromSeconds(10) };
            private static readonly HttpClient D = new(new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                MaxConnectionsPerServer = 10,
                ConnectTimeout = TimeSpan.FromSeconds(10),
            }) { Timeout = TimeSpan.FromSeconds(10) };
        }
        """);

    [Fact]
    public Task Does_not_flag_when_set_later_or_built_for_IHttpClientFactory() => VerifyCG3003.AnalyzerAsync(Usings + """
        using Microsoft.Extensions.DependencyInjection;
        class C
        {
            private readonly SocketsHttpHandler _handler = new();
            public C() { _handler.ConnectTimeout = TimeSpan.FromSeconds(3); _handler.PooledConnectionLifetime = TimeSpan.FromMinutes(1); }

            static HttpMessageHandler Create() => new SocketsHttpHandler();

            static void Register(IServiceCollection services)
            {
                // The factory recycles primary handlers: only the connect timeout matters there.
                services.AddHttpClient("api").ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) });
                var handler = new SocketsHttpHandler();
                handler.ConnectTimeout = TimeSpan.FromSeconds(2);
                handler.PooledConnectionLifetime = TimeSpan.FromMinutes(5);
            }
        }
        """);

    [Fact]
    public Task Factory_primary_handler_still_needs_a_connect_timeout() => VerifyCG3003.FixAsync(Usings + """
        using Microsoft.Extensions.DependencyInjection;
        static class Setup
        {
            public static void Register(IServiceCollection services) =>
                services.AddHttpClient("api").ConfigurePrimaryHttpMessageHandler(() => {|CG3003:new SocketsHttpHandler()|});
        }
        """, Usings + """
        using Microsoft.Extensions.DependencyInjection;
        static class Setup
        {
            public static void Register(IServiceCollection services) =>
                services.AddHttpClient("api").ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) });
        }
        """);

    [Fact]
    public Task Handler_factory_lambda_only_needs_a_connect_timeout() => VerifyCG3003.AnalyzerAsync(Usings + """
        using Microsoft.Extensions.DependencyInjection;
        static class Setup
        {
            // jellyfin's Startup: the delegate is built first and handed to the factory later.
            public static void Register(IServiceCollection services)
            {
                Func<IServiceProvider, HttpMessageHandler> primary = _ => {|#0:new SocketsHttpHandler { MaxConnectionsPerServer = 8 }|};
                Func<IServiceProvider, HttpMessageHandler> good = _ => new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) };
                services.AddHttpClient("a").ConfigurePrimaryHttpMessageHandler(primary);
                services.AddHttpClient("b").ConfigurePrimaryHttpMessageHandler(good);
            }
        }
        """, null, Microsoft.CodeAnalysis.Testing.DiagnosticResult.CompilerWarning("CG3003").WithSeverity(Microsoft.CodeAnalysis.DiagnosticSeverity.Info).WithLocation(0).WithArguments("ConnectTimeout", "connects wait on a dead host until the OS gives up"));

    [Fact]
    public Task Broken_code_does_not_crash() => VerifyCG3003.AnalyzerAsync(Usings + """
        class C
        {
            void M()
            {
                var h = new SocketsHttpHandler { {|CS0117:Bogus|} = 1, ConnectTimeout = TimeSpan.FromSeconds(1), PooledConnectionLifetime = TimeSpan.FromMinutes(1) };
                var g = {|CG3003:new SocketsHttpHandler()|}{|CS1002:|}
            }
        }
        """);
}

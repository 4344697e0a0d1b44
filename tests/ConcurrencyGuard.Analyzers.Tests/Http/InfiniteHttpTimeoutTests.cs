using VerifyCG3002 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Http.InfiniteHttpTimeoutAnalyzer,
    ConcurrencyGuard.CodeFixes.Http.InfiniteHttpTimeoutFixer>;

namespace ConcurrencyGuard.Analyzers.Tests.Http;

public class InfiniteHttpTimeoutTests
{
    private const string Usings = "using System;\nusing System.Net.Http;\nusing System.Threading;\nusing System.Threading.Tasks;\n";

    [Fact]
    public Task Flags_infinite_max_and_excessive_values_and_fixes_all() => VerifyCG3002.FixAsync(Usings + """
        class C
        {
            private readonly HttpClient _a = new HttpClient { Timeout = {|CG3002:Timeout.InfiniteTimeSpan|} };
            private readonly HttpClient _b = new HttpClient(new SocketsHttpHandler
            {
                ConnectTimeout = {|CG3002:TimeSpan.MaxValue|},
                ResponseDrainTimeout = {|CG3002:TimeSpan.FromMinutes(30)|},
            }) { Timeout = TimeSpan.FromSeconds(10) };

            void Configure(HttpClient client, SocketsHttpHandler handler)
            {
                client.Timeout = {|CG3002:TimeSpan.FromHours(1)|};
                client.Timeout = {|CG3002:new TimeSpan(0, 10, 0)|};
                handler.KeepAlivePingTimeout = {|CG3002:TimeSpan.FromMilliseconds(-1)|};
                Action a = () => client.Timeout = {|CG3002:TimeSpan.FromSeconds(301)|};
            }
        }
        """, Usings + """
        class C
        {
            private readonly HttpClient _a = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            private readonly HttpClient _b = new HttpClient(new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(30),
                ResponseDrainTimeout = TimeSpan.FromSeconds(30),
            }) { Timeout = TimeSpan.FromSeconds(10) };

            void Configure(HttpClient client, SocketsHttpHandler handler)
            {
                client.Timeout = TimeSpan.FromSeconds(30);
                client.Timeout = TimeSpan.FromSeconds(30);
                handler.KeepAlivePingTimeout = TimeSpan.FromSeconds(30);
                Action a = () => client.Timeout = TimeSpan.FromSeconds(30);
            }
        }
        """);

    [Fact]
    public Task Limit_and_fix_value_come_from_options() => VerifyCG3002.FixAsync(Usings + """
        class C
        {
            void M(HttpClient client)
            {
                client.Timeout = {|CG3002:TimeSpan.FromSeconds(90)|};
            }
        }
        """, Usings + """
        class C
        {
            void M(HttpClient client)
            {
                client.Timeout = TimeSpan.FromSeconds(15);
            }
        }
        """, editorConfig: "concurrency_guard.http_max_timeout_seconds = 60\nconcurrency_guard.http_timeout_seconds = 15");

    [Fact]
    public Task Does_not_flag_reasonable_or_unknown_values_or_other_properties() => VerifyCG3002.AnalyzerAsync(Usings + """
        class C
        {
            private static readonly TimeSpan Configured = TimeSpan.FromMinutes(60);
            void M(HttpClient client, SocketsHttpHandler handler, TimeSpan fromConfig, int seconds)
            {
                client.Timeout = TimeSpan.FromSeconds(300);
                client.Timeout = TimeSpan.FromMinutes(2);
                client.Timeout = fromConfig;
                client.Timeout = TimeSpan.FromSeconds(seconds);
                client.Timeout = Configured;
                // Lifetimes and idle times are not deadlines.
                handler.PooledConnectionLifetime = Timeout.InfiniteTimeSpan;
                handler.PooledConnectionIdleTimeout = TimeSpan.FromHours(1);
                var cts = new CancellationTokenSource { };
                var other = new Other { Timeout = Timeout.InfiniteTimeSpan };
            }
        }
        class Other { public TimeSpan Timeout { get; set; } }
        """);

    [Fact]
    public Task Infinite_client_timeout_with_per_request_deadline_is_not_flagged() => VerifyCG3002.AnalyzerAsync(Usings + """
        class Proxy
        {
            private readonly HttpClient _client = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            public async Task<string> GetAsync(string url, CancellationToken ct)
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
                cts.CancelAfter(TimeSpan.FromSeconds(20));
                return await _client.GetStringAsync(url, cts.Token);
            }
        }
        // NuGet's HttpSource: the type runs each request under its own RequestTimeout, through a helper that arms it.
        class Source
        {
            public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(100);
            private readonly HttpClient _client = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            public Task<string> GetAsync(string url) => Deadlines.Run(ct => _client.GetStringAsync(url, ct), RequestTimeout);
        }
        static class Deadlines
        {
            public static async Task<T> Run<T>(Func<CancellationToken, Task<T>> work, TimeSpan timeout)
            {
                using var cts = new CancellationTokenSource();
                cts.CancelAfter(timeout);
                return await work(cts.Token);
            }
        }
        // The work raced against a timer, and Task.WaitAsync(TimeSpan).
        class Raced
        {
            private readonly HttpClient _client = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            public async Task<string> GetAsync(string url)
            {
                var work = _client.GetStringAsync(url);
                if (await Task.WhenAny(work, Task.Delay(TimeSpan.FromSeconds(20))) != work) throw new TimeoutException();
                return await work;
            }
        }
        class Waited
        {
            private readonly HttpClient _client = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            public Task<string> GetAsync(string url) => _client.GetStringAsync(url).WaitAsync(TimeSpan.FromSeconds(20));
        }
        // A handler's ConnectTimeout is not a per-request deadline: still flagged.
        class Mixed
        {
            private readonly HttpClient _noTimeout = new HttpClient();
            HttpClient Create() => new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) }) { Timeout = {|CG3002:Timeout.InfiniteTimeSpan|} };
        }
        class Download
        {
            private readonly HttpClient _client = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            public async Task<byte[]> GetAsync(string url)
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
                return await _client.GetByteArrayAsync(url, cts.Token);
            }
        }
        """);

    [Fact]
    public Task Timeout_named_members_that_arm_nothing_do_not_silence_it() => VerifyCG3002.AnalyzerAsync(Usings + """
        // A member called "timeout" is not a deadline: nothing here cancels the call.
        class Named
        {
            public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(100);
            private readonly int _timeoutMs = 5000;
            private readonly HttpClient _client = new HttpClient { Timeout = {|CG3002:Timeout.InfiniteTimeSpan|} };
            public Task<string> GetAsync(string url) => _client.GetStringAsync(url);
            static void TimeoutHelper() { }
            public override string ToString() => RequestTimeout + " " + _timeoutMs;
        }
        // A token source without a delay, and a WhenAny without a timer.
        class NoDelay
        {
            private readonly HttpClient _client = new HttpClient { Timeout = {|CG3002:Timeout.InfiniteTimeSpan|} };
            public async Task<string> GetAsync(string url, Task stop)
            {
                using var cts = new CancellationTokenSource();
                var work = _client.GetStringAsync(url, cts.Token);
                await Task.WhenAny(work, stop);
                return await work;
            }
        }
        """);

    [Fact]
    public Task Broken_code_does_not_crash() => VerifyCG3002.AnalyzerAsync(Usings + """
        class C
        {
            void M(HttpClient client)
            {
                client.Timeout = TimeSpan.FromSeconds({|CS1503:"x"|});
                client.Timeout = TimeSpan.{|CS0117:Forever|};
                client.Timeout = {|CG3002:Timeout.InfiniteTimeSpan|}{|CS1002:|}
            }
        }
        """);
}

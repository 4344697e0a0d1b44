using VerifyCG3005 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Http.StreamedBodyWithoutDeadlineAnalyzer,
    ConcurrencyGuard.CodeFixes.Http.StreamedBodyWithoutDeadlineFixer>;

namespace ConcurrencyGuard.Analyzers.Tests.Http;

public class StreamedBodyWithoutDeadlineTests
{
    private const string Usings = "using System;\nusing System.IO;\nusing System.IO.Compression;\nusing System.Net.Http;\nusing System.Net.Http.Json;\nusing System.Text.Json;\nusing System.Threading;\nusing System.Threading.Tasks;\n";

    [Fact]
    public Task Flags_reads_of_streamed_bodies_and_fixes_all_with_the_token_in_scope() => VerifyCG3005.FixAsync(Usings + """
        record Item(int Id);
        class C
        {
            async Task DownloadAsync(HttpClient client, Stream file, CancellationToken ct)
            {
                await using var body = await client.GetStreamAsync("https://x/file", ct);
                await {|CG3005:body.CopyToAsync(file)|};
            }

            async Task<Item?> ReadJsonAsync(HttpClient client, CancellationToken ct)
            {
                using var response = await client.GetAsync("https://x/item", HttpCompletionOption.ResponseHeadersRead, ct);
                var stream = await response.Content.ReadAsStreamAsync(ct);
                return await {|CG3005:JsonSerializer.DeserializeAsync<Item>(stream)|};
            }

            async Task<string> ReadTextAsync(HttpClient client, HttpRequestMessage request, CancellationToken ct)
            {
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
                var first = await {|CG3005:response.Content.ReadAsStringAsync()|};
                using var reader = new StreamReader(new GZipStream(await client.GetStreamAsync("https://x/log.gz", ct), CompressionMode.Decompress));
                return first + await {|CG3005:reader.ReadToEndAsync()|};
            }

            async Task<Item?> ReadFromJsonAsync(HttpClient client, CancellationToken ct)
            {
                var response = await client.GetAsync("https://x/item", HttpCompletionOption.ResponseHeadersRead, ct);
                return await {|CG3005:response.Content.ReadFromJsonAsync<Item>()|};
            }
        }
        """, Usings + """
        record Item(int Id);
        class C
        {
            async Task DownloadAsync(HttpClient client, Stream file, CancellationToken ct)
            {
                await using var body = await client.GetStreamAsync("https://x/file", ct);
                await body.CopyToAsync(file, ct);
            }

            async Task<Item?> ReadJsonAsync(HttpClient client, CancellationToken ct)
            {
                using var response = await client.GetAsync("https://x/item", HttpCompletionOption.ResponseHeadersRead, ct);
                var stream = await response.Content.ReadAsStreamAsync(ct);
                return await JsonSerializer.DeserializeAsync<Item>(stream, cancellationToken: ct);
            }

            async Task<string> ReadTextAsync(HttpClient client, HttpRequestMessage request, CancellationToken ct)
            {
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
                var first = await response.Content.ReadAsStringAsync(ct);
                using var reader = new StreamReader(new GZipStream(await client.GetStreamAsync("https://x/log.gz", ct), CompressionMode.Decompress));
                return first + await reader.ReadToEndAsync(ct);
            }

            async Task<Item?> ReadFromJsonAsync(HttpClient client, CancellationToken ct)
            {
                var response = await client.GetAsync("https://x/item", HttpCompletionOption.ResponseHeadersRead, ct);
                return await response.Content.ReadFromJsonAsync<Item>(ct);
            }
        }
        """);

    [Fact]
    public Task Reported_without_fix_when_no_token_is_in_scope_or_None_is_passed() => VerifyCG3005.NoFixAsync(Usings + """
        class C
        {
            async Task DownloadAsync(HttpClient client, Stream file)
            {
                var body = await client.GetStreamAsync("https://x/file");
                await {|CG3005:body.CopyToAsync(file)|};
                await {|CG3005:body.CopyToAsync(file, CancellationToken.None)|};
                using var reader = new StreamReader(body);
                await {|CG3005:reader.ReadLineAsync()|};
            }

            // jellyfin's PluginManager: the stream local is assigned after its declaration.
            async Task SaveImageAsync(HttpClient client, Stream file, string url)
            {
                Stream? download = null;
                try
                {
                    download = await client.GetStreamAsync(url).ConfigureAwait(false);
                    await {|CG3005:download.CopyToAsync(file)|}.ConfigureAwait(false);
                }
                finally
                {
                    download?.Dispose();
                }
            }

            Task InLambda(HttpClient client, Stream file) => Task.Run(async () =>
            {
                var body = await client.GetStreamAsync("https://x");
                await {|CG3005:body.CopyToAsync(file)|};
            });
        }
        """);

    [Fact]
    public Task Does_not_flag_buffered_responses_reads_with_a_token_or_other_streams() => VerifyCG3005.AnalyzerAsync(Usings + """
        class C
        {
            async Task<string> RunAsync(HttpClient client, Stream file, HttpResponseMessage unknown, CancellationToken ct)
            {
                // Buffered (the default ResponseContentRead): HttpClient.Timeout covered the whole body.
                using var response = await client.GetAsync("https://x");
                var text = await response.Content.ReadAsStringAsync();
                var buffered = await response.Content.ReadAsStreamAsync();
                await buffered.CopyToAsync(file);

                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                var body = await client.GetStreamAsync("https://x", timeout.Token);
                await body.CopyToAsync(file, timeout.Token);
                await body.DisposeAsync();

                await file.CopyToAsync(Stream.Null);
                await unknown.Content.ReadAsStringAsync(ct);
                return text;
            }
        }
        """);

    [Fact]
    public Task Broken_code_does_not_crash() => VerifyCG3005.AnalyzerAsync(Usings + """
        class C
        {
            async Task M(HttpClient client)
            {
                var body = await client.GetStreamAsync({|CS1503:42|});
                var other = await client.{|CS1061:GetStreamAsink|}("x");
                await other.CopyToAsync(Stream.Null){|CS1002:|}
            }
        }
        """);

    // Issue #18, item 9: the same reads CG2001 leaves to this rule (TokenNotForwardedTests.Leaves_a_streamed_body_read_to_CG3005).
    [Fact]
    public Task Reports_the_reads_CG2001_leaves_to_it() => VerifyCG3005.AnalyzerAsync(Usings + """
        class Downloads
        {
            async Task<string> SaveAsync(HttpClient client, Stream file, CancellationToken ct)
            {
                await using var body = await client.GetStreamAsync("https://example.invalid/file", ct);
                await {|CG3005:body.CopyToAsync(file)|};
                using var response = await client.GetAsync("https://example.invalid/log", HttpCompletionOption.ResponseHeadersRead, ct);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                return await {|CG3005:reader.ReadToEndAsync()|};
            }

            async Task WriteAsync(Stream file, byte[] buffer, CancellationToken ct)
            {
                await file.WriteAsync(buffer, 0, buffer.Length);
            }
        }
        """);
}

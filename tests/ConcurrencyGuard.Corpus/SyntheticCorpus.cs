using System.Text;

namespace ConcurrencyGuard.Corpus;

/// <summary>
/// A deterministic corpus of realistic service code (controllers, minimal-API handlers, background
/// workers, repositories, HTTP gateways, producer/consumer pipelines) mixing every hazard family with
/// the safe shapes. CI uses it because CI cannot download code; the same seed always yields the same
/// files. Every file compiles against the .NET and ASP.NET Core shared frameworks (a test checks it).
/// </summary>
public static class SyntheticCorpus
{
    public const int DefaultSeed = 20261126;
    public const int DefaultLines = 100_000;

    private static readonly string[] Nouns =
    {
        "Order", "Invoice", "Customer", "Payment", "Shipment", "Catalog", "Basket", "Refund", "Ledger", "Report",
        "Inventory", "Coupon", "Review", "Account", "Session", "Ticket", "Booking", "Quote", "Policy", "Claim",
    };

    private static readonly Func<Names, Random, string>[] Templates =
    {
        Controller, MinimalApi, Worker, Repository, HttpGateway, Pipeline, Closures, TaskLifetime, Locks, SafeService,
    };

    /// <summary>Generates files until about <paramref name="targetLines"/> lines exist.</summary>
    public static IReadOnlyList<(string Path, string Text)> Generate(int seed = DefaultSeed, int targetLines = DefaultLines)
    {
        var random = new Random(seed);
        var files = new List<(string, string)> { ("Shared/StandIns.cs", StandIns) };
        var lines = CountLines(StandIns);
        for (var i = 0; lines < targetLines; i++)
        {
            var template = Templates[i % Templates.Length];
            var names = new Names(Nouns[random.Next(Nouns.Length)], i);
            var text = Header(names) + template(names, random) + "}\n";
            files.Add(($"{template.Method.Name}/{names.Noun}{template.Method.Name}{i}.cs", text));
            lines += CountLines(text);
        }

        return files;
    }

    public static int CountLines(string text)
    {
        var count = 1;
        foreach (var c in text)
        {
            if (c == '\n')
            {
                count++;
            }
        }

        return count;
    }

    private sealed record Names(string Noun, int Index)
    {
        public string Ns => $"Contoso.Services{Index % 17}";
        public string Type(string suffix) => $"{Noun}{suffix}{Index}";
        public string Lower => char.ToLowerInvariant(Noun[0]) + Noun[1..];
    }

    private static string Header(Names n) => $$"""
        using System;
        using System.Collections.Concurrent;
        using System.Collections.Generic;
        using System.Data.Common;
        using System.IO;
        using System.Linq;
        using System.Net.Http;
        using System.Net.Http.Json;
        using System.Runtime.CompilerServices;
        using System.Text.Json;
        using System.Threading;
        using System.Threading.Channels;
        using System.Threading.Tasks;
        using Contoso.Shared;
        using Microsoft.AspNetCore.Http;
        using Microsoft.AspNetCore.Mvc;
        using Microsoft.Extensions.DependencyInjection;
        using Microsoft.Extensions.Hosting;
        using Microsoft.Extensions.Logging;

        namespace {{n.Ns}}
        {

        """;

    private const string StandIns = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;

        namespace Microsoft.EntityFrameworkCore
        {
            /// <summary>Stand-in for EF Core's DbContext (the corpus compiles without EF).</summary>
            public class DbContext : IDisposable, IAsyncDisposable
            {
                public Task<int> SaveChangesAsync(CancellationToken cancellationToken = default) => Task.FromResult(0);
                public int SaveChanges() => 0;
                public void Add(object entity) { }
                public ValueTask AddAsync(object entity, CancellationToken cancellationToken = default) => default;
                public void Dispose() { }
                public ValueTask DisposeAsync() => default;
            }
        }

        namespace Contoso.Shared
        {
            public sealed class AppDbContext : Microsoft.EntityFrameworkCore.DbContext
            {
                public List<string> Rows { get; } = new();
            }

            public sealed record Item(string Id, decimal Amount);

            public interface IClock { DateTimeOffset Now { get; } }

            public static class Util
            {
                public static Task<int> ComputeAsync(int value, CancellationToken cancellationToken = default) => Task.FromResult(value * 2);
                public static Task SendAsync(string message) => Task.Delay(1);
                public static Task SendAsync(string message, CancellationToken cancellationToken) => Task.Delay(1, cancellationToken);
                public static async IAsyncEnumerable<int> StreamAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
                {
                    for (var i = 0; i < 3; i++)
                    {
                        await Task.Delay(1, cancellationToken);
                        yield return i;
                    }
                }
            }
        }
        """;

    private static string Controller(Names n, Random r) => $$"""
        [ApiController]
        [Route("api/{{n.Lower}}s")]
        public sealed class {{n.Type("Controller")}} : ControllerBase
        {
            private readonly AppDbContext _db;
            private readonly ILogger<{{n.Type("Controller")}}> _logger;
            private readonly IServiceScopeFactory _scopes;

            public {{n.Type("Controller")}}(AppDbContext db, ILogger<{{n.Type("Controller")}}> logger, IServiceScopeFactory scopes)
            {
                _db = db;
                _logger = logger;
                _scopes = scopes;
            }

            [HttpGet("{id}")]
            public async Task<IActionResult> Get(string id, CancellationToken cancellationToken)
            {
                await Task.Delay({{r.Next(1, 50)}});
                var count = await Util.ComputeAsync(id.Length);
                return Ok(count);
            }

            [HttpPost]
            public async Task<IActionResult> Create(Item item)
            {
                _db.Rows.Add(item.Id);
                await _db.SaveChangesAsync(CancellationToken.None);
                _ = Task.Run(async () =>
                {
                    await Task.Delay(100);
                    _logger.LogInformation("created {Id} for {User}", item.Id, HttpContext.User.Identity?.Name);
                    _db.Rows.Add("audit:" + item.Id);
                });
                return Accepted();
            }

            [HttpPost("safe")]
            public async Task<IActionResult> CreateSafe(Item item, CancellationToken cancellationToken)
            {
                var user = HttpContext.User.Identity?.Name;
                _ = Task.Run(async () =>
                {
                    using var scope = _scopes.CreateScope();
                    await Task.Delay(100, CancellationToken.None);
                    _logger.LogInformation("created {Id} for {User}", item.Id, user);
                }, CancellationToken.None);
                await _db.SaveChangesAsync(cancellationToken);
                return Accepted();
            }

            [HttpGet("sync")]
            public IActionResult GetSync(string id)
            {
                var value = Util.ComputeAsync(id.Length).Result;
                Util.SendAsync("read " + id).Wait();
                return Ok(value);
            }

            [HttpGet("stream")]
            public async Task<IActionResult> Stream()
            {
                var total = 0;
                await foreach (var value in Util.StreamAsync())
                {
                    total += value;
                }

                return Ok(total);
            }

        """ + Repeat(r, 3, i => $$"""
            [HttpGet("extra{{i}}")]
            public async Task<IActionResult> Extra{{i}}(int value, CancellationToken cancellationToken)
            {
                var a = await Util.ComputeAsync(value, cancellationToken);
                var b = await Util.ComputeAsync(a);
                await Util.SendAsync("extra", cancellationToken);
                return Ok(a + b);
            }

        """) + "}\n";

    private static string MinimalApi(Names n, Random r) => $$"""
        public static class {{n.Type("Endpoints")}}
        {
            public static async Task<IResult> Handle(HttpContext context, string id)
            {
                await Util.SendAsync("handled " + id);
                await Task.Delay({{r.Next(1, 40)}});
                return Results.Ok(id);
            }

            public static async Task<IResult> HandleWithToken(string id, CancellationToken cancellationToken)
            {
                await Util.SendAsync("handled " + id, cancellationToken);
                await Task.Delay({{r.Next(1, 40)}}, cancellationToken);
                return Results.Ok(id);
            }

            public static IResult FireAndForget(HttpContext context, string id)
            {
                Task.Run(() => Util.SendAsync(context.Request.Path + id));
                return Results.Accepted();
            }

            public static async Task<IResult> Timeout(string id, CancellationToken cancellationToken)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds({{r.Next(1, 30)}}));
                await Task.Delay(10, timeout.Token);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                linked.CancelAfter(TimeSpan.FromSeconds(5));
                await Task.Delay(10, linked.Token);
                return Results.Ok(id);
            }

            public static async Task<IResult> LeakySource(string id, CancellationToken cancellationToken)
            {
                var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                await Task.Delay(10, linked.Token);
                return Results.Ok(id);
            }
        }

        """;

    private static string Worker(Names n, Random r) => $$"""
        public sealed class {{n.Type("Worker")}} : BackgroundService
        {
            private readonly ILogger<{{n.Type("Worker")}}> _logger;
            private int _ticks;

            public {{n.Type("Worker")}}(ILogger<{{n.Type("Worker")}}> logger) => _logger = logger;

            protected override async Task ExecuteAsync(CancellationToken stoppingToken)
            {
                StartSpinner();
                while (true)
                {
                    await Task.Delay(TimeSpan.FromSeconds({{r.Next(1, 60)}}));
                    _ticks++;
                    Thread.Sleep(10);
                    _logger.LogInformation("tick {Ticks}", _ticks);
                }
            }

            private void StartSpinner()
            {
                Task.Run(() =>
                {
                    while (true)
                    {
                        Thread.Sleep(1000);
                        Interlocked.Increment(ref _ticks);
                    }
                });

                _ = Task.Factory.StartNew(async () =>
                {
                    await Task.Delay(10);
                    _logger.LogInformation("started");
                });
            }
        }

        public sealed class {{n.Type("GoodWorker")}} : BackgroundService
        {
            private readonly ILogger<{{n.Type("GoodWorker")}}> _logger;

            public {{n.Type("GoodWorker")}}(ILogger<{{n.Type("GoodWorker")}}> logger) => _logger = logger;

            protected override async Task ExecuteAsync(CancellationToken stoppingToken)
            {
                while (!stoppingToken.IsCancellationRequested)
                {
                    await Task.Delay(TimeSpan.FromSeconds({{r.Next(1, 60)}}), stoppingToken);
                    _logger.LogInformation("tick");
                }

                var thread = Task.Factory.StartNew(() =>
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        Thread.Sleep(100);
                    }
                }, stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                await thread;
            }
        }

        """;

    private static string Repository(Names n, Random r) => $$"""
        public sealed class {{n.Type("Repository")}}
        {
            private readonly DbConnection _connection;

            public {{n.Type("Repository")}}(DbConnection connection) => _connection = connection;

            public async Task<int> CountAsync(CancellationToken cancellationToken)
            {
                await using var command = _connection.CreateCommand();
                command.CommandText = "select count(*) from {{n.Noun}}s";
                var result = await command.ExecuteScalarAsync();
                return Convert.ToInt32(result);
            }

            public async Task<List<string>> ListAsync(CancellationToken cancellationToken)
            {
                using var command = _connection.CreateCommand();
                command.CommandText = "select id from {{n.Noun}}s";
                using var reader = command.ExecuteReader();
                var ids = new List<string>();
                while (reader.Read())
                {
                    ids.Add(reader.GetString(0));
                }

                await Task.Yield();
                return ids;
            }

            public async Task<List<string>> ListGoodAsync(CancellationToken cancellationToken)
            {
                await using var command = _connection.CreateCommand();
                command.CommandText = "select id from {{n.Noun}}s";
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                var ids = new List<string>();
                while (await reader.ReadAsync(cancellationToken))
                {
                    ids.Add(reader.GetString(0));
                }

                return ids;
            }

            public async Task<string> LoadFileAsync(string path)
            {
                var text = File.ReadAllText(path);
                using var stream = new MemoryStream();
                stream.Write(new byte[] { {{r.Next(0, 255)}} }, 0, 1);
                await Task.Yield();
                return text;
            }

            public async Task<int> MixedAsync(CancellationToken cancellationToken)
            {
                // Genuinely pending (Util.ComputeAsync returns Task.FromResult, which CG6001 knows is complete).
                var pending = Task.Run(() => 6, cancellationToken);
                await Task.Delay(1, cancellationToken);
                return pending.Result;
            }

            public async Task<string> LoadFileGoodAsync(string path, CancellationToken cancellationToken) =>
                await File.ReadAllTextAsync(path, cancellationToken);

            public Task<int> Cached() => Task.FromResult({{r.Next()}});

            // An overload with a token exists, though callers cannot reach it: CG2005's fix must not add it twice (CS0111).
            public async Task<int> RefreshAsync(string id) { await Task.Delay({{r.Next(1, 9)}}); return id.Length; }

            private Task<int> RefreshAsync(string id, CancellationToken cancellationToken) => Task.FromResult(id.Length);
        }

        // The base class's public method implements the interface for the derived class: its signature is fixed (CS0535).
        public interface I{{n.Type("Probe")}} { Task<bool> ExistsAsync(string id, TimeSpan? timeout = null); }

        public abstract class {{n.Type("ProbeBase")}}
        {
            public async Task<bool> ExistsAsync(string id, TimeSpan? timeout = null)
            {
                await Task.Delay(timeout ?? TimeSpan.FromMilliseconds({{r.Next(1, 50)}}));
                return id.Length > 0;
            }
        }

        public sealed class {{n.Type("Probe")}} : {{n.Type("ProbeBase")}}, I{{n.Type("Probe")}} { }

        """;

    private static string HttpGateway(Names n, Random r) => $$"""
        public sealed class {{n.Type("Gateway")}}
        {
            private static readonly HttpClient Shared = new HttpClient(new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                ConnectTimeout = TimeSpan.FromSeconds(5),
            })
            {
                Timeout = TimeSpan.FromSeconds({{r.Next(5, 60)}}),
            };

            private readonly HttpClient _noTimeout = new HttpClient();
            private readonly HttpClient _infinite = new HttpClient { Timeout = System.Threading.Timeout.InfiniteTimeSpan };

            public async Task<string> GetPerCallAsync(string url)
            {
                using var client = new HttpClient();
                return await client.GetStringAsync(url);
            }

            public async Task<int> GetManyAsync(IEnumerable<string> urls)
            {
                var total = 0;
                foreach (var url in urls)
                {
                    using (var client = new HttpClient())
                    {
                        total += (await client.GetStringAsync(url)).Length;
                    }
                }

                return total;
            }

            public async Task<Item?> StreamAsync(string url)
            {
                using var response = await Shared.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
                await using var body = await response.Content.ReadAsStreamAsync();
                return await JsonSerializer.DeserializeAsync<Item>(body);
            }

            public async Task<Item?> StreamGoodAsync(string url, CancellationToken cancellationToken)
            {
                using var response = await Shared.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                return await JsonSerializer.DeserializeAsync<Item>(body, cancellationToken: cancellationToken);
            }

            public async Task CopyAsync(string url, Stream destination)
            {
                await using var source = await Shared.GetStreamAsync(url);
                await source.CopyToAsync(destination);
            }

            public async Task<string> TailAsync(string url, CancellationToken cancellationToken)
            {
                await using var source = await Shared.GetStreamAsync(url, cancellationToken);
                using var reader = new StreamReader(source);
                return await reader.ReadToEndAsync();
            }

            public static HttpClient Create() => new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

            public static void Register(IServiceCollection services)
            {
                services.AddHttpClient("{{n.Lower}}");
                services.AddHttpClient("{{n.Lower}}-good", c => c.Timeout = TimeSpan.FromSeconds(10));
                var handler = new SocketsHttpHandler();
                services.AddSingleton(new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) });
            }

            public Task<string> ViaFields(string url) => _noTimeout.GetStringAsync(url).ContinueWith(t => t.Result + _infinite.Timeout);
        }

        """;

    private static string Pipeline(Names n, Random r) => $$"""
        public sealed class {{n.Type("Pipeline")}}
        {
            private readonly Channel<Item> _queue = Channel.CreateUnbounded<Item>(new UnboundedChannelOptions { SingleReader = true });
            private readonly Channel<Item> _bounded = Channel.CreateBounded<Item>({{r.Next(10, 1000)}});
            private readonly BlockingCollection<Item> _blocking = new BlockingCollection<Item>();

            public void Enqueue(Item item)
            {
                _queue.Writer.TryWrite(item);
                _bounded.Writer.TryWrite(item);
                _blocking.Add(item);
            }

            public async Task EnqueueAfterSendAsync(Item item, CancellationToken cancellationToken)
            {
                await Util.SendAsync(item.Id, cancellationToken);
                _bounded.Writer.TryWrite(item);
            }

            public async Task DrainAsync()
            {
                await foreach (var item in _queue.Reader.ReadAllAsync())
                {
                    await Util.SendAsync(item.Id);
                }
            }

            public async Task<int> LocalPipelineAsync(IEnumerable<Item> items)
            {
                var channel = Channel.CreateUnbounded<Item>();
                var producer = Task.Run(async () =>
                {
                    foreach (var item in items)
                    {
                        await channel.Writer.WriteAsync(item);
                    }
                });

                var count = 0;
                await foreach (var item in channel.Reader.ReadAllAsync())
                {
                    count++;
                }

                await producer;
                return count;
            }

            public async Task<int> LocalPipelineGoodAsync(IEnumerable<Item> items, CancellationToken cancellationToken)
            {
                var channel = Channel.CreateBounded<Item>(new BoundedChannelOptions(100) { FullMode = BoundedChannelFullMode.Wait });
                var producer = Task.Run(async () =>
                {
                    try
                    {
                        foreach (var item in items)
                        {
                            await channel.Writer.WriteAsync(item, cancellationToken);
                        }
                    }
                    finally
                    {
                        channel.Writer.Complete();
                    }
                }, cancellationToken);

                var count = 0;
                await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken))
                {
                    count++;
                }

                await producer;
                return count;
            }

            public void StartConsumer()
            {
                Task.Run(() =>
                {
                    foreach (var item in _blocking.GetConsumingEnumerable())
                    {
                        Console.WriteLine(item.Id);
                    }
                });
            }

            public void Consume()
            {
                foreach (var item in _blocking.GetConsumingEnumerable())
                {
                    Console.WriteLine(item.Id);
                }
            }

            public ChannelReader<Item> Expose() => _bounded.Reader;
        }

        """;

    private static string Closures(Names n, Random r) => $$"""
        public sealed class {{n.Type("Closures")}}
        {
            private readonly List<Action> _callbacks = new();

            public void ForLoop(int[] values)
            {
                for (var i = 0; i < values.Length; i++)
                {
                    Task.Run(() => Console.WriteLine(values[i]));
                }

                for (var i = 0; i < values.Length; i++)
                {
                    var copy = i;
                    _callbacks.Add(() => Console.WriteLine(values[copy]));
                }

                foreach (var value in values)
                {
                    _callbacks.Add(() => Console.WriteLine(value));
                }
            }

            public async Task ForLoopAwaitedAsync(int[] values)
            {
                for (var i = 0; i < values.Length; i++)
                {
                    await Task.Run(() => Console.WriteLine(values[i]));
                }
            }

            public void Modified()
            {
                var attempt = {{r.Next(0, 3)}};
                _callbacks.Add(() => Console.WriteLine(attempt));
                attempt++;
                var sum = values().Where(v => v > attempt).Sum();
                Console.WriteLine(sum);

                static int[] values() => new[] { 1, 2, 3 };
            }

            public Task Disposed(string path)
            {
                using var stream = File.OpenRead(path);
                return Task.Run(() => stream.ReadByte());
            }

            public async Task DisposedBackground(string path)
            {
                using var stream = File.OpenRead(path);
                _ = Task.Run(() => stream.ReadByte());
                await Task.Yield();
            }

            public async Task DisposedGood(string path)
            {
                using var stream = File.OpenRead(path);
                await Task.Run(() => stream.ReadByte());
            }

            public IEnumerable<int> Query(int[] values)
            {
                var limit = 10;
                var query = values.Where(v => v < limit);
                limit = 20;
                return query.ToList();
            }
        }

        """;

    private static string TaskLifetime(Names n, Random r) => $$"""
        public sealed class {{n.Type("Tasks")}}
        {
            public event EventHandler? Changed;

            public async void Refresh()
            {
                await Task.Delay({{r.Next(1, 20)}});
            }

            public async void OnChanged(object? sender, EventArgs e)
            {
                try
                {
                    await Task.Delay(1);
                }
                catch (Exception ex)
                {
                    Console.WriteLine(ex);
                }
            }

            public void Wire()
            {
                Changed += async (s, e) => await Task.Delay(1);
                Changed += OnChanged;
            }

            public void Drop(List<Item> items)
            {
                Util.SendAsync("dropped");
                _ = Util.SendAsync("discarded");
                items.ForEach(async item => await Util.SendAsync(item.Id));
                Parallel.ForEach(items, async item => await Util.SendAsync(item.Id));
                var timer = new Timer(async _ => await Util.SendAsync("tick"), null, 0, 1000);
                GC.KeepAlive(timer);
            }

            public async Task StartNestedAsync()
            {
                await Task.Factory.StartNew(async () => await Task.Delay(10));
                await Task.Factory.StartNew(async () => await Task.Delay(10)).Unwrap();
                await Task.Run(async () => await Task.Delay(10));
            }

            public async Task PublishAllAsync(List<Item> items)
            {
                items.ForEach(async item => await Util.SendAsync(item.Id));
                Parallel.ForEach(items, async item => await Util.SendAsync(item.Id));
                await Task.Yield();
            }

            public Task<int> Pass() => Util.ComputeAsync({{r.Next(1, 100)}});
        }

        """;

    private static string Locks(Names n, Random r) => $$"""
        public sealed class {{n.Type("Locks")}}
        {
            private readonly SemaphoreSlim _gate = new SemaphoreSlim({{r.Next(1, 8)}});
            private readonly object _sync = new object();
            private int _count;

            public async Task BadAsync(CancellationToken cancellationToken)
            {
                await _gate.WaitAsync(cancellationToken);
                _count++;
                await Task.Delay(1, cancellationToken);
                _gate.Release();
            }

            public async Task WaitInsideTryAsync(CancellationToken cancellationToken)
            {
                try
                {
                    await _gate.WaitAsync(cancellationToken);
                    _count++;
                }
                finally
                {
                    _gate.Release();
                }
            }

            public async Task GoodAsync(CancellationToken cancellationToken)
            {
                await _gate.WaitAsync(cancellationToken);
                try
                {
                    _count++;
                }
                finally
                {
                    _gate.Release();
                }
            }

            public async Task<bool> TimedAsync()
            {
                if (await _gate.WaitAsync(TimeSpan.FromSeconds(1)))
                {
                    try
                    {
                        return true;
                    }
                    finally
                    {
                        _gate.Release();
                    }
                }

                return false;
            }

            public async Task<int> EarlyExitAsync(int key, CancellationToken cancellationToken)
            {
                await _gate.WaitAsync(cancellationToken);
                if (key == _count)
                {
                    return key;
                }

                try
                {
                    _count = key;
                    return 0;
                }
                finally
                {
                    _gate.Release();
                }
            }

            public void MonitorBad()
            {
                Monitor.Enter(_sync);
                _count++;
                Monitor.Exit(_sync);
            }

            public Task<int> Completion()
            {
                var tcs = new TaskCompletionSource<int>();
                var good = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
                ThreadPool.QueueUserWorkItem(_ => { tcs.SetResult(1); good.SetResult(2); });
                return tcs.Task;
            }

            public async Task<int> KnownCompleteAsync()
            {
                var a = Util.ComputeAsync(1);
                var b = Util.ComputeAsync(2);
                await Task.WhenAll(a, b);
                return a.Result + b.Result;
            }
        }

        """;

    private static string SafeService(Names n, Random r) => $$"""
        public sealed class {{n.Type("Service")}}
        {
            private readonly ILogger<{{n.Type("Service")}}> _logger;
            private readonly HttpClient _client;

            public {{n.Type("Service")}}(ILogger<{{n.Type("Service")}}> logger, IHttpClientFactory factory)
            {
                _logger = logger;
                _client = factory.CreateClient("{{n.Lower}}");
            }

        """ + Repeat(r, 6, i => $$"""
            public async Task<int> Step{{i}}Async(IReadOnlyList<Item> items, CancellationToken cancellationToken)
            {
                var total = 0;
                foreach (var item in items)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    total += await Util.ComputeAsync((int)item.Amount + {{r.Next(0, 100)}}, cancellationToken);
                }

                await foreach (var value in Util.StreamAsync(cancellationToken).WithCancellation(cancellationToken))
                {
                    total += value;
                }

                using var response = await _client.GetAsync("/step{{i}}", cancellationToken);
                _logger.LogInformation("step {Step} {Total} {Status}", {{i}}, total, response.StatusCode);
                return items.Where(x => x.Amount > {{i}}).Select(x => x.Id.Length).Sum() + total;
            }

        """) + "}\n";

    private static string Repeat(Random r, int count, Func<int, string> body)
    {
        var sb = new StringBuilder();
        var n = count + r.Next(0, 3);
        for (var i = 0; i < n; i++)
        {
            sb.Append(body(i));
        }

        return sb.ToString();
    }
}

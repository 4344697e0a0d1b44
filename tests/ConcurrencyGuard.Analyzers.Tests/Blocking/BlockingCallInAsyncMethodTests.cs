using VerifyCG6002 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Blocking.BlockingCallInAsyncMethodAnalyzer,
    ConcurrencyGuard.CodeFixes.Blocking.BlockingCallInAsyncMethodFixer>;

namespace ConcurrencyGuard.Analyzers.Tests.Blocking;

public class BlockingCallInAsyncMethodTests
{
    private const string Usings = "using System;\nusing System.IO;\nusing System.Net.Http;\nusing System.Threading;\nusing System.Threading.Tasks;\n";

    [Fact]
    public Task Flags_sleep_and_sync_io_and_fixes_all_forwarding_the_token() => VerifyCG6002.FixAsync(Usings + """
        class C
        {
            async Task<string> RunAsync(string path, Stream stream, byte[] buffer, SemaphoreSlim gate, HttpClient http, CancellationToken ct)
            {
                Thread.{|CG6002:Sleep|}(100);
                var text = File.{|CG6002:ReadAllText|}(path);
                var n = stream.{|CG6002:Read|}(buffer, 0, buffer.Length);
                gate.{|CG6002:Wait|}();
                using var reader = new StreamReader(stream);
                var rest = reader.{|CG6002:ReadToEnd|}().Trim();
                using var response = http.{|CG6002:Send|}(new HttpRequestMessage(HttpMethod.Get, "https://x"));
                return text + n + rest;
            }
        }
        """, Usings + """
        class C
        {
            async Task<string> RunAsync(string path, Stream stream, byte[] buffer, SemaphoreSlim gate, HttpClient http, CancellationToken ct)
            {
                await Task.Delay(100, ct);
                var text = await File.ReadAllTextAsync(path, ct);
                var n = await stream.ReadAsync(buffer, 0, buffer.Length, ct);
                await gate.WaitAsync(ct);
                using var reader = new StreamReader(stream);
                var rest = (await reader.ReadToEndAsync(ct)).Trim();
                using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "https://x"), ct);
                return text + n + rest;
            }
        }
        """);

    [Fact]
    public Task Flags_in_async_lambda_and_local_function_without_token() => VerifyCG6002.FixAsync(Usings + """
        class C
        {
            Func<Task> Make(string path) => async () =>
            {
                await Task.Yield();
                File.{|CG6002:WriteAllText|}(path, "x");
            };
            void Run()
            {
                _ = Local();
                async Task Local()
                {
                    await Task.Yield();
                    Thread.{|CG6002:Sleep|}(TimeSpan.FromSeconds(1));
                }
            }
        }
        """, Usings + """
        class C
        {
            Func<Task> Make(string path) => async () =>
            {
                await Task.Yield();
                await File.WriteAllTextAsync(path, "x");
            };
            void Run()
            {
                _ = Local();
                async Task Local()
                {
                    await Task.Yield();
                    await Task.Delay(TimeSpan.FromSeconds(1));
                }
            }
        }
        """);

    [Fact]
    public Task Own_type_pair_and_named_token() => VerifyCG6002.FixAsync(Usings + """
        class Repo
        {
            public int Save(string key, int retries = 3) => 1;
            public Task<int> SaveAsync(string key, int retries = 3, CancellationToken cancellationToken = default) => Task.FromResult(1);
            async Task RunAsync(CancellationToken token)
            {
                await Task.Yield();
                {|CG6002:Save|}("k");
            }
        }
        """, Usings + """
        class Repo
        {
            public int Save(string key, int retries = 3) => 1;
            public Task<int> SaveAsync(string key, int retries = 3, CancellationToken cancellationToken = default) => Task.FromResult(1);
            async Task RunAsync(CancellationToken token)
            {
                await Task.Yield();
                await SaveAsync("k", cancellationToken: token);
            }
        }
        """);

    [Fact]
    public Task Inside_lock_is_reported_without_fix() => VerifyCG6002.NoFixAsync(Usings + """
        class C
        {
            async Task RunAsync(object gate)
            {
                await Task.Yield();
                lock (gate) { Thread.{|CG6002:Sleep|}(10); }
            }
        }
        """);

    // Spec exclusions; sonar-dotnet#9096 (MemoryStream/StringWriter overhead).
    [Fact]
    public Task Does_not_flag_in_memory_types_or_synchronous_methods() => VerifyCG6002.AnalyzerAsync(Usings + """
        using System.Text;
        class C
        {
            async Task RunAsync(MemoryStream memory, StringReader reader, byte[] buffer)
            {
                await Task.Yield();
                memory.Write(buffer, 0, buffer.Length);
                memory.Flush();
                var line = reader.ReadLine();
                using var writer = new StringWriter();
                writer.Write("x");
                writer.Flush();
                Console.Out.WriteLine(line);
                Thread.Sleep(0);
            }
            void Sync(Stream s, byte[] b)
            {
                s.Read(b, 0, 1);
                Thread.Sleep(10);
            }
        }
        """);

    // roslyn-analyzers#7420 (CA1849) and vs-threading#1003 (VSTHRD103): a sync lambda or local function inside an async method.
    [Fact]
    public Task Does_not_flag_sync_lambda_or_local_function_in_async_method() => VerifyCG6002.AnalyzerAsync(Usings + """
        using System.Linq;
        class C
        {
            async Task RunAsync(string[] paths)
            {
                await Task.Yield();
                var texts = paths.Select(p => File.ReadAllText(p)).ToList();
                Read();
                void Read() => File.ReadAllText(paths[0]);
            }
        }
        """);

    // Meziantou.Analyzer#1034, #246, #587, #613, #788: the suggested async method is the one being written.
    [Fact]
    public Task Does_not_flag_when_the_counterpart_is_the_enclosing_method() => VerifyCG6002.AnalyzerAsync(Usings + """
        public sealed class B
        {
            public void Run() { }
            public async Task RunAsync() { await Task.Yield(); Run(); }
        }
        public sealed class SyncStream : MemoryStream
        {
            public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                await Task.Yield();
                return base.Read(buffer, offset, count);
            }
        }
        public interface IStore { void Save(); Task SaveAsync(); }
        public sealed class Store : IStore
        {
            private readonly IStore _inner = null!;
            public void Save() => _inner.Save();
            public async Task SaveAsync() { await Task.Yield(); _inner.Save(); }
        }
        """);

    // roslyn-analyzers#6684 / #6718 (CA1849), Meziantou.Analyzer#374 (MA0042), sonar-dotnet#9269 (S6966): EF Core Add/AddRange.
    [Fact]
    public Task Does_not_flag_EF_Core_Add_and_AddRange() => VerifyCG6002.AnalyzerAsync(Usings + """
        namespace Microsoft.EntityFrameworkCore
        {
            public class DbContext
            {
                public object Add(object entity) => entity;
                public ValueTask<object> AddAsync(object entity, CancellationToken cancellationToken = default) => new(entity);
                public void AddRange(params object[] entities) { }
                public Task AddRangeAsync(params object[] entities) => Task.CompletedTask;
                public int SaveChanges() => 0;
                public Task<int> SaveChangesAsync(CancellationToken cancellationToken = default) => Task.FromResult(0);
            }
            public class DbSet<T> where T : class
            {
                public object Add(T entity) => entity;
                public ValueTask<object> AddAsync(T entity, CancellationToken cancellationToken = default) => new(entity);
            }
        }
        namespace App
        {
            using Microsoft.EntityFrameworkCore;
            class Order { }
            class C
            {
                async Task RunAsync(DbContext db, DbSet<Order> orders, CancellationToken ct)
                {
                    db.Add(new Order());
                    db.AddRange(new Order(), new Order());
                    orders.Add(new Order());
                    db.{|CG6002:SaveChanges|}();
                    await db.SaveChangesAsync(ct);
                }
            }
        }
        """);

    // Spec: a name match alone is not enough (JsonSerializer.Deserialize(string) has no counterpart);
    // roslyn-analyzers#7271 (CA1849 on SemaphoreSlim.Wait(0)); Meziantou.Analyzer#591 (Moq RaiseAsync) and #1101 (TUnit That);
    // vs-threading#1620 (NUnit Assert.That vs Assert.ThatAsync).
    [Fact]
    public Task Does_not_flag_without_a_matching_counterpart() => VerifyCG6002.AnalyzerAsync(Usings + """
        using System.Text.Json;
        using System.Runtime.CompilerServices;
        class Assertion<T> { public TaskAwaiter GetAwaiter() => Task.CompletedTask.GetAwaiter(); }
        static class Assert
        {
            public static void That<T>(T actual, object constraint) { }
            public static Task ThatAsync(Func<Task> code, object constraint) => Task.CompletedTask;
            public static Assertion<string> That(string? value, [CallerArgumentExpression(nameof(value))] string? expression = null) => new();
        }
        class Mock { public void Raise(Action<object> e, EventArgs args) { } public Task RaiseAsync(Func<object, Task> e, EventArgs args) => Task.CompletedTask; }
        class C
        {
            async Task RunAsync(string json, SemaphoreSlim gate, Mock mock, CancellationTokenSource cts, Timer timer)
            {
                await Task.Yield();
                var value = JsonSerializer.Deserialize<int>(json);
                if (gate.Wait(0)) { gate.Release(); }
                Assert.That(value, new object());
                await Assert.That("x");
                mock.Raise(_ => { }, EventArgs.Empty);
                cts.Cancel();
                // StackExchange.Redis BufferedStreamWriter: completing a Pipe's writer does not block.
                new System.IO.Pipelines.Pipe().Writer.Complete();
                timer.Dispose();
            }
        }
        """);

    [Fact]
    public Task Broken_code_does_not_crash() => VerifyCG6002.AnalyzerAsync(Usings + """
        class C
        {
            async Task RunAsync()
            {
                Thread.Sleep({|CS1503:"x"|});
                File.{|CS0117:ReadAllTextt|}("p");
                {|CS0103:Missing|}.Read();
                Thread.{|CG6002:Sleep|}(1{|CS1026:|}{|CS1002:|}
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_the_synchronous_branch_of_a_dual_mode_method() => VerifyCG6002.AnalyzerAsync(Usings + """
        class Reader
        {
            readonly Stream _stream = Stream.Null;

            async ValueTask<int> Read(bool async, byte[] buffer)
            {
                if (async)
                    await _stream.FlushAsync();
                else
                    _stream.Flush();

                var n = async ? await _stream.ReadAsync(buffer, 0, buffer.Length) : _stream.Read(buffer, 0, buffer.Length);
                if (async)
                {
                    await _stream.WriteAsync(buffer, 0, n);
                    return n;
                }

                _stream.Write(buffer, 0, n);
                return n;
            }

            ValueTask<string> ReadLine(bool async, TextReader reader)
            {
                return Core();

                async ValueTask<string> Core()
                {
                    string line;
                    if ((line = async ? await reader.ReadLineAsync() : reader.ReadLine()) == null)
                        return "";
                    return line;
                }
            }

            async Task Still(bool async, byte[] buffer)
            {
                // Not a dual-mode branch: the flag does not select an awaiting path.
                if (!async)
                    _stream.{|CG6002:Write|}(buffer, 0, 1);
                await Task.Yield();
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_streams_over_memory_or_dispose_without_a_real_DisposeAsync() => VerifyCG6002.AnalyzerAsync(Usings + """
        using System.IO.Compression;
        sealed class PlainStream : Stream
        {
            public override bool CanRead => true; public override bool CanSeek => false; public override bool CanWrite => false;
            public override long Length => 0; public override long Position { get; set; }
            public override void Flush() { }
            public override int Read(byte[] b, int o, int c) => 0;
            public override long Seek(long o, SeekOrigin s) => 0;
            public override void SetLength(long v) { }
            public override void Write(byte[] b, int o, int c) { }
        }
        class Inflater
        {
            private readonly MemoryStream _compressed = new MemoryStream();
            private DeflateStream _inflater;
            public Inflater() => _inflater = new DeflateStream(_compressed, CompressionMode.Decompress);

            async Task<string> Decode(byte[] bytes, Stream network)
            {
                await Task.Yield();
                using var unzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
                var output = new MemoryStream();
                unzip.CopyTo(output);
                _inflater.CopyTo(output);
                output.Position = 0;
                var text = new StreamReader(output).ReadToEnd();
                new PlainStream().Dispose();
                unzip.{|CG6002:CopyTo|}(network);
                new StreamReader(network).{|CG6002:ReadToEnd|}();
                network.{|CG6002:Dispose|}();
                return text;
            }
        }
        """);
    // Issue #18 item 2: a method that returns Task/ValueTask without `async` is awaited by its callers too.
    [Fact]
    public Task Flags_task_returning_methods_and_lambdas_without_async() => VerifyCG6002.AnalyzerAsync(Usings + """
        sealed class Connection : IDisposable, IAsyncDisposable
        {
            public void Dispose() { }
            public ValueTask DisposeAsync() => default;
        }
        sealed class Pool : IAsyncDisposable
        {
            private readonly Connection[] _connections = new Connection[2];
            public ValueTask DisposeAsync()
            {
                foreach (var c in _connections)
                    c.{|CG6002:Dispose|}();
                return default;
            }
            public Task Enter(int ms)
            {
                Thread.{|CG6002:Sleep|}(ms);
                return Task.CompletedTask;
            }
            public Task<int> CountAsync(Stream s, byte[] b) => Task.FromResult(s.{|CG6002:Read|}(b, 0, 1));
            public void Start(Stream s)
            {
                Func<Task> flush = () => { s.{|CG6002:Flush|}(); return Task.CompletedTask; };
                Task Local() { s.{|CG6002:Flush|}(); return Task.CompletedTask; }
                Action sync = () => s.Flush();
                _ = flush; _ = Local(); _ = sync;
            }
        }
        """);

    [Fact]
    public Task No_fix_where_the_method_is_not_async() => VerifyCG6002.NoFixAsync(Usings + """
        class C
        {
            Task Enter(int ms, CancellationToken ct)
            {
                Thread.{|CG6002:Sleep|}(ms);
                return Task.CompletedTask;
            }
        }
        """);

    // Issue #18 item 3: Dispose() on an IAsyncDisposable whose DisposeAsync can be called, in an async context.
    [Fact]
    public Task Flags_dispose_of_an_async_disposable_and_fixes_all_with_dispose_async() => VerifyCG6002.FixAsync(Usings + """
        sealed class Connection : IDisposable, IAsyncDisposable
        {
            public void Dispose() { }
            public ValueTask DisposeAsync() => default;
        }
        interface IChannel : IDisposable, IAsyncDisposable { }
        sealed class Client : IAsyncDisposable
        {
            private readonly Connection _connection = new();
            private readonly IChannel _channel = null!;
            public async ValueTask DisposeAsync()
            {
                _connection.{|CG6002:Dispose|}();
                _channel.{|CG6002:Dispose|}();
                await Task.Yield();
            }
            async Task CloseAsync<T>(T resource) where T : IDisposable, IAsyncDisposable
            {
                await Task.Yield();
                resource.{|CG6002:Dispose|}();
            }
        }
        """, Usings + """
        sealed class Connection : IDisposable, IAsyncDisposable
        {
            public void Dispose() { }
            public ValueTask DisposeAsync() => default;
        }
        interface IChannel : IDisposable, IAsyncDisposable { }
        sealed class Client : IAsyncDisposable
        {
            private readonly Connection _connection = new();
            private readonly IChannel _channel = null!;
            public async ValueTask DisposeAsync()
            {
                await _connection.DisposeAsync();
                await _channel.DisposeAsync();
                await Task.Yield();
            }
            async Task CloseAsync<T>(T resource) where T : IDisposable, IAsyncDisposable
            {
                await Task.Yield();
                await resource.DisposeAsync();
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_dispose_without_a_usable_DisposeAsync() => VerifyCG6002.AnalyzerAsync(Usings + """
        sealed class OnlySync : IDisposable
        {
            public void Dispose() { }
        }
        sealed class Hidden : IDisposable, IAsyncDisposable
        {
            public void Dispose() { }
            ValueTask IAsyncDisposable.DisposeAsync() => default;
        }
        sealed class Owner : IAsyncDisposable
        {
            private readonly OnlySync _sync = new();
            private readonly Hidden _hidden = new();
            private readonly Timer _timer = new Timer(_ => { });
            private readonly MemoryStream _buffer = new();
            public async ValueTask DisposeAsync()
            {
                await Task.Yield();
                _sync.Dispose();
                _hidden.Dispose();
                _timer.Dispose();
                _buffer.Dispose();
                ((IDisposable)_hidden).Dispose();
            }
            public void Close(Stream s)
            {
                s.Dispose();
            }
        }
        sealed class Self : IDisposable, IAsyncDisposable
        {
            public void Dispose() { }
            // DisposeAsync over its own Dispose: awaiting this.DisposeAsync() would recurse.
            public ValueTask DisposeAsync() { Dispose(); return default; }
        }
        """);

    // Issue #18 item 5: the event-based pattern's types name their task-returning forms MTaskAsync.
    [Fact]
    public Task Flags_calls_with_a_TaskAsync_counterpart_and_fixes_them() => VerifyCG6002.FixAsync(Usings + """
        using System.Net;
        class Downloader
        {
            public string Fetch(string url) => url;
            public void FetchAsync(string url) { }
            public Task<string> FetchTaskAsync(string url) => Task.FromResult(url);
            public Task<string> FetchTaskAsync(string url, CancellationToken token) => Task.FromResult(url);
        }
        class C
        {
            async Task<string> RunAsync(Downloader downloader, WebClient web, string url, CancellationToken ct)
            {
                await Task.Yield();
                var data = web.{|CG6002:DownloadData|}(url);
                web.{|CG6002:UploadString|}(url, "body");
                return downloader.{|CG6002:Fetch|}(url) + web.{|CG6002:DownloadString|}(url) + data.Length;
            }
        }
        """, Usings + """
        using System.Net;
        class Downloader
        {
            public string Fetch(string url) => url;
            public void FetchAsync(string url) { }
            public Task<string> FetchTaskAsync(string url) => Task.FromResult(url);
            public Task<string> FetchTaskAsync(string url, CancellationToken token) => Task.FromResult(url);
        }
        class C
        {
            async Task<string> RunAsync(Downloader downloader, WebClient web, string url, CancellationToken ct)
            {
                await Task.Yield();
                var data = await web.DownloadDataTaskAsync(url);
                await web.UploadStringTaskAsync(url, "body");
                return await downloader.FetchTaskAsync(url, ct) + await web.DownloadStringTaskAsync(url) + data.Length;
            }
        }
        """);

    [Fact]
    public Task Prefers_the_Async_counterpart_and_needs_matching_parameters_for_TaskAsync() => VerifyCG6002.FixAsync(Usings + """
        class Modern
        {
            public string Fetch(string url) => url;
            public Task<string> FetchAsync(string url) => Task.FromResult(url);
            public Task<string> FetchTaskAsync(string url) => Task.FromResult(url);
        }
        class Other
        {
            public string Fetch(string url) => url;
            public Task<string> FetchTaskAsync(Uri url) => Task.FromResult(url.ToString());
            public Task<int> LoadTaskAsync(string url) => Task.FromResult(1);
            public string Load(string url) => url;
        }
        class C
        {
            async Task RunAsync(Modern modern, Other other)
            {
                await Task.Yield();
                modern.{|CG6002:Fetch|}("u");
                other.Fetch("u");
                other.Load("u");
            }
        }
        """, Usings + """
        class Modern
        {
            public string Fetch(string url) => url;
            public Task<string> FetchAsync(string url) => Task.FromResult(url);
            public Task<string> FetchTaskAsync(string url) => Task.FromResult(url);
        }
        class Other
        {
            public string Fetch(string url) => url;
            public Task<string> FetchTaskAsync(Uri url) => Task.FromResult(url.ToString());
            public Task<int> LoadTaskAsync(string url) => Task.FromResult(1);
            public string Load(string url) => url;
        }
        class C
        {
            async Task RunAsync(Modern modern, Other other)
            {
                await Task.Yield();
                await modern.FetchAsync("u");
                other.Fetch("u");
                other.Load("u");
            }
        }
        """);
    [Fact]
    public Task Does_not_flag_disposals_without_io_or_counterparts_that_run_the_synchronous_method() => VerifyCG6002.AnalyzerAsync(Usings + """
        sealed class Buffered
        {
            public int Read() => 0;
            public ValueTask<int> ReadAsync() => new(Read());
        }
        sealed class Monitor : IDisposable, IAsyncDisposable
        {
            private Task _loop = Task.CompletedTask;
            public void Dispose() { }
            public async ValueTask DisposeAsync()
            {
                Dispose();
                await _loop;
            }
            public async Task StopAsync(Buffered buffered, CancellationToken ct)
            {
                Dispose();
                buffered.Read();
                using var registration = ct.Register(() => { });
                await _loop;
                registration.Dispose();
            }
        }
        abstract class Writer : IDisposable, IAsyncDisposable
        {
            protected Stream Target { get; } = Stream.Null;
            public void Dispose() => Target.Dispose();
            public ValueTask DisposeAsync()
            {
                // Multi-targeted code: falls back to Dispose only where the object has no DisposeAsync.
                if (Target is IAsyncDisposable asyncDisposable)
                {
                    return asyncDisposable.DisposeAsync();
                }
                Target.Dispose();
                return default;
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_the_synchronous_branch_of_a_dual_mode_method_without_async() => VerifyCG6002.AnalyzerAsync(Usings + """
        class Converter
        {
            readonly Stream _stream = Stream.Null;

            ValueTask Write(bool async, byte[] buffer, CancellationToken ct)
            {
                if (async)
                    return new ValueTask(_stream.WriteAsync(buffer, 0, buffer.Length, ct));

                _stream.Write(buffer, 0, buffer.Length);
                return default;
            }

            ValueTask<int> Read(bool async, byte[] buffer, CancellationToken ct)
                => async ? new(_stream.ReadAsync(buffer, 0, buffer.Length, ct)) : new(_stream.Read(buffer, 0, buffer.Length));

            ValueTask Flush(bool async)
            {
                if (!async)
                {
                    _stream.Flush();
                    return default;
                }

                var task = _stream.FlushAsync();
                return task.IsCompletedSuccessfully ? default : new ValueTask(task);
            }

            ValueTask<int> ReadLocal(bool async, byte[] buffer)
            {
                return async ? Core(buffer) : new(_stream.Read(buffer, 0, buffer.Length));

                async ValueTask<int> Core(byte[] b) => await _stream.ReadAsync(b, 0, b.Length);
            }

            ValueTask Still(bool async, byte[] buffer)
            {
                // Not dual-mode: the flag does not select an async path.
                if (!async)
                    _stream.{|CG6002:Write|}(buffer, 0, buffer.Length);
                return default;
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_a_conditional_call_on_a_stream_over_memory() => VerifyCG6002.AnalyzerAsync(Usings + """
        using System.IO.Compression;
        class Session
        {
            private MemoryStream? _buffer;
            private DeflateStream? _inflater;
            private Stream? _connection;

            async Task ResetAsync(Stream connection)
            {
                await Task.Yield();
                _inflater?.Dispose();
                _buffer?.Dispose();
                _buffer = new MemoryStream();
                _inflater = new DeflateStream(_buffer, CompressionMode.Decompress);
                _connection?{|CG6002:.Dispose|}();
                _connection = connection;
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_dispose_on_an_abstract_stream_of_this_code_base_whose_implementations_keep_the_base_DisposeAsync() => VerifyCG6002.AnalyzerAsync(Usings + """
        abstract class FrameStream : Stream
        {
            public override bool CanRead => true; public override bool CanSeek => false; public override bool CanWrite => false;
            public override long Length => 0; public override long Position { get; set; }
            public override void Flush() { }
            public override long Seek(long o, SeekOrigin s) => 0;
            public override void SetLength(long v) { }
            public override void Write(byte[] b, int o, int c) { }
        }
        sealed class QueueFrameStream : FrameStream
        {
            public override int Read(byte[] b, int o, int c) => 0;
        }
        abstract class SinkStream : Stream
        {
            public override bool CanRead => false; public override bool CanSeek => false; public override bool CanWrite => true;
            public override long Length => 0; public override long Position { get; set; }
            public override void Flush() { }
            public override long Seek(long o, SeekOrigin s) => 0;
            public override void SetLength(long v) { }
            public override void Write(byte[] b, int o, int c) { }
        }
        sealed class NetworkSinkStream : SinkStream
        {
            public override int Read(byte[] b, int o, int c) => 0;
            public override ValueTask DisposeAsync() => default;
        }
        class Mixer
        {
            async Task RemoveAsync(FrameStream frames, SinkStream sink, Stream unknown)
            {
                await Task.Yield();
                frames.Dispose();
                sink.{|CG6002:Dispose|}();
                unknown.{|CG6002:Dispose|}();
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_the_synchronous_branch_chosen_by_a_mode_parameter() => VerifyCG6002.AnalyzerAsync(Usings + """
        enum IOMode { Synchronous, Asynchronous }
        class Packets
        {
            readonly Stream _stream = Stream.Null;
            IOMode _fieldMode;

            async ValueTask<int> Read(IOMode mode, byte[] buffer)
            {
                if (mode == IOMode.Asynchronous)
                    await _stream.FlushAsync();
                else
                    _stream.Flush();

                return mode == IOMode.Synchronous ? _stream.Read(buffer, 0, buffer.Length) : await _stream.ReadAsync(buffer, 0, buffer.Length);
            }

            async Task Write(bool sync, byte[] buffer)
            {
                if (sync)
                    _stream.Write(buffer, 0, buffer.Length);
                else
                    await _stream.WriteAsync(buffer, 0, buffer.Length);
            }

            async Task NotAParameter(byte[] buffer)
            {
                // The mode is the object's state, not the caller's choice: still reported.
                if (_fieldMode == IOMode.Asynchronous)
                    await _stream.FlushAsync();
                else
                    _stream.{|CG6002:Flush|}();
            }
        }
        """);

    // Issue #17, pattern 4: a FileStream opened read-only has never buffered a write, so its DisposeAsync has nothing to
    // flush (InMemoryStreams.IsReadOnlyFile, the same "every assigned value" walk as streams over memory). Near misses:
    // File.OpenWrite, FileAccess.ReadWrite, a FileAccess that is not a constant, a local also given a writable stream,
    // and a FileStream parameter: still flagged.
    [Fact]
    public Task Does_not_flag_dispose_of_a_read_only_file_stream() => VerifyCG6002.AnalyzerAsync(Usings + """
        class Loader
        {
            private FileStream _source;
            private FileStream _log;

            public Loader(string path)
            {
                _source = File.OpenRead(path);
                _log = File.OpenWrite(path + ".log");
            }

            async Task<int> LoadAsync(string path, FileAccess access, FileStream given, bool flag)
            {
                await Task.Yield();
                var first = File.OpenRead(path);
                first.Dispose();
                var second = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
                second.Dispose();
                Stream third = new FileInfo(path).OpenRead();
                third.Dispose();
                var fourth = File.Open(path, FileMode.Open, FileAccess.Read);
                fourth.Dispose();
                _source.Dispose();

                var written = File.OpenWrite(path);
                written.{|CG6002:Dispose|}();
                var both = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
                both.{|CG6002:Dispose|}();
                var chosen = new FileStream(path, FileMode.Open, access);
                chosen.{|CG6002:Dispose|}();
                var mixed = File.OpenRead(path);
                if (flag) mixed = File.Create(path);
                mixed.{|CG6002:Dispose|}();
                given.{|CG6002:Dispose|}();
                _log.{|CG6002:Dispose|}();
                return 0;
            }
        }
        """);
}

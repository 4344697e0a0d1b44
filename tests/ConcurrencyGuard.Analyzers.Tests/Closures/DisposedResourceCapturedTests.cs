using VerifyCG5003 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Closures.DisposedResourceCapturedAnalyzer,
    ConcurrencyGuard.CodeFixes.Closures.DisposedResourceCapturedFixer>;

namespace ConcurrencyGuard.Analyzers.Tests.Closures;

public class DisposedResourceCapturedTests
{
    private const string Usings = "using System;\nusing System.Collections.Generic;\nusing System.IO;\nusing System.Linq;\nusing System.Threading;\nusing System.Threading.Tasks;\n";

    private const string Connection = """

        sealed class Connection : IDisposable, IAsyncDisposable
        {
            public Task ExecuteAsync(string sql) => Task.CompletedTask;
            public int Count(int x) => x;
            public event EventHandler? Closed;
            public Action? OnClose { get; set; }
            public void Dispose() { }
            public ValueTask DisposeAsync() => default;
        }
        """;

    [Fact]
    public Task Flags_using_statement_using_declaration_and_await_using() => VerifyCG5003.AnalyzerAsync(Usings + """
        class C
        {
            void Handle()
            {
                using (var connection = new Connection())
                {
                    _ = Task.Run({|CG5003:() =>|} connection.ExecuteAsync("a"));
                }
            }
            void Declaration(List<Task> pending)
            {
                using var connection = new Connection();
                pending.Add(Task.Run({|CG5003:async () =>|} await connection.ExecuteAsync("b")));
            }
            async Task AwaitUsingAsync()
            {
                await using var connection = new Connection();
                ThreadPool.QueueUserWorkItem({|CG5003:_ =>|} connection.ExecuteAsync("c"));
                await Task.Yield();
            }
        }
        """ + Connection);

    [Fact]
    public Task Flags_explicit_dispose_returned_work_and_stored_callbacks() => VerifyCG5003.AnalyzerAsync(Usings + """
        class C
        {
            Action? _callback;
            void Explicit()
            {
                var connection = new Connection();
                _ = Task.Run({|CG5003:() =>|} connection.ExecuteAsync("a"));
                connection.Dispose();
            }
            Task Returned()
            {
                using var connection = new Connection();
                return Task.Run({|CG5003:() =>|} connection.ExecuteAsync("b"));
            }
            IEnumerable<int> Query(int[] items)
            {
                using var connection = new Connection();
                return items.Where({|CG5003:x =>|} connection.Count(x) > 0);
            }
            void Stored()
            {
                using var stream = new MemoryStream();
                _callback = {|CG5003:() =>|} stream.WriteByte(1);
            }
            void Cancellation()
            {
                using var cts = new CancellationTokenSource();
                _ = Task.Run({|CG5003:() =>|} Task.Delay(1000, cts.Token));
            }
        }
        """ + Connection);

    [Fact]
    public Task Does_not_flag_work_awaited_inside_the_scope() => VerifyCG5003.AnalyzerAsync(Usings + """
        class C
        {
            async Task HandleAsync(int[] items)
            {
                using (var connection = new Connection())
                {
                    await Task.Run(() => connection.ExecuteAsync("a"));
                    var t = Task.Run(() => connection.ExecuteAsync("b"));
                    await t;
                    var batch = new List<Task>();
                    batch.Add(Task.Run(() => connection.ExecuteAsync("c")));
                    await Task.WhenAll(batch);
                    Task.Run(() => connection.Count(1)).Wait();
                    var slots = new Task[2];
                    for (var i = 0; i < slots.Length; i++)
                    {
                        var ix = i;
                        slots[ix] = Task.Run(() => connection.Count(ix));
                    }
                    Task.WhenAll(slots).Wait();
                }
                await using var other = new Connection();
                var counts = items.Select(x => other.Count(x)).ToList();
                var query = items.Where(x => other.Count(x) > 0);
                Console.WriteLine(query.Count());
                items.ToList().ForEach(x => other.Count(x));
                Parallel.ForEach(items, x => other.Count(x));
                await Parallel.ForEachAsync(items, async (x, ct) => await other.ExecuteAsync(x.ToString()));
            }
        }
        """ + Connection);

    [Fact]
    public Task Does_not_flag_callbacks_owned_by_the_resource_or_resources_created_inside() => VerifyCG5003.AnalyzerAsync(Usings + """
        class C
        {
            void Handle()
            {
                using var connection = new Connection();
                connection.Closed += (s, e) => connection.Count(1);
                connection.OnClose = () => connection.Count(2);
                using var watcher = new FileSystemWatcher();
                watcher.Changed += (s, e) => watcher.EnableRaisingEvents = false;
                _ = Task.Run(async () =>
                {
                    using var inner = new Connection();
                    await inner.ExecuteAsync("x");
                });
                using var reconnectTimer = new Timer(_ => connection.Dispose(), null, 1000, Timeout.Infinite);
                using (var probe = new Timer(_ => connection.Count(3), null, 0, 100))
                {
                }
                var notDisposed = new Connection();
                _ = Task.Run(() => notDisposed.ExecuteAsync("y"));
            }
        }
        """ + Connection);

    [Fact]
    public Task Fix_awaits_the_work_inside_the_scope() => VerifyCG5003.FixAsync(Usings + """
        class C
        {
            async Task HandleAsync()
            {
                using (var connection = new Connection())
                {
                    _ = Task.Run({|CG5003:() =>|} connection.ExecuteAsync("a"));
                    Task.Run({|CG5003:async () =>|} await connection.ExecuteAsync("b"));
                }
            }
        }
        """ + Connection, Usings + """
        class C
        {
            async Task HandleAsync()
            {
                using (var connection = new Connection())
                {
                    await Task.Run(() => connection.ExecuteAsync("a"));
                    await Task.Run(async () => await connection.ExecuteAsync("b"));
                }
            }
        }
        """ + Connection, compilerDiagnostics: Microsoft.CodeAnalysis.Testing.CompilerDiagnostics.None);

    [Fact]
    public Task Fix_all_awaits_once_per_statement_with_two_resources() => VerifyCG5003.FixAsync(Usings + """
        class C
        {
            async Task HandleAsync()
            {
                using var a = new Connection();
                using var b = new Connection();
                _ = Task.Run({|CG5003:{|CG5003:() =>|}|} a.ExecuteAsync(b.Count(1).ToString()));
            }
        }
        """ + Connection, Usings + """
        class C
        {
            async Task HandleAsync()
            {
                using var a = new Connection();
                using var b = new Connection();
                await Task.Run(() => a.ExecuteAsync(b.Count(1).ToString()));
            }
        }
        """ + Connection);

    [Fact]
    public Task No_fix_in_sync_code_or_for_stored_tasks() => VerifyCG5003.NoFixAsync(Usings + """
        class C
        {
            Task? _pending;
            void Handle()
            {
                using var connection = new Connection();
                _ = Task.Run({|CG5003:() =>|} connection.ExecuteAsync("a"));
            }
            async Task StoredAsync()
            {
                using var connection = new Connection();
                _pending = Task.Run({|CG5003:() =>|} connection.ExecuteAsync("b"));
                await Task.Yield();
            }
        }
        """ + Connection);

    [Fact]
    public Task Broken_code_does_not_crash() => VerifyCG5003.AnalyzerAsync(Usings + """
        class C
        {
            void Handle()
            {
                using var connection = new Connection();
                _ = Task.Run({|CG5003:() =>|} connection.ExecuteAsync("a"));
                using ({|CS0103:missing|}) { _ = Task.Run(() => {|CS0103:missing|}.Go()); }
                _ = Task.Run(() => connection.ExecuteAsync({|CS0103:nope|}));
                _ = connection.ExecuteAsync(""{|CS1026:|}{|CS1002:|}
            }
        """ + Connection + "{|CS1513:|}");

    private const string Scoped = """

        sealed class UnitOfWork : IDisposable
        {
            public Task SaveAsync() => Task.CompletedTask;
            public void Dispose() { }
        }

        interface IClock { DateTime Now { get; } }
        """;

    [Fact]
    public Task Flags_services_resolved_from_a_scope_that_ends_first() => VerifyCG5003.AnalyzerAsync(Usings + """
        using Microsoft.Extensions.DependencyInjection;

        class Jobs
        {
            private readonly IServiceScopeFactory _scopes;
            private readonly List<Task> _pending = new();
            public Jobs(IServiceScopeFactory scopes) => _scopes = scopes;

            public void Enqueue()
            {
                using var scope = _scopes.CreateScope();
                var work = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
                _pending.Add(Task.Run({|CG5003:() =>|} work.SaveAsync()));
            }

            public async Task EnqueueAsync()
            {
                await using (var scope = _scopes.CreateAsyncScope())
                {
                    var services = scope.ServiceProvider;
                    var work = services.GetService<UnitOfWork>();
                    var all = scope.ServiceProvider.GetServices<UnitOfWork>();
                    _ = Task.Run({|CG5003:() =>|} work!.SaveAsync());
                    _ = Task.Run({|CG5003:() =>|} Task.WhenAll(all.Select(w => w.SaveAsync())));
                    _ = Task.Run({|CG5003:() =>|} services.GetRequiredService<UnitOfWork>().SaveAsync());
                    await Task.Yield();
                }
            }

            public void Keyed()
            {
                var scope = _scopes.CreateScope();
                var work = scope.ServiceProvider.GetRequiredKeyedService<UnitOfWork>("audit");
                ThreadPool.QueueUserWorkItem({|CG5003:_ =>|} work.SaveAsync());
                scope.Dispose();
            }
        }
        """ + Scoped);

    [Fact]
    public Task Fix_awaits_work_on_a_scoped_service_inside_the_scope() => VerifyCG5003.FixAsync(Usings + """
        using Microsoft.Extensions.DependencyInjection;

        class Jobs
        {
            async Task RunAsync(IServiceScopeFactory scopes)
            {
                using var scope = scopes.CreateScope();
                var work = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
                _ = Task.Run({|CG5003:() =>|} work.SaveAsync());
            }
        }
        """ + Scoped, Usings + """
        using Microsoft.Extensions.DependencyInjection;

        class Jobs
        {
            async Task RunAsync(IServiceScopeFactory scopes)
            {
                using var scope = scopes.CreateScope();
                var work = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
                await Task.Run(() => work.SaveAsync());
            }
        }
        """ + Scoped);

    [Fact]
    public Task Does_not_flag_scoped_services_awaited_inside_the_scope_or_not_owned_by_it() => VerifyCG5003.AnalyzerAsync(Usings + """
        using Microsoft.Extensions.DependencyInjection;

        class Jobs
        {
            private readonly IServiceScopeFactory _scopes;
            private readonly IServiceProvider _root;
            public Jobs(IServiceScopeFactory scopes, IServiceProvider root) { _scopes = scopes; _root = root; }

            public async Task AwaitedAsync()
            {
                using var scope = _scopes.CreateScope();
                var work = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
                var pending = Task.Run(() => work.SaveAsync());
                await pending;
                await Task.Run(() => work.SaveAsync());
            }

            public void NotOwned(IServiceScope given)
            {
                using var scope = _scopes.CreateScope();
                var clock = scope.ServiceProvider.GetRequiredService<IClock>();
                var fromRoot = _root.GetRequiredService<UnitOfWork>();
                var fromGiven = given.ServiceProvider.GetRequiredService<UnitOfWork>();
                var replaced = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
                replaced = fromRoot;
                _ = Task.Run(() => Console.WriteLine(clock.Now));
                _ = Task.Run(() => fromRoot.SaveAsync());
                _ = Task.Run(() => fromGiven.SaveAsync());
                _ = Task.Run(() => replaced.SaveAsync());
            }

            public void ScopeInside()
            {
                _ = Task.Run(async () =>
                {
                    using var scope = _scopes.CreateScope();
                    var work = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
                    await work.SaveAsync();
                });
            }
        }
        """ + Scoped);
}

using VerifyCG2005 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Cancellation.UncancellableAsyncApiAnalyzer,
    ConcurrencyGuard.CodeFixes.Cancellation.UncancellableAsyncApiFixer>;

namespace ConcurrencyGuard.Analyzers.Tests.Cancellation;

public class UncancellableAsyncApiTests
{
    private const string Usings = "using System;\nusing System.Collections.Generic;\nusing System.Net.Http;\nusing System.Threading;\nusing System.Threading.Tasks;\n";

    [Fact]
    public Task Adds_the_parameter_and_forwards_it_fix_all() => VerifyCG2005.FixAsync(Usings + """
        public class Gateway
        {
            private readonly HttpClient _http = new();
            public async Task<string> {|CG2005:FetchAsync|}(string id)
            {
                await Task.Delay(10);
                var a = await _http.GetStringAsync("https://x/" + id).ConfigureAwait(false);
                return await Task.Run(() => _http.GetStringAsync("https://y"));
            }
            protected async ValueTask {|CG2005:PingAsync|}()
            {
                using var gate = new SemaphoreSlim(1);
                await gate.WaitAsync();
                try { await Task.Yield(); } finally { gate.Release(); await Task.Delay(1); }
            }
        }
        """, Usings + """
        public class Gateway
        {
            private readonly HttpClient _http = new();
            public async Task<string> FetchAsync(string id, CancellationToken cancellationToken = default)
            {
                await Task.Delay(10, cancellationToken);
                var a = await _http.GetStringAsync("https://x/" + id, cancellationToken).ConfigureAwait(false);
                return await Task.Run(() => _http.GetStringAsync("https://y", cancellationToken), cancellationToken);
            }
            protected async ValueTask PingAsync(CancellationToken cancellationToken = default)
            {
                using var gate = new SemaphoreSlim(1);
                await gate.WaitAsync(cancellationToken);
                try { await Task.Yield(); } finally { gate.Release(); await Task.Delay(1); }
            }
        }
        """);

    [Fact]
    public Task Async_iterator_gets_EnumeratorCancellation_and_WithCancellation() => VerifyCG2005.FixAsync(Usings + """
        using System.Runtime.CompilerServices;
        public class Feed
        {
            public async IAsyncEnumerable<int> {|CG2005:ReadAsync|}(IAsyncEnumerable<int> source)
            {
                await foreach (var x in source)
                {
                    yield return x;
                }
            }
        }
        """, Usings + """
        using System.Runtime.CompilerServices;
        public class Feed
        {
            public async IAsyncEnumerable<int> ReadAsync(IAsyncEnumerable<int> source, [EnumeratorCancellation] CancellationToken cancellationToken = default)
            {
                await foreach (var x in source.WithCancellation(cancellationToken))
                {
                    yield return x;
                }
            }
        }
        """);

    [Fact]
    public Task Imports_System_Threading_when_it_is_not_imported() => VerifyCG2005.FixAsync("""
        using System.Threading.Tasks;
        public class Store
        {
            public async Task {|CG2005:SaveAsync|}() => await Task.Delay(1);
        }
        """, """
        using System.Threading;
        using System.Threading.Tasks;
        public class Store
        {
            public async Task SaveAsync(CancellationToken cancellationToken = default) => await Task.Delay(1, cancellationToken);
        }
        """);

    // Issue #18, item 13: a using that would make a name of the document ambiguous (a Monitor of its own beside
    // System.Threading.Monitor) is not added; the type stays qualified.
    [Fact]
    public Task Keeps_the_type_qualified_when_importing_System_Threading_would_make_a_name_ambiguous() => VerifyCG2005.FixAsync("""
        using System.Threading.Tasks;
        using Telemetry;
        namespace Telemetry { public class Monitor { public void Record() { } } }
        public class Store
        {
            private readonly Monitor _monitor = new();
            public async Task {|CG2005:SaveAsync|}() { _monitor.Record(); await Task.Delay(1); }
        }
        """, """
        using System.Threading.Tasks;
        using Telemetry;
        namespace Telemetry { public class Monitor { public void Record() { } } }
        public class Store
        {
            private readonly Monitor _monitor = new();
            public async Task SaveAsync(System.Threading.CancellationToken cancellationToken = default) { _monitor.Record(); await Task.Delay(1, cancellationToken); }
        }
        """);

    // Issue #18, item 13 (CS0111 on real code): the fix never adds a signature the type already declares, whatever
    // that overload's accessibility or its type parameters' names.
    [Fact]
    public Task No_fix_when_the_type_already_declares_the_signature_with_a_token() => VerifyCG2005.NoFixAsync(Usings + """
        public static class Streams
        {
            public static async Task<List<T>> {|CG2005:DrainAsync|}<T>(IAsyncEnumerable<T> source)
            {
                var list = new List<T>();
                await foreach (var item in source) list.Add(item);
                return list;
            }
            private static async Task<List<U>> DrainAsync<U>(IAsyncEnumerable<U> source, CancellationToken token)
            {
                var list = new List<U>();
                await foreach (var item in source.WithCancellation(token)) list.Add(item);
                return list;
            }
        }
        public class Store
        {
            public async Task {|CG2005:SaveAsync|}(string id) => await Task.Delay(1);
            internal Task SaveAsync(string id, CancellationToken token) => Task.Delay(1, token);
        }
        """);

    // Issue #18, item 13 (CS0535 on real code): a public method of a base class that a derived class uses to
    // implement an interface has the interface's signature; a method of the same base that no interface asks for
    // is still flagged.
    [Fact]
    public Task Does_not_flag_a_base_class_method_that_a_derived_class_uses_to_implement_an_interface() => VerifyCG2005.AnalyzerAsync(Usings + """
        public interface IProbe<T> { Task<bool> ExistsAsync(T key, TimeSpan? timeout = null); }
        public interface IWaiter { Task SettleAsync(); }
        public abstract class ProbeBase<T>
        {
            public async Task<bool> ExistsAsync(T key, TimeSpan? timeout = null) { await Task.Delay(1); return key is not null; }
            public async Task {|CG2005:RefreshAsync|}() => await Task.Delay(1);
        }
        public class MiddleProbe<T> : ProbeBase<T> { }
        public class Probe<T> : MiddleProbe<T>, IProbe<T> { }
        public class Settler { public async Task SettleAsync() => await Task.Delay(1); }
        public sealed class Waiter : Settler, IWaiter { }
        """);

    [Fact]
    public Task Flags_None_passed_for_lack_of_a_token() => VerifyCG2005.AnalyzerAsync(Usings + """
        public class Store
        {
            public async Task {|CG2005:SaveAsync|}() => await Task.Delay(1, CancellationToken.None);
        }
        """);

    [Fact]
    public Task No_fix_for_virtual_methods_method_groups_params_or_name_clash() => VerifyCG2005.NoFixAsync(Usings + """
        public class Store
        {
            public virtual async Task {|CG2005:SaveAsync|}() => await Task.Delay(1);
            public async Task {|CG2005:LoadAsync|}() => await Task.Delay(1);
            public Func<Task> Loader => LoadAsync;
            public async Task {|CG2005:BatchAsync|}(params int[] ids) => await Task.Delay(1);
            public async Task {|CG2005:ClashAsync|}() { var cancellationToken = 1; await Task.Delay(cancellationToken); }
        }
        """);

    [Fact]
    public Task Does_not_flag_methods_that_can_receive_a_token() => VerifyCG2005.AnalyzerAsync(Usings + """
        using Microsoft.AspNetCore.Http;
        public class Store
        {
            public async Task SaveAsync(CancellationToken ct) => await Task.Delay(1, ct);
            public async Task MaybeAsync(CancellationToken? ct) => await Task.Delay(1);
            public async Task InvokeAsync(HttpContext context) => await Task.Delay(1);
            public async Task HandleAsync(Message message) => await Task.Delay(1);
        }
        public class Message { public CancellationToken CancellationToken { get; } }
        """);

    [Fact]
    public Task Does_not_flag_framework_shaped_methods() => VerifyCG2005.AnalyzerAsync(Usings + """
        using Microsoft.AspNetCore.Http;
        using Microsoft.AspNetCore.Mvc;
        using Microsoft.Extensions.Hosting;
        public interface IStore { Task SaveAsync(); }
        public abstract class BaseStore { public abstract Task LoadAsync(); }
        public class Store : BaseStore, IStore, IAsyncDisposable
        {
            public async Task SaveAsync() => await Task.Delay(1);
            public override async Task LoadAsync() => await Task.Delay(1);
            public async ValueTask DisposeAsync() => await Task.Delay(1);
            public async Task OnChanged(object? sender, EventArgs e) => await Task.Delay(1);
            public static async Task Main(string[] args) => await Task.Delay(1);
        }
        public class OrdersController : ControllerBase
        {
            [HttpGet] public async Task<IActionResult> Get() { await Task.Delay(1); return Ok(); }
        }
        public static class Endpoints
        {
            public static async Task<IResult> Handle(string id) { await Task.Delay(1); return Results.Ok(); }
        }
        public class Tests
        {
            [Fact] public async Task Works() => await Task.Delay(1);
        }
        public class FactAttribute : Attribute { }
        """);

    [Fact]
    public Task Does_not_flag_non_public_sync_or_token_free_methods() => VerifyCG2005.AnalyzerAsync(Usings + """
        public class Store
        {
            internal async Task SaveAsync() => await Task.Delay(1);
            private async Task LoadAsync() => await Task.Delay(1);
            public Task PassAsync() => Task.Delay(1);
            public async Task YieldAsync() => await Task.Yield();
            public async Task LambdaOnlyAsync() { Func<Task> f = async () => await Task.Delay(1); await f(); }
        }
        internal class Hidden
        {
            public async Task SaveAsync() => await Task.Delay(1);
        }
        """);

    // Issue #16, pattern 6: callers already have a way in (a token overload beside), or the only cancellable
    // awaits are a timeout-bounded poll delay or a local lock.
    [Fact]
    public Task Does_not_flag_when_callers_have_a_way_in_or_only_polls_and_locks_could_take_a_token() => VerifyCG2005.AnalyzerAsync(Usings + """
        public interface IPipeContext { CancellationToken CancellationToken { get; } }
        public interface IConsumeContext : IPipeContext { }
        public static class AsyncEnumerableExtensions
        {
            public static Task<List<T>> ToListAsync<T>(this IAsyncEnumerable<T> source) => ToListAsync(source, CancellationToken.None);
            public static async Task<List<T>> ToListAsync<T>(this IAsyncEnumerable<T> source, CancellationToken cancellationToken)
            {
                var list = new List<T>();
                await foreach (var item in source.WithCancellation(cancellationToken)) list.Add(item);
                return list;
            }
        }
        public class Waiter
        {
            public async Task<bool> WaitAsync(Task work, TimeSpan timeout) { await Task.Delay(timeout); return work.IsCompleted; }
            public async Task<bool> WaitAsync(Task work, CancellationToken cancellationToken) { await Task.Delay(1, cancellationToken); return work.IsCompleted; }
        }
        public class Harness
        {
            readonly SemaphoreSlim _state = new(1, 1);
            public async Task<bool> ExistsAsync(Func<bool> probe, TimeSpan timeout)
            {
                var giveUp = DateTime.UtcNow + timeout;
                while (DateTime.UtcNow < giveUp)
                {
                    if (probe()) return true;
                    await Task.Delay(10);
                }
                return false;
            }

            public async Task<bool> ContainsAsync(Func<Task<bool>> load, HttpClient http, TimeSpan? timeout = null)
            {
                var giveUp = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
                while (DateTime.UtcNow < giveUp)
                {
                    if (await load() && await http.GetStringAsync("https://x") != "") return true;
                    await Task.Delay(10);
                }
                return false;
            }

            public async Task LoginAsync(string user)
            {
                await _state.WaitAsync().ConfigureAwait(false);
                try { Console.WriteLine(user); }
                finally { _state.Release(); }
            }

            public async Task HandleAsync(IConsumeContext context) => await Task.Delay(1);
        }
        """);

    // Real findings that must stay (issue #16): a public helper that drains paged results, and a request/response API
    // that waits for a reply, with no token parameter.
    [Fact]
    public Task Flags_draining_helpers_and_request_response_waits_without_a_token() => VerifyCG2005.AnalyzerAsync(Usings + """
        public static class PagedExtensions
        {
            public static async Task<IEnumerable<T>> {|CG2005:FlattenAsync|}<T>(this IAsyncEnumerable<IReadOnlyCollection<T>> source)
            {
                var all = new List<T>();
                await foreach (var page in source) all.AddRange(page);
                return all;
            }
        }
        public class RequestClient
        {
            readonly TaskCompletionSource<string> _reply = new();
            public async Task<string> {|CG2005:GetResponseAsync|}(string request, TimeSpan timeout)
            {
                Console.WriteLine(request);
                return await _reply.Task.WaitAsync(timeout);
            }

            public async Task<string> {|CG2005:GetWithRetryAsync|}(HttpClient http, TimeSpan pause)
            {
                await Task.Delay(pause);
                return await http.GetStringAsync("https://x");
            }
        }
        """);

    [Fact]
    public Task Does_not_crash_on_broken_code() => VerifyCG2005.AnalyzerAsync(Usings + """
        public class Store
        {
            public async Task SaveAsync({|CS0246:Missing|} m) => await m.SaveAsync();
            public async Task {|CG2005:LoadAsync|}() { await Task.Delay(1); await {|CS0103:nothing|}; }
        }
        """);
}

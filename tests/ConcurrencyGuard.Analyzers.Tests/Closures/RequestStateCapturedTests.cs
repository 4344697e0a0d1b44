using VerifyCG5004 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Closures.RequestStateCapturedAnalyzer,
    Microsoft.CodeAnalysis.Testing.EmptyCodeFixProvider>;

namespace ConcurrencyGuard.Analyzers.Tests.Closures;

public class RequestStateCapturedTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Net.Http;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.AspNetCore.Builder;
        using Microsoft.AspNetCore.Http;
        using Microsoft.AspNetCore.Mvc;
        using Microsoft.Extensions.Configuration;
        using Microsoft.Extensions.DependencyInjection;
        using Microsoft.Extensions.Logging;
        using Microsoft.Extensions.Options;
        using Microsoft.EntityFrameworkCore;

        """;

    /// <summary>EF Core is not referenced by the tests: a stand-in with the same name.</summary>
    private const string EfStandIn = """

        namespace Microsoft.EntityFrameworkCore
        {
            public class DbContext : System.IDisposable
            {
                public int SaveChanges() => 0;
                public System.Threading.Tasks.Task<int> SaveChangesAsync() => System.Threading.Tasks.Task.FromResult(0);
                public void Dispose() { }
            }
        }
        public sealed class ShopDb : DbContext { }
        public interface IAuditService { Task WriteAsync(string s); }
        public sealed class Settings { public string Name { get; set; } = ""; }
        """;

    [Fact]
    public Task Flags_controller_http_context_parts_and_injected_db_context() => VerifyCG5004.AnalyzerAsync(Usings + """
        [ApiController]
        public sealed class OrdersController(ShopDb db) : ControllerBase
        {
            private readonly ShopDb _db = db;

            [HttpPost]
            public IActionResult Place()
            {
                _ = Task.Run({|CG5004:() =>|} Console.WriteLine(HttpContext.TraceIdentifier));
                _ = Task.Run({|CG5004:{|CG5004:() =>|}|} Console.WriteLine(Request.Path + User.Identity!.Name));
                _ = Task.Run({|CG5004:() =>|} _db.SaveChanges());
                ThreadPool.QueueUserWorkItem({|CG5004:_ =>|} db.SaveChanges());
                return Accepted();
            }

            [HttpPost("other")]
            public IActionResult Other([FromServices] ShopDb scoped)
            {
                _ = Task.Factory.StartNew({|CG5004:() =>|} scoped.SaveChangesAsync());
                Task.Delay(100).ContinueWith({|CG5004:t =>|} Response.StatusCode);
                return Ok();
            }
        }
        """ + EfStandIn);

    [Fact]
    public Task Flags_accessor_middleware_context_and_minimal_api_handlers() => VerifyCG5004.AnalyzerAsync(Usings + """
        public sealed class AuditMiddleware(RequestDelegate next, IHttpContextAccessor accessor)
        {
            public async Task InvokeAsync(HttpContext context)
            {
                _ = Task.Run({|CG5004:async () =>|} { await Task.Delay(10); Console.WriteLine(context.Request.Path); });
                _ = Task.Run({|CG5004:() =>|} Console.WriteLine(accessor.HttpContext?.TraceIdentifier));
                await next(context);
            }
        }
        public static class Endpoints
        {
            public static void Map(WebApplication app)
            {
                app.MapPost("/orders", (HttpContext http, ShopDb db) =>
                {
                    _ = Task.Run({|CG5004:() =>|} db.SaveChanges());
                    _ = Task.Run({|CG5004:() =>|} http.Response.StatusCode);
                    return Results.Accepted();
                });
            }
        }
        """ + EfStandIn);

    [Fact]
    public Task Does_not_flag_singletons_interfaces_copies_or_awaited_work() => VerifyCG5004.AnalyzerAsync(Usings + """
        [ApiController]
        public sealed class OrdersController(
            ShopDb db,
            ILogger<OrdersController> logger,
            IServiceScopeFactory scopes,
            IOptions<Settings> options,
            IHttpClientFactory clients,
            IConfiguration configuration,
            IAuditService audit) : ControllerBase
        {
            [HttpPost]
            public async Task<IActionResult> Place()
            {
                var path = Request.Path.ToString();
                var user = User.Identity?.Name;
                var ct = HttpContext.RequestAborted;
                _ = Task.Run(() => logger.LogInformation("{Path} {User}", path, user));
                _ = Task.Run(async () =>
                {
                    using var scope = scopes.CreateScope();
                    var fresh = scope.ServiceProvider.GetRequiredService<ShopDb>();
                    await fresh.SaveChangesAsync();
                    Console.WriteLine(options.Value.Name + configuration["x"]);
                    using var client = clients.CreateClient();
                    await audit.WriteAsync(path);
                });
                await Task.Run(() => db.SaveChanges());
                var t = Task.Run(() => HttpContext.TraceIdentifier);
                Console.WriteLine(await t);
                var count = new List<int> { 1 }.ConvertAll(x => x + Request.ContentLength ?? 0);
                return Ok(count);
            }

            [HttpGet]
            public Task<int> Count() => Task.Run(() => db.SaveChanges());
        }
        public sealed class Worker(ShopDb db)
        {
            public void Start() => _ = Task.Run(() => db.SaveChanges());
        }
        """ + EfStandIn);

    [Fact]
    public Task Broken_code_does_not_crash() => VerifyCG5004.AnalyzerAsync(Usings + """
        public sealed class BrokenController : ControllerBase
        {
            public IActionResult Place()
            {
                _ = Task.Run({|CG5004:() =>|} HttpContext.TraceIdentifier);
                _ = Task.Run(() => {|CS0103:Missing|}.Request);
                {|CS0246:Unknown|} x = {|CS0103:Nope|}.{|CS1001:|}{|CS1002:|}
                return Ok();
            }
        }
        """ + EfStandIn);
}

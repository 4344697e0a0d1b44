using ConcurrencyGuard;
using HazardShowcase;

// `dotnet run --project samples/HazardShowcase -- --leak` leaks tracked tasks on purpose and shows the
// ConcurrencyGuard monitor raising, escalating and sustaining an alarm, then exits.
bool leak = args.Contains("--leak");

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddSingleton<OrderStore>();
builder.Services.AddSingleton<Notifier>();
builder.Services.AddSingleton<OrderQueue>();
builder.Services.AddSingleton<AuditLog>();
builder.Services.AddSingleton<OrderImporter>();
builder.Services.AddHostedService<OrderWorker>();
builder.Services.AddInventory();

// The runtime companion: monitor + logging + metrics, and a health check answered from its background state.
builder.Services.AddConcurrencyGuard(options =>
{
    if (leak)
    {
        options.SampleInterval = TimeSpan.FromSeconds(1);
        options.TrackedTasks.Degraded = 100;
        options.TrackedTasks.Unhealthy = 1_000;
        options.TrackedTasks.SustainedFor = TimeSpan.FromSeconds(5);
    }
});
builder.Services.AddHealthChecks().AddConcurrencyGuard();
if (leak)
{
    builder.WebHost.UseUrls("http://127.0.0.1:0");
    builder.Services.AddHostedService<LeakDemo>();
}

var app = builder.Build();

app.MapPost("/orders/{id}", (string id, OrderStore store, Notifier notifier) =>
{
    store.Add(id);
    // Fire-and-forget: a failed email is never seen, and nobody can wait for it at shutdown.
    notifier.SendConfirmationAsync(id); // CG1001
    return Results.Accepted();
});

app.MapPost("/orders/{id}/queue", async (string id, OrderQueue queue, AuditLog audit, CancellationToken ct) =>
{
    audit.Write("queued " + id);
    await queue.EnqueueAsync(id, ct);
    await queue.MarkQueuedAsync(id, ct);
    return Results.Accepted();
});

app.MapPost("/orders/import", async (string[] ids, OrderImporter importer, CancellationToken ct) =>
    Results.Ok(await importer.ImportAsync(ids, ct)));

app.MapPost("/orders/{id}/tracked", (string id, OrderStore store, Notifier notifier) =>
{
    store.Add(id);
    // The fix CG1001 offers: tracked fire-and-forget. Counted by creation site, faults logged (event 3).
    notifier.SendConfirmationAsync(id).Forget("order-confirmation");
    return Results.Accepted();
});

app.MapGet("/orders", (OrderStore store) => store.All());
app.MapInventory();
app.MapHealthChecks("/health");

app.Run();

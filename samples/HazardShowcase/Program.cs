using HazardShowcase;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddSingleton<OrderStore>();
builder.Services.AddSingleton<Notifier>();
builder.Services.AddSingleton<OrderQueue>();
builder.Services.AddSingleton<AuditLog>();
builder.Services.AddSingleton<OrderImporter>();
builder.Services.AddHostedService<OrderWorker>();
builder.Services.AddInventory();

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

app.MapGet("/orders", (OrderStore store) => store.All());
app.MapInventory();

app.Run();

using HazardShowcase;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddSingleton<OrderStore>();
builder.Services.AddSingleton<Notifier>();
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

app.MapGet("/orders", (OrderStore store) => store.All());
app.MapInventory();

app.Run();

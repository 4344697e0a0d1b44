namespace HazardShowcase;

/// <summary>Calls the inventory service; cancellation tokens get lost on the way.</summary>
public sealed class InventoryClient(HttpClient http)
{
    public async Task<int> GetStockAsync(string sku, CancellationToken cancellationToken)
    {
        // The caller's token never reaches the HTTP call: an aborted request keeps waiting on inventory.
        var body = await http.GetStringAsync($"https://inventory.local/stock/{sku}"); // CG2001
        return int.TryParse(body, out var stock) ? stock : 0;
    }

    public async Task ReserveAsync(string sku, int quantity, CancellationToken cancellationToken)
    {
        using var content = new StringContent(quantity.ToString());
        // "Just make it compile": the reservation ignores a cancelled request.
        using var response = await http.PostAsync($"https://inventory.local/reserve/{sku}", content, CancellationToken.None); // CG2002
        response.EnsureSuccessStatusCode();
    }

    public async Task<int> CountWarehousesAsync(CancellationToken cancellationToken)
    {
        // A deadline, but the request's token no longer reaches the call.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3)); // CG2006
        var body = await http.GetStringAsync("https://inventory.local/warehouses/count", timeout.Token);
        return int.Parse(body);
    }

    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        // Registered on the request's token and never disposed: one registration leaked per ping.
        var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken); // CG2004
        linked.CancelAfter(TimeSpan.FromSeconds(2));
        using var response = await http.GetAsync("https://inventory.local/health", linked.Token);
        return response.IsSuccessStatusCode;
    }

    public async Task WatchStockAsync(Func<string, Task> onChange, CancellationToken cancellationToken)
    {
        // Polls for ever: after shutdown it keeps calling onChange until the host kills it.
        while (true) // CG2003 (suggestion)
        {
            await onChange(await http.GetStringAsync("https://inventory.local/changes?wait=30s", CancellationToken.None));
        }
    }
}

public static class InventoryEndpoints
{
    public static void AddInventory(this IServiceCollection services) => services.AddHttpClient<InventoryClient>();

    public static void MapInventory(this WebApplication app)
    {
        app.MapGet("/stock/{sku}", (string sku, InventoryClient inventory, CancellationToken ct) => inventory.GetStockAsync(sku, ct));
    }
}

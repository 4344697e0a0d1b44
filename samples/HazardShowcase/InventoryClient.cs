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
}

public static class InventoryEndpoints
{
    public static void AddInventory(this IServiceCollection services) => services.AddHttpClient<InventoryClient>();

    public static void MapInventory(this WebApplication app)
    {
        app.MapGet("/stock/{sku}", (string sku, InventoryClient inventory, CancellationToken ct) => inventory.GetStockAsync(sku, ct));
    }
}

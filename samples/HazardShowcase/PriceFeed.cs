using System.Text.Json;

namespace HazardShowcase;

/// <summary>Pulls supplier price lists: every HTTP deadline is missing somewhere.</summary>
public sealed class PriceFeed
{
    // The 100-second default: a slow supplier holds every caller for 100 s.
    private static readonly HttpClient Supplier = new HttpClient(new SocketsHttpHandler()) // CG3001, CG3003
    {
        BaseAddress = new Uri("https://supplier.local/"),
    };

    // "Downloads can be big": no deadline at all.
    private static readonly HttpClient Bulk = new HttpClient { Timeout = Timeout.InfiniteTimeSpan }; // CG3002

    public async Task<decimal> GetPriceAsync(string sku, CancellationToken cancellationToken)
    {
        // A new connection pool per call; each disposal leaves a socket in TIME_WAIT.
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) }; // CG3004
        var text = await client.GetStringAsync($"https://supplier.local/price/{sku}", cancellationToken);
        return decimal.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<PriceList?> GetPriceListAsync(CancellationToken cancellationToken)
    {
        using var response = await Supplier.GetAsync("prices", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        // Timeout stopped at the headers: a supplier that stalls mid-body hangs this for hours.
        return await JsonSerializer.DeserializeAsync<PriceList>(body); // CG3005
    }

    public async Task ArchiveAsync(Stream destination, CancellationToken cancellationToken)
    {
        await using var body = await Bulk.GetStreamAsync("https://supplier.local/archive", cancellationToken);
        await body.CopyToAsync(destination, cancellationToken);
    }
}

public sealed record PriceList(Dictionary<string, decimal> Prices);

namespace HazardShowcase;

public sealed class OrderWorker(OrderStore store, Notifier notifier, ILogger<OrderWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        notifier.Sent += OnSent;
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            Snapshot();
        }
    }

    private void Snapshot()
    {
        // Dropped in a sync method: CS4014 does not see it.
        store.SaveSnapshotAsync(); // CG1001
    }

    // Event handler without a catch-all: one failure crashes the worker's process.
    private async void OnSent(object? sender, OrderEventArgs e) // CG1003
    {
        await Task.Delay(1);
        logger.LogInformation("Confirmation sent for {OrderId}", e.OrderId);
    }
}

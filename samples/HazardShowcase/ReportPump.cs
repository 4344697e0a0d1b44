namespace HazardShowcase;

/// <summary>Task-lifetime hazards (family 1) in a small report pipeline.</summary>
public sealed class ReportPump(OrderStore store, ILogger<ReportPump> logger)
{
    private Task _heartbeat = Task.CompletedTask;

    public void StartHeartbeat()
    {
        // Nothing can stop this loop: not shutdown, not a second StartHeartbeat call.
        _heartbeat = Task.Run(async () =>
        {
            while (true) // CG1005
            {
                logger.LogDebug("Report pump alive, {Count} orders", store.All().Count);
                await Task.Delay(TimeSpan.FromSeconds(30));
            }
        });
    }

    public void WarmUp(List<string> orderIds)
    {
        // ForEach returns at the first await of each item; one failed refresh crashes the process.
        orderIds.ForEach(async id => await RefreshAsync(id)); // CG1004
    }

    public async Task RebuildAsync(CancellationToken cancellationToken)
    {
        // StartNew does not understand async delegates: this await returns at the first await inside,
        // long before the snapshot is saved, and a failed save is never seen.
        await Task.Factory.StartNew(async () => // CG1006
        {
            await store.SaveSnapshotAsync();
            logger.LogInformation("Report rebuilt from {Count} orders", store.All().Count);
        }, cancellationToken);
    }

    public void OnOrderShipped(string orderId)
    {
        // The discard silences CS4014, but a failed refresh is still never seen by anyone.
        _ = RefreshAsync(orderId); // CG1002
    }

    private async Task RefreshAsync(string orderId)
    {
        await store.SaveSnapshotAsync();
        logger.LogInformation("Refreshed report after {OrderId}", orderId);
    }
}

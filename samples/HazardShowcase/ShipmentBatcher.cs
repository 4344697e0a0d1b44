namespace HazardShowcase;

/// <summary>Closure-capture hazards (family 5): lambdas that run later than they were written.</summary>
public sealed class ShipmentBatcher(OrderStore store, ILogger<ShipmentBatcher> logger)
{
    public async Task RebuildShardsAsync(int shardCount)
    {
        var workers = new List<Task>();
        for (var shard = 0; shard < shardCount; shard++)
        {
            // Under load the loop ends before the tasks start: most of them rebuild shard == shardCount.
            workers.Add(Task.Run(() => RebuildShard(shard))); // CG5001
        }

        await Task.WhenAll(workers);
    }

    private void RebuildShard(int shard) => logger.LogInformation("Rebuilding shard {Shard} of {Count} orders", shard, store.All().Count);
}

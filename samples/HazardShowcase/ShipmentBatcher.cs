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

    public void PublishLabels(Queue<string> pending)
    {
        string? label = null;
        while (pending.Count > 0)
        {
            label = pending.Dequeue();
            // The next iteration reassigns 'label' before the pool gets to this lambda.
            ThreadPool.QueueUserWorkItem(_ => logger.LogInformation("Printing label {Label}", label)); // CG5002
        }
    }

    public void ExportManifest(string path)
    {
        using var writer = new StreamWriter(path);
        // The method returns (and disposes the writer) before the pool runs the write.
        _ = Task.Run(() => writer.WriteLineAsync(string.Join(',', store.All()))); // CG5003
    }

    private void RebuildShard(int shard) => logger.LogInformation("Rebuilding shard {Shard} of {Count} orders", shard, store.All().Count);
}

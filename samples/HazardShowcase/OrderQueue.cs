using System.Collections.Concurrent;
using System.Threading.Channels;

namespace HazardShowcase;

// Orders accepted by the API wait here for the worker. Nothing stops the queue from growing
// when the worker falls behind: memory climbs until the process is killed.
public sealed class OrderQueue
{
    private readonly Channel<string> _pending = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true }); // CG4001

    // Status updates go to a small bounded channel; when it is full, TryWrite returns false and the update is lost.
    private readonly Channel<string> _statusUpdates = Channel.CreateBounded<string>(64);

    public ValueTask EnqueueAsync(string orderId, CancellationToken ct) => _pending.Writer.WriteAsync(orderId, ct);

    public async Task MarkQueuedAsync(string orderId, CancellationToken ct)
    {
        await Task.Yield();
        _statusUpdates.Writer.TryWrite(orderId + ": queued"); // CG4004
    }

    public IAsyncEnumerable<string> StatusUpdates(CancellationToken ct) => _statusUpdates.Reader.ReadAllAsync(ct);

    public IAsyncEnumerable<string> ReadAllAsync(CancellationToken ct) => _pending.Reader.ReadAllAsync(ct);
}

// Audit lines are written by a dedicated thread; Add never blocks, so a slow disk means unbounded memory.
public sealed class AuditLog : IDisposable
{
    private readonly BlockingCollection<string> _lines = new(); // CG4003
    private readonly Thread _writer;

    public AuditLog()
    {
        _writer = new Thread(() =>
        {
            foreach (var line in _lines.GetConsumingEnumerable())
            {
                Console.WriteLine(line);
            }
        }) { IsBackground = true };
        _writer.Start();
    }

    public void Write(string line) => _lines.Add(line);

    public void Dispose() => _lines.CompleteAdding();
}

// Bulk import: a consumer task stores orders while the endpoint feeds it. Nobody completes the
// writer, so the consumer's loop never ends and `await consumer` hangs the request for ever.
public sealed class OrderImporter(OrderStore store)
{
    public async Task<int> ImportAsync(IEnumerable<string> orderIds, CancellationToken ct)
    {
        var batch = Channel.CreateBounded<string>(100); // CG4002
        var consumer = Task.Run(async () =>
        {
            var count = 0;
            await foreach (var id in batch.Reader.ReadAllAsync(ct))
            {
                store.Add(id);
                count++;
            }

            return count;
        }, ct);

        foreach (var id in orderIds)
        {
            await batch.Writer.WriteAsync(id, ct);
        }

        return await consumer;
    }
}

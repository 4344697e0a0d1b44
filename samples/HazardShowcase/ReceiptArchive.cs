using System.Collections.Concurrent;

namespace HazardShowcase;

/// <summary>Blocking and thread-pool starvation hazards (family 6): the receipts of shipped orders, archived to disk.</summary>
public sealed class ReceiptArchive(OrderStore store, ILogger<ReceiptArchive> logger)
{
    private readonly SemaphoreSlim _fileGate = new(1);
    private readonly BlockingCollection<string> _pending = new();
    // Whoever calls SetResult runs every waiter's continuation inline, on its own thread.
    private readonly TaskCompletionSource _firstArchived = new(); // CG6005

    public Task FirstArchived => _firstArchived.Task;

    public void StartPump()
    {
        // Holds a pool thread for the life of the process.
        Task.Run(() => // CG6004
        {
            foreach (var id in _pending.GetConsumingEnumerable())
            {
                ArchiveAsync(id, CancellationToken.None).Wait(); // CG6001
            }
        });
    }

    public void Enqueue(string id) => _pending.Add(id);

    public async Task ArchiveAsync(string id, CancellationToken ct)
    {
        await _fileGate.WaitAsync(ct); // CG6003: an I/O error leaves the gate closed for good
        var path = Path.Combine(Path.GetTempPath(), id + ".receipt");
        File.WriteAllText(path, $"{id} {store.All().Count}"); // CG6002
        _fileGate.Release();
        _firstArchived.TrySetResult();
        logger.LogInformation("Archived receipt {Id}", id);
    }
}

using System.Collections.Concurrent;

namespace HazardShowcase;

public sealed class OrderStore
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _orders = new();

    public void Add(string id) => _orders[id] = DateTimeOffset.UtcNow;

    public IReadOnlyCollection<string> All() => _orders.Keys.ToArray();

    public Task SaveSnapshotAsync() => Task.Delay(10);
}

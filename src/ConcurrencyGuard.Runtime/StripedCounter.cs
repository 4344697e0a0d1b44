using System;
using System.Threading;

namespace ConcurrencyGuard;

/// <summary>
/// A counter split over cache-line padded cells indexed by the current processor, so concurrent
/// increments from different cores do not fight over one cache line. Reads sum the cells.
/// </summary>
internal sealed class StripedCounter
{
    private const int Stride = 16; // 16 longs = 128 bytes, covers adjacent-line prefetch.
    private readonly long[] _cells;
    private readonly int _mask;

    public StripedCounter()
    {
        int cells = 1;
        int wanted = Math.Min(Math.Max(Environment.ProcessorCount, 1), 64);
        while (cells < wanted)
        {
            cells <<= 1;
        }

        _mask = cells - 1;
        // One extra stride in front so cell 0 does not share a line with the array header.
        _cells = new long[(cells + 1) * Stride];
    }

    public void Add(long delta)
        => Interlocked.Add(ref _cells[((Thread.GetCurrentProcessorId() & _mask) + 1) * Stride], delta);

    public long Sum()
    {
        long sum = 0;
        for (int i = 1; i <= _mask + 1; i++)
        {
            sum += Volatile.Read(ref _cells[i * Stride]);
        }

        return sum;
    }
}

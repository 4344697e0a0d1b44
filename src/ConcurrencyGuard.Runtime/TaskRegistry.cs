using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;

namespace ConcurrencyGuard;

/// <summary>
/// The outstanding entries of one tracker: one intrusive list per processor stripe, each guarded by
/// a spin lock and padded to its own cache lines. An entry is counted and removed on the stripe it
/// was registered on, so a stripe's count never goes negative and a sum over the stripes never reads
/// below the tasks that stayed outstanding during the read.
/// </summary>
internal sealed class TaskRegistry
{
    private readonly Stripe[] _stripes;
    private readonly int _mask;

    public TaskRegistry()
    {
        int stripes = 1;
        int wanted = Math.Min(Math.Max(Environment.ProcessorCount, 1), 64);
        while (stripes < wanted)
        {
            stripes <<= 1;
        }

        _mask = stripes - 1;

        // Element 0 and the last one are never used: they keep the array header and whatever is
        // allocated next off the used stripes' cache lines.
        _stripes = new Stripe[stripes + 2];
    }

    public int StripeCount => _mask + 1;

    /// <summary>The stripe of the current processor (1-based).</summary>
    public int CurrentStripe => (Thread.GetCurrentProcessorId() & _mask) + 1;

    /// <summary>Registrations seen by the stripe so far (read without the lock: a hint, not a total).</summary>
    public long RegisteredOn(int stripe) => Volatile.Read(ref _stripes[stripe].Registered);

    /// <summary>Tracked tasks outstanding: never lower than the number that stayed outstanding during the read.</summary>
    public int Outstanding
    {
        get
        {
            long sum = 0;
            for (int i = 1; i <= _mask + 1; i++)
            {
                sum += Volatile.Read(ref _stripes[i].Count);
            }

            return (int)Math.Min(sum, int.MaxValue);
        }
    }

    /// <summary>Registrations plus tasks seen already completed or dropped.</summary>
    public long Started
    {
        get
        {
            long sum = 0;
            for (int i = 1; i <= _mask + 1; i++)
            {
                sum += Volatile.Read(ref _stripes[i].Registered) + Volatile.Read(ref _stripes[i].Unregistered);
            }

            return sum;
        }
    }

    /// <summary>Counts a task that was handed over but not registered (already completed, or over the cap).</summary>
    public void CountUnregistered() => Interlocked.Increment(ref _stripes[CurrentStripe].Unregistered);

    public void Add(TrackedTask entry, int stripe)
    {
        ref Stripe s = ref _stripes[stripe];
        Enter(ref s.Lock);
        TrackedTask? head = s.Head;
        entry.Next = head;
        if (head is not null)
        {
            head.Prev = entry;
        }

        s.Head = entry;
        entry.Stripe = stripe;
        s.Count++;
        s.Registered++;
        Volatile.Write(ref s.Lock, 0);
    }

    /// <summary>Unlinks the entry from the stripe it was registered on; false when it was not linked.</summary>
    /// <remarks>Releases with a plain store: waiters pay the fence (see <see cref="ChangeSignal"/>).</remarks>
    public bool Remove(TrackedTask entry)
    {
        int stripe = entry.Stripe;
        if (stripe == 0)
        {
            return false;
        }

        ref Stripe s = ref _stripes[stripe];
        Enter(ref s.Lock);
        bool removed = entry.Stripe != 0;
        if (removed)
        {
            if (entry.Prev is not null)
            {
                entry.Prev.Next = entry.Next;
            }
            else
            {
                s.Head = entry.Next;
            }

            if (entry.Next is not null)
            {
                entry.Next.Prev = entry.Prev;
            }

            entry.Prev = null;
            entry.Next = null;
            entry.Stripe = 0;
            s.Count--;
        }

        Volatile.Write(ref s.Lock, 0);
        return removed;
    }

    /// <summary>Copies the outstanding entries (each stripe locked briefly).</summary>
    public void CopyTo(List<TrackedTask> list)
    {
        for (int i = 1; i <= _mask + 1; i++)
        {
            ref Stripe s = ref _stripes[i];
            Enter(ref s.Lock);
            try
            {
                for (TrackedTask? e = s.Head; e is not null; e = e.Next)
                {
                    list.Add(e);
                }
            }
            finally
            {
                Volatile.Write(ref s.Lock, 0);
            }
        }
    }

    private static void Enter(ref int gate)
    {
        if (Interlocked.CompareExchange(ref gate, 1, 0) != 0)
        {
            EnterContended(ref gate);
        }
    }

    private static void EnterContended(ref int gate)
    {
        // The critical sections are a few pointer writes; back off (yield, then sleep) if the holder was preempted.
        var spinner = default(SpinWait);
        do
        {
            spinner.SpinOnce(sleep1Threshold: 20);
        }
        while (Volatile.Read(ref gate) != 0 || Interlocked.CompareExchange(ref gate, 1, 0) != 0);
    }

    /// <summary>One stripe: 128 bytes, so neighbours do not share a cache line (or an adjacent-line prefetch pair).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct Stripe
    {
        [FieldOffset(0)]
        public TrackedTask? Head;

        [FieldOffset(8)]
        public int Lock;

        [FieldOffset(12)]
        public int Count;

        [FieldOffset(16)]
        public long Registered;

        [FieldOffset(24)]
        public long Unregistered;
    }
}

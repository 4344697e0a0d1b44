using System.Threading;
using System.Threading.Tasks;

namespace ConcurrencyGuard;

/// <summary>
/// Process-wide "a tracked task completed" signal for waiters (idle waits, leak checks). Completions
/// pay one volatile read while nobody waits.
/// </summary>
/// <remarks>
/// An asymmetric Dekker handshake: a completion stores its new count (a plain release store) and then
/// reads the waiter count, with no fence of its own; a waiter increments the waiter count and issues a
/// process-wide barrier before it reads the counts. Either the completion sees the waiter and signals,
/// or its count store was drained by the barrier and the waiter sees it: no wake-up is lost, and the
/// hot path pays no fence for the rare waiter.
/// </remarks>
internal static class ChangeSignal
{
    private static int s_waiters;
    private static TaskCompletionSource? s_signal;

    /// <summary>Registers a waiter; call <see cref="Unregister"/> when done. Check the condition after this.</summary>
    public static Task Register()
    {
        Interlocked.Increment(ref s_waiters);
        Interlocked.MemoryBarrierProcessWide();
        TaskCompletionSource? tcs = Volatile.Read(ref s_signal);
        if (tcs is null)
        {
            var fresh = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            tcs = Interlocked.CompareExchange(ref s_signal, fresh, null) ?? fresh;
        }

        return tcs.Task;
    }

    public static void Unregister() => Interlocked.Decrement(ref s_waiters);

    public static void NotifyIfWaiting()
    {
        if (Volatile.Read(ref s_waiters) != 0)
        {
            Interlocked.Exchange(ref s_signal, null)?.TrySetResult();
        }
    }
}

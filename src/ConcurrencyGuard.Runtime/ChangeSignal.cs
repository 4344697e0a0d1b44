using System.Threading;
using System.Threading.Tasks;

namespace ConcurrencyGuard;

/// <summary>
/// Process-wide "a tracked task completed" signal for waiters (idle waits, leak checks). Completions
/// pay one volatile read while nobody waits.
/// </summary>
internal static class ChangeSignal
{
    private static int s_waiters;
    private static TaskCompletionSource? s_signal;

    /// <summary>Registers a waiter; call <see cref="Unregister"/> when done. Check the condition after this.</summary>
    public static Task Register()
    {
        Interlocked.Increment(ref s_waiters);
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

using System;
using System.Diagnostics.Tracing;
using System.Threading;

namespace ConcurrencyGuard;

/// <summary>
/// Counts the runtime's thread-pool starvation adjustments: event 55
/// (<c>ThreadPoolWorkerThreadAdjustmentAdjustment</c>) of <c>Microsoft-Windows-DotNETRuntime</c>
/// with reason 6 (Starvation). Only the Threading keyword is enabled, at Informational level.
/// </summary>
internal sealed class RuntimeEventListener : EventListener
{
    private const string RuntimeProvider = "Microsoft-Windows-DotNETRuntime";
    private const EventKeywords ThreadingKeyword = (EventKeywords)0x10000;
    private const int AdjustmentEventId = 55;
    private const uint StarvationReason = 6;
    private long _starvation;
    private long _adjustments;

    public long StarvationAdjustments => Interlocked.Read(ref _starvation);

    public long Adjustments => Interlocked.Read(ref _adjustments);

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        // Runs from the base constructor too: touch no fields of this class here.
        if (eventSource.Name == RuntimeProvider)
        {
            EnableEvents(eventSource, EventLevel.Informational, ThreadingKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventId != AdjustmentEventId || eventData.Payload is null)
        {
            return;
        }

        Interlocked.Increment(ref _adjustments);
        int index = eventData.PayloadNames?.IndexOf("Reason") ?? 2;
        if (index < 0 || index >= eventData.Payload.Count)
        {
            return;
        }

        object? reason = eventData.Payload[index];
        uint value;
        try
        {
            value = Convert.ToUInt32(reason, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception)
        {
            return;
        }

        if (value == StarvationReason)
        {
            Interlocked.Increment(ref _starvation);
        }
    }
}

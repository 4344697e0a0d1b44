namespace HazardShowcase;

public sealed class Notifier
{
    public event EventHandler<OrderEventArgs>? Sent;

    // No token parameter: a caller that gives up cannot stop the confirmation.
    public async Task SendConfirmationAsync(string orderId) // CG2005 (suggestion)
    {
        await Task.Delay(50);
        Sent?.Invoke(this, new OrderEventArgs(orderId));
    }

    // An exception here is rethrown on the thread pool and ends the process.
    public async void RefreshTemplates() // CG1003
    {
        await Task.Delay(10);
        throw new InvalidOperationException("template store unavailable");
    }
}

public sealed class OrderEventArgs(string orderId) : EventArgs
{
    public string OrderId { get; } = orderId;
}

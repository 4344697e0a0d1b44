namespace HazardShowcase;

/// <summary>Logs each request after the response, "without slowing it down".</summary>
public sealed class RequestAuditMiddleware(RequestDelegate next, ILogger<RequestAuditMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        // Runs after the response: by then 'context' is recycled for another request.
        _ = Task.Run(() => logger.LogInformation("Audited {Method} {Path}", context.Request.Method, context.Request.Path)); // CG5004
    }
}

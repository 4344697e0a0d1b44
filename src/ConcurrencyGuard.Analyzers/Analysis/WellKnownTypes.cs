using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// Symbols the rules need, resolved once per compilation and shared by every analyzer of the suite
/// (one <see cref="ConditionalWeakTable{TKey,TValue}"/> entry per compilation, so 30 rules do not
/// resolve <c>Task</c> 30 times). Get one in a compilation-start action with <see cref="GetOrCreate"/>;
/// a rule whose types are missing returns early.
/// </summary>
public sealed class WellKnownTypes
{
    private static readonly ConditionalWeakTable<Compilation, WellKnownTypes> Cache = new();

    private readonly Compilation _compilation;
    private readonly ConcurrentDictionary<string, INamedTypeSymbol?> _byName = new();

    private WellKnownTypes(Compilation compilation)
    {
        _compilation = compilation;
        Task = Get(WellKnownTypeNames.Task);
        TaskOfT = Get(WellKnownTypeNames.TaskOfT);
        ValueTask = Get(WellKnownTypeNames.ValueTask);
        ValueTaskOfT = Get(WellKnownTypeNames.ValueTaskOfT);
        CancellationToken = Get(WellKnownTypeNames.CancellationToken);
        EventArgs = Get(WellKnownTypeNames.EventArgs);
        Exception = Get(WellKnownTypeNames.Exception);
        INotifyCompletion = Get(WellKnownTypeNames.INotifyCompletion);
        TaskFactory = Get(WellKnownTypeNames.TaskFactory);
        TaskFactoryOfT = Get(WellKnownTypeNames.TaskFactoryOfT);
    }

    public static WellKnownTypes GetOrCreate(Compilation compilation) =>
        Cache.GetValue(compilation, static c => new WellKnownTypes(c));

    public Compilation Compilation => _compilation;

    public INamedTypeSymbol? Task { get; }
    public INamedTypeSymbol? TaskOfT { get; }
    public INamedTypeSymbol? ValueTask { get; }
    public INamedTypeSymbol? ValueTaskOfT { get; }
    public INamedTypeSymbol? CancellationToken { get; }
    public INamedTypeSymbol? EventArgs { get; }
    public INamedTypeSymbol? Exception { get; }
    public INamedTypeSymbol? INotifyCompletion { get; }
    public INamedTypeSymbol? TaskFactory { get; }
    public INamedTypeSymbol? TaskFactoryOfT { get; }

    /// <summary>A type by metadata name (e.g. <c>System.Net.Http.HttpClient</c>), or null when the compilation does not have it.</summary>
    public INamedTypeSymbol? Get(string metadataName) =>
        _byName.GetOrAdd(metadataName, name => _compilation.GetTypeByMetadataName(name));

    /// <summary><c>Task.Run</c>, any overload.</summary>
    public bool IsTaskRun(IMethodSymbol method) =>
        method.Name == "Run" && SymbolEqualityComparer.Default.Equals(method.ContainingType?.OriginalDefinition, Task);

    /// <summary><c>StartNew</c> of <c>TaskFactory</c> or <c>TaskFactory&lt;TResult&gt;</c> (<c>Task&lt;int&gt;.Factory.StartNew</c>), which do not derive from each other.</summary>
    public bool IsTaskFactoryStartNew(IMethodSymbol method) =>
        method.Name == "StartNew" && IsTaskFactory(method.ContainingType);

    /// <summary>TaskFactory or TaskFactory&lt;TResult&gt;.</summary>
    public bool IsTaskFactory(ITypeSymbol? type) =>
        type is not null
        && (SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, TaskFactory) || SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, TaskFactoryOfT));

    /// <summary>Task or Task&lt;T&gt; (not ValueTask).</summary>
    public bool IsTask(ITypeSymbol? type) =>
        type is not null
        && (SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, Task) || SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, TaskOfT));

    /// <summary>ValueTask or ValueTask&lt;T&gt;.</summary>
    public bool IsValueTask(ITypeSymbol? type) =>
        type is not null
        && (SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, ValueTask) || SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, ValueTaskOfT));

    /// <summary>True when <paramref name="type"/> is the type named <paramref name="metadataName"/> (its generic definition for a constructed type).</summary>
    public bool Is(ITypeSymbol? type, string metadataName) =>
        type is not null && Get(metadataName) is { } known && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, known);

    /// <summary>True for Task, Task&lt;T&gt;, ValueTask and ValueTask&lt;T&gt;.</summary>
    public bool IsTaskLike(ITypeSymbol? type)
    {
        if (type is not INamedTypeSymbol named)
        {
            return false;
        }

        var original = named.OriginalDefinition;
        return SymbolEqualityComparer.Default.Equals(original, Task)
            || SymbolEqualityComparer.Default.Equals(original, TaskOfT)
            || SymbolEqualityComparer.Default.Equals(original, ValueTask)
            || SymbolEqualityComparer.Default.Equals(original, ValueTaskOfT);
    }

    /// <summary>True when <paramref name="type"/> is <paramref name="baseType"/> or derives from it.</summary>
    public static bool InheritsFrom(ITypeSymbol? type, ITypeSymbol? baseType)
    {
        if (baseType is null)
        {
            return false;
        }

        for (var t = type; t is not null; t = t.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(t.OriginalDefinition, baseType))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when <paramref name="type"/> is, derives from, or implements <paramref name="baseOrInterface"/>.</summary>
    public static bool IsOrImplements(ITypeSymbol? type, ITypeSymbol? baseOrInterface)
    {
        if (type is null || baseOrInterface is null)
        {
            return false;
        }

        if (InheritsFrom(type, baseOrInterface))
        {
            return true;
        }

        foreach (var i in type.AllInterfaces)
        {
            if (SymbolEqualityComparer.Default.Equals(i.OriginalDefinition, baseOrInterface))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Metadata names used across rules.</summary>
public static class WellKnownTypeNames
{
    public const string Task = "System.Threading.Tasks.Task";
    public const string TaskOfT = "System.Threading.Tasks.Task`1";
    public const string ValueTask = "System.Threading.Tasks.ValueTask";
    public const string ValueTaskOfT = "System.Threading.Tasks.ValueTask`1";
    public const string TaskFactory = "System.Threading.Tasks.TaskFactory";
    public const string TaskStatus = "System.Threading.Tasks.TaskStatus";
    public const string CancellationToken = "System.Threading.CancellationToken";
    public const string CancellationTokenSource = "System.Threading.CancellationTokenSource";
    public const string EventArgs = "System.EventArgs";
    public const string Exception = "System.Exception";
    public const string INotifyCompletion = "System.Runtime.CompilerServices.INotifyCompletion";
    public const string Interlocked = "System.Threading.Interlocked";
    public const string Volatile = "System.Threading.Volatile";
    public const string RuntimeTaskExtensions = "ConcurrencyGuard.TaskExtensions";
    public const string IAsyncEnumerableOfT = "System.Collections.Generic.IAsyncEnumerable`1";
    public const string ConfiguredCancelableAsyncEnumerableOfT = "System.Runtime.CompilerServices.ConfiguredCancelableAsyncEnumerable`1";
    public const string EnumeratorCancellationAttribute = "System.Runtime.CompilerServices.EnumeratorCancellationAttribute";
    public const string TaskAsyncEnumerableExtensions = "System.Threading.Tasks.TaskAsyncEnumerableExtensions";
    public const string HttpContext = "Microsoft.AspNetCore.Http.HttpContext";
    public const string ControllerBase = "Microsoft.AspNetCore.Mvc.ControllerBase";
    public const string BackgroundService = "Microsoft.Extensions.Hosting.BackgroundService";
    public const string ObsoleteAttribute = "System.ObsoleteAttribute";
    public const string EndpointRouteBuilderExtensions = "Microsoft.AspNetCore.Builder.EndpointRouteBuilderExtensions";
    public const string ConnectionInfo = "Microsoft.AspNetCore.Http.ConnectionInfo";
    public const string IFeatureCollection = "Microsoft.AspNetCore.Http.Features.IFeatureCollection";
    public const string HttpRequest = "Microsoft.AspNetCore.Http.HttpRequest";
    public const string HttpResponse = "Microsoft.AspNetCore.Http.HttpResponse";
    public const string IHttpContextAccessor = "Microsoft.AspNetCore.Http.IHttpContextAccessor";
    public const string IResult = "Microsoft.AspNetCore.Http.IResult";
    public const string WebSocketManager = "Microsoft.AspNetCore.Http.WebSocketManager";
    public const string PageModel = "Microsoft.AspNetCore.Mvc.RazorPages.PageModel";
    public const string Hub = "Microsoft.AspNetCore.SignalR.Hub";
    public const string DbContext = "Microsoft.EntityFrameworkCore.DbContext";
    public const string HttpClientBuilderExtensions = "Microsoft.Extensions.DependencyInjection.HttpClientBuilderExtensions";
    public const string HttpClientFactoryServiceCollectionExtensions = "Microsoft.Extensions.DependencyInjection.HttpClientFactoryServiceCollectionExtensions";
    public const string IHttpClientBuilder = "Microsoft.Extensions.DependencyInjection.IHttpClientBuilder";
    public const string BlockingCollectionOfT = "System.Collections.Concurrent.BlockingCollection`1";
    public const string Console = "System.Console";
    public const string DbCommand = "System.Data.Common.DbCommand";
    public const string DbConnection = "System.Data.Common.DbConnection";
    public const string DbDataReader = "System.Data.Common.DbDataReader";
    public const string DbTransaction = "System.Data.Common.DbTransaction";
    public const string IAsyncDisposable = "System.IAsyncDisposable";
    public const string IServiceProvider = "System.IServiceProvider";
    public const string IServiceScope = "Microsoft.Extensions.DependencyInjection.IServiceScope";
    public const string AsyncServiceScope = "Microsoft.Extensions.DependencyInjection.AsyncServiceScope";
    public const string IDisposable = "System.IDisposable";
    public const string MemoryStream = "System.IO.MemoryStream";
    public const string File = "System.IO.File";
    public const string FileAccess = "System.IO.FileAccess";
    public const string FileInfo = "System.IO.FileInfo";
    public const string FileStream = "System.IO.FileStream";
    public const string Stream = "System.IO.Stream";
    public const string StringReader = "System.IO.StringReader";
    public const string StringWriter = "System.IO.StringWriter";
    public const string TextReader = "System.IO.TextReader";
    public const string TextWriter = "System.IO.TextWriter";
    public const string Enumerable = "System.Linq.Enumerable";
    public const string Queryable = "System.Linq.Queryable";
    public const string HttpClient = "System.Net.Http.HttpClient";
    public const string HttpCompletionOption = "System.Net.Http.HttpCompletionOption";
    public const string HttpContent = "System.Net.Http.HttpContent";
    public const string HttpMessageHandler = "System.Net.Http.HttpMessageHandler";
    public const string HttpResponseMessage = "System.Net.Http.HttpResponseMessage";
    public const string SocketsHttpHandler = "System.Net.Http.SocketsHttpHandler";
    public const string Socket = "System.Net.Sockets.Socket";
    public const string BoundedChannelFullMode = "System.Threading.Channels.BoundedChannelFullMode";
    public const string BoundedChannelOptions = "System.Threading.Channels.BoundedChannelOptions";
    public const string Channel = "System.Threading.Channels.Channel";
    public const string ChannelReaderOfT = "System.Threading.Channels.ChannelReader`1";
    public const string ChannelWriterOfT = "System.Threading.Channels.ChannelWriter`1";
    public const string ChannelOfT = "System.Threading.Channels.Channel`1";
    public const string ChannelOfT2 = "System.Threading.Channels.Channel`2";
    public const string UnboundedChannelOptions = "System.Threading.Channels.UnboundedChannelOptions";
    public const string Monitor = "System.Threading.Monitor";
    public const string ManualResetEventSlim = "System.Threading.ManualResetEventSlim";
    public const string SemaphoreSlim = "System.Threading.SemaphoreSlim";
    public const string Parallel = "System.Threading.Tasks.Parallel";
    public const string ParallelOptions = "System.Threading.Tasks.ParallelOptions";
    public const string ListOfT = "System.Collections.Generic.List`1";
    public const string TaskCompletionSource = "System.Threading.Tasks.TaskCompletionSource";
    public const string TaskCompletionSourceOfT = "System.Threading.Tasks.TaskCompletionSource`1";
    public const string TaskContinuationOptions = "System.Threading.Tasks.TaskContinuationOptions";
    public const string OperationCanceledException = "System.OperationCanceledException";
    public const string TaskCreationOptions = "System.Threading.Tasks.TaskCreationOptions";
    public const string TaskFactoryOfT = "System.Threading.Tasks.TaskFactory`1";
    public const string TaskScheduler = "System.Threading.Tasks.TaskScheduler";
    public const string Thread = "System.Threading.Thread";
    public const string ThreadPool = "System.Threading.ThreadPool";
    public const string ThreadingTimeout = "System.Threading.Timeout";
    public const string Timer = "System.Threading.Timer";
    public const string CancellationTokenRegistration = "System.Threading.CancellationTokenRegistration";
    public const string WaitHandle = "System.Threading.WaitHandle";
    public const string TimeSpan = "System.TimeSpan";
}

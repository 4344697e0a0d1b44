using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;

namespace ConcurrencyGuard.Analyzers.Closures;

/// <summary>
/// CG5004: background work that is not awaited in the request reads request-scoped state: <c>HttpContext</c>
/// and its parts (through <c>ControllerBase</c>/<c>PageModel</c>, <c>IHttpContextAccessor</c>, or a captured
/// <c>HttpContext</c>/<c>HttpRequest</c>/<c>HttpResponse</c>), or a <c>DbContext</c> injected into a controller,
/// page model or minimal-API handler. After the response the framework recycles or disposes them.
/// Services of unknown or singleton lifetime (any interface, <c>ILogger&lt;T&gt;</c>, <c>IServiceScopeFactory</c>...) are not flagged.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class RequestStateCapturedAnalyzer : ConcurrencyGuardAnalyzer
{
    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.RequestStateCaptured,
        title: "Background work captures request-scoped state",
        messageFormat: "Background work ({1}) reads '{0}', which belongs to the request: once the response is sent it is recycled or disposed; copy the values you need first, or create a scope with IServiceScopeFactory",
        DiagnosticSeverity.Warning,
        description: "ASP.NET Core reuses HttpContext objects across requests and disposes the request's DI scope (and its DbContext) when the response is done. Work that outlives the request and still reads them sees another request's data, null, or ObjectDisposedException, typically only under load. Read the values you need before starting the work, and resolve scoped services from a new scope (IServiceScopeFactory.CreateScope) inside it.");

    private static readonly ImmutableHashSet<string> ControllerRequestProperties =
        ImmutableHashSet.Create("HttpContext", "Request", "Response", "User", "RouteData", "ControllerContext", "PageContext");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        var request = new RequestTypes(types);
        if (request.HttpContext is null && request.DbContext is null)
        {
            return;
        }

        var deferredCode = DeferredCode.GetOrCreate(types);
        start.RegisterOperationAction(c => Analyze(c, deferredCode, request), OperationKind.AnonymousFunction, OperationKind.DelegateCreation);
    }

    private sealed class RequestTypes
    {
        public RequestTypes(WellKnownTypes types)
        {
            HttpContext = types.Get(WellKnownTypeNames.HttpContext);
            HttpContextParts = new[]
            {
                HttpContext,
                types.Get(WellKnownTypeNames.HttpRequest),
                types.Get(WellKnownTypeNames.HttpResponse),
                types.Get(WellKnownTypeNames.ConnectionInfo),
                types.Get(WellKnownTypeNames.WebSocketManager),
                types.Get(WellKnownTypeNames.IFeatureCollection),
            }.OfType<INamedTypeSymbol>().ToImmutableArray();
            HttpContextAccessor = types.Get(WellKnownTypeNames.IHttpContextAccessor);
            ControllerBase = types.Get(WellKnownTypeNames.ControllerBase);
            PageModel = types.Get(WellKnownTypeNames.PageModel);
            DbContext = types.Get(WellKnownTypeNames.DbContext);
            EndpointRouteBuilderExtensions = types.Get(WellKnownTypeNames.EndpointRouteBuilderExtensions);
        }

        public INamedTypeSymbol? HttpContext { get; }
        public ImmutableArray<INamedTypeSymbol> HttpContextParts { get; }
        public INamedTypeSymbol? HttpContextAccessor { get; }
        public INamedTypeSymbol? ControllerBase { get; }
        public INamedTypeSymbol? PageModel { get; }
        public INamedTypeSymbol? DbContext { get; }
        public INamedTypeSymbol? EndpointRouteBuilderExtensions { get; }

        private readonly ConcurrentDictionary<ITypeSymbol, bool> _isHttpContextPart = new(SymbolEqualityComparer.Default);

        /// <summary>Cached per type: references to locals and parameters are frequent, the answer rarely changes.</summary>
        public bool IsHttpContextPart(ITypeSymbol? type) =>
            type is not null && _isHttpContextPart.GetOrAdd(type, t => HttpContextParts.Any(part => WellKnownTypes.IsOrImplements(t, part)));

        public bool IsController(INamedTypeSymbol? type) =>
            WellKnownTypes.InheritsFrom(type, ControllerBase) || WellKnownTypes.InheritsFrom(type, PageModel);
    }

    private static void Analyze(OperationAnalysisContext context, DeferredCode deferredCode, RequestTypes request)
    {
        var operation = context.Operation;
        if (operation is IDelegateCreationOperation { Target: IAnonymousFunctionOperation } || DeferredCode.GetFunction(operation) is not { } function)
        {
            return;
        }

        var reads = FindRequestState(function, operation, context.ContainingSymbol, request);
        if (reads.Count == 0)
        {
            return;
        }

        var deferral = deferredCode.Classify(operation);
        if (deferral.Kind is not (DeferralKind.BackgroundStart or DeferralKind.Continuation or DeferralKind.UnawaitedTaskCall or DeferralKind.AddedToCollection or DeferralKind.EventSubscription))
        {
            return;
        }

        var root = OperationWalk.Root(operation);

        // Awaited later in the request, or handed back to the framework, which awaits it: still inside the request.
        if (deferredCode.IsTaskAwaitedBefore(deferral, root, int.MaxValue) || DeferredCode.IsTaskReturned(deferral))
        {
            return;
        }

        foreach (var read in reads)
        {
            context.Report(
                Rule,
                DeferredCode.GetReportLocation(operation),
                read.Value.Select(r => r.Syntax.GetLocation()),
                read.Key,
                deferral.Describe());
        }
    }

    /// <summary>The request-scoped things the function reads, by display name, with their references in source order.</summary>
    private static Dictionary<string, List<IOperation>> FindRequestState(IOperation function, IOperation delegateOperation, ISymbol containingSymbol, RequestTypes request)
    {
        var result = new Dictionary<string, List<IOperation>>();
        var span = function.Syntax.Span;
        var inController = request.IsController(containingSymbol.ContainingType);
        IAnonymousFunctionOperation? handler = null;
        var handlerSearched = false;

        var body = function is IAnonymousFunctionOperation lambda ? lambda.Body : (IOperation?)(function as ILocalFunctionOperation)?.Body ?? function;
        foreach (var op in body.DescendantsAndSelf())
        {
            string? name = null;
            switch (op)
            {
                case IPropertyReferenceOperation { Property.Name: "HttpContext" } accessor
                    when request.HttpContextAccessor is not null && WellKnownTypes.IsOrImplements(accessor.Property.ContainingType, request.HttpContextAccessor):
                    name = "IHttpContextAccessor.HttpContext";
                    break;

                case IPropertyReferenceOperation { Instance: null or IInstanceReferenceOperation } member
                    when inController && ControllerRequestProperties.Contains(member.Property.Name) && request.IsController(member.Property.ContainingType):
                    name = member.Property.Name;
                    break;

                case IPropertyReferenceOperation { Instance: null or IInstanceReferenceOperation } property
                    when inController && WellKnownTypes.InheritsFrom(property.Type, request.DbContext):
                    name = property.Property.Name;
                    break;

                case IFieldReferenceOperation { Instance: null or IInstanceReferenceOperation } field
                    when inController && WellKnownTypes.InheritsFrom(field.Type, request.DbContext):
                    name = field.Field.Name;
                    break;

                case ILocalReferenceOperation local when !IsDeclaredWithin(local.Local, span) && request.IsHttpContextPart(local.Type):
                    name = local.Local.Name;
                    break;

                case IParameterReferenceOperation parameter when !IsDeclaredWithin(parameter.Parameter, span):
                    if (request.IsHttpContextPart(parameter.Type))
                    {
                        name = parameter.Parameter.Name;
                    }
                    else if (WellKnownTypes.InheritsFrom(parameter.Type, request.DbContext))
                    {
                        // Injected: an action or constructor parameter of a controller, or a minimal-API handler parameter.
                        var owner = parameter.Parameter.ContainingSymbol;
                        if (inController && request.IsController(owner.ContainingType))
                        {
                            name = parameter.Parameter.Name;
                        }
                        else
                        {
                            if (!handlerSearched)
                            {
                                handler = FindMinimalApiHandler(delegateOperation, request);
                                handlerSearched = true;
                            }

                            if (handler is not null && SymbolEqualityComparer.Default.Equals(owner, handler.Symbol))
                            {
                                name = parameter.Parameter.Name;
                            }
                        }
                    }

                    break;
            }

            if (name is null)
            {
                continue;
            }

            if (!result.TryGetValue(name, out var list))
            {
                list = new List<IOperation>();
                result.Add(name, list);
            }

            list.Add(op);
        }

        return result;
    }

    /// <summary>The lambda given to <c>app.MapGet/MapPost/...</c> that encloses <paramref name="operation"/>, if any.</summary>
    private static IAnonymousFunctionOperation? FindMinimalApiHandler(IOperation operation, RequestTypes request)
    {
        if (request.EndpointRouteBuilderExtensions is null)
        {
            return null;
        }

        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation lambda)
            {
                var up = OperationWalk.ParentSkipping(lambda, Wrappers.Conversions | Wrappers.DelegateCreations);

                if (up is IArgumentOperation { Parent: IInvocationOperation invocation }
                    && SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, request.EndpointRouteBuilderExtensions))
                {
                    return lambda;
                }
            }
        }

        return null;
    }

    private static bool IsDeclaredWithin(ISymbol symbol, Microsoft.CodeAnalysis.Text.TextSpan span)
    {
        var references = symbol.DeclaringSyntaxReferences;
        return references.Length > 0 && span.Contains(references[0].Span);
    }
}

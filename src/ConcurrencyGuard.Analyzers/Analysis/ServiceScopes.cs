using System;

namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// "Which service scope owns this local?": a local initialized (and never reassigned) with a service resolved through
/// a scope's provider (<c>scope.ServiceProvider.GetRequiredService&lt;T&gt;()</c>, <c>GetService</c>, <c>GetServices</c>,
/// the keyed forms), directly or through a local holding <c>scope.ServiceProvider</c>, or with that provider itself.
/// Disposing a scope disposes its provider and the disposable services it created, so such a local dies with the
/// scope local. Only the provider and services of a disposable type (or a sequence of them) are owned: a service
/// whose type is not disposable is not disposed itself, and its lifetime is unknown. A disposable singleton resolved
/// through a scope outlives it; from the call site that cannot be told apart, and resolving singletons through a
/// scope that is then disposed is the rarer use.
/// </summary>
public sealed class ServiceScopes
{
    private readonly INamedTypeSymbol? _serviceProvider;
    private readonly INamedTypeSymbol? _scope;
    private readonly INamedTypeSymbol? _asyncScope;
    private readonly INamedTypeSymbol? _enumerable;

    public ServiceScopes(WellKnownTypes types)
    {
        _serviceProvider = types.Get(WellKnownTypeNames.IServiceProvider);
        _scope = types.Get(WellKnownTypeNames.IServiceScope);
        _asyncScope = types.Get(WellKnownTypeNames.AsyncServiceScope);
        _enumerable = types.Compilation.GetSpecialType(SpecialType.System_Collections_Generic_IEnumerable_T);
    }

    /// <summary>Neither scope type exists in the compilation: no local is owned by a scope.</summary>
    public bool IsEmpty => _serviceProvider is null || (_scope is null && _asyncScope is null);

    /// <summary>A local of this type can die with a scope: the provider, a disposable service, or a sequence of them.</summary>
    public bool MayBeOwned(ITypeSymbol type, Func<ITypeSymbol, bool> isDisposable) =>
        !IsEmpty
        && (IsProvider(type) || isDisposable(type)
            || (type is INamedTypeSymbol { TypeArguments.Length: 1 } named
                && SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, _enumerable)
                && isDisposable(named.TypeArguments[0])));

    /// <summary>The scope local that owns <paramref name="local"/>, or null (see the type's summary).</summary>
    public ILocalSymbol? GetOwningScope(ILocalSymbol local, IOperation root, Func<ITypeSymbol, bool> isDisposable)
    {
        if (!MayBeOwned(local.Type, isDisposable) || OperationWalk.SingleInitializer(local, root) is not { } value)
        {
            return null;
        }

        value = OperationWalk.Strip(value);
        if (value is IInvocationOperation call && ResolvedThrough(call) is { } provider)
        {
            value = OperationWalk.Strip(provider);
        }
        else if (!IsProvider(local.Type))
        {
            return null;
        }

        // One hop through a local that holds the provider: `var services = scope.ServiceProvider;`.
        if (value is ILocalReferenceOperation { Local: var holder } && IsProvider(holder.Type) && OperationWalk.SingleInitializer(holder, root) is { } held)
        {
            value = OperationWalk.Strip(held);
        }

        return value is IPropertyReferenceOperation { Property.Name: "ServiceProvider", Instance: ILocalReferenceOperation scope }
            && IsScope(scope.Local.Type)
            ? scope.Local
            : null;
    }

    private bool IsProvider(ITypeSymbol type) => SymbolEqualityComparer.Default.Equals(type, _serviceProvider);

    private bool IsScope(ITypeSymbol type) =>
        SymbolEqualityComparer.Default.Equals(type, _asyncScope) || WellKnownTypes.IsOrImplements(type, _scope);

    /// <summary>The provider a resolution call reads: <c>provider.GetService(type)</c>, or the <c>this</c> argument of the extension methods.</summary>
    private IOperation? ResolvedThrough(IInvocationOperation call)
    {
        var method = call.TargetMethod;
        if (method.Name is not ("GetService" or "GetRequiredService" or "GetServices" or "GetKeyedService" or "GetRequiredKeyedService" or "GetKeyedServices"))
        {
            return null;
        }

        if (call.Instance is { } instance)
        {
            return WellKnownTypes.IsOrImplements(method.ContainingType, _serviceProvider) ? instance : null;
        }

        return method.IsExtensionMethod && method.Parameters.Length > 0 && call.Arguments.Length > 0
            && WellKnownTypes.IsOrImplements(method.Parameters[0].Type, _serviceProvider)
            ? call.Arguments[0].Value
            : null;
    }
}

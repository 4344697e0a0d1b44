using System;
using System.Collections.Concurrent;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp;

namespace ConcurrencyGuard.Analyzers.Closures;

/// <summary>
/// CG5003: deferred code captures a local that is disposed when its scope ends (<c>using</c>,
/// <c>using var</c>, <c>await using</c>) or by an explicit <c>Dispose()</c> later in the method, and the
/// work is not awaited before that: it runs against a disposed object. A local owned by a service scope
/// (<see cref="ServiceScopes"/>: <c>scope.ServiceProvider.GetRequiredService&lt;T&gt;()</c> and friends) is disposed
/// when that scope is.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DisposedResourceCapturedAnalyzer : ConcurrencyGuardAnalyzer
{
    /// <summary>Present (value "true") when the deferring call is a statement that the fix can await in place.</summary>
    public const string AwaitableStatementProperty = "AwaitableStatement";

    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.DisposedResourceCaptured,
        title: "Deferred code captures a resource that is disposed first",
        messageFormat: "'{0}' is disposed {1}, but code that captures it runs later ({2}) and is not awaited before: it will use a disposed object",
        DiagnosticSeverity.Warning,
        description: "A using scope disposes its resource when the scope ends, not when the work that uses it ends. A task, timer or callback that captures the resource and outlives the scope runs against a disposed connection, stream or service scope: ObjectDisposedException in the background, or a silently lost write. Await the work inside the scope, or acquire the resource inside the lambda.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        var disposable = start.Compilation.GetSpecialType(SpecialType.System_IDisposable);
        var asyncDisposable = types.Get(WellKnownTypeNames.IAsyncDisposable);
        var deferredCode = DeferredCode.GetOrCreate(types);
        var isDisposable = new ConcurrentDictionary<ITypeSymbol, bool>(SymbolEqualityComparer.Default);
        bool IsDisposableType(ITypeSymbol type) =>
            isDisposable.GetOrAdd(type, t => WellKnownTypes.IsOrImplements(t, disposable) || WellKnownTypes.IsOrImplements(t, asyncDisposable));
        var scopes = new ServiceScopes(types);
        start.RegisterOperationAction(c => Analyze(c, deferredCode, IsDisposableType, scopes), OperationKind.AnonymousFunction, OperationKind.DelegateCreation);
    }

    private static void Analyze(OperationAnalysisContext context, DeferredCode deferredCode, Func<ITypeSymbol, bool> isDisposable, ServiceScopes scopes)
    {
        var operation = context.Operation;
        if (operation is IDelegateCreationOperation { Target: IAnonymousFunctionOperation } || DeferredCode.GetFunction(operation) is not { } function)
        {
            return;
        }

        var captured = DeferredCode.GetCapturedVariables(function);
        if (!captured.Any(c => c.Symbol is ILocalSymbol local && (local.IsUsing || isDisposable(local.Type) || scopes.MayBeOwned(local.Type, isDisposable))))
        {
            return;
        }

        var deferral = deferredCode.Classify(operation);
        if (!deferral.IsDeferred)
        {
            return;
        }

        var root = OperationWalk.Root(operation);

        foreach (var variable in captured)
        {
            if (variable.Symbol is not ILocalSymbol local
                || (DisposalPoint(local, function, root, isDisposable) ?? ScopeDisposalPoint(local, function, root, isDisposable, scopes)) is not { } disposal
                || Exempt(deferral, local))
            {
                continue;
            }

            if (disposal.Position <= function.Syntax.SpanStart
                || OwnerDisposedFirst(deferral, local, disposal)
                || deferredCode.IsTaskAwaitedBefore(deferral, root, disposal.Position)
                || !HolderStillUsedAfter(deferral, root, disposal.Position))
            {
                continue;
            }

            var properties = ImmutableDictionary<string, string?>.Empty;
            if (IsAwaitableStatement(deferral))
            {
                properties = properties.Add(AwaitableStatementProperty, "true");
            }

            context.Report(
                Rule,
                DeferredCode.GetReportLocation(operation),
                variable.References.Select(r => r.Syntax.GetLocation()),
                properties,
                local.Name,
                disposal.Description,
                deferral.Describe());
        }
    }

    private readonly struct Disposal
    {
        public Disposal(int position, string description)
        {
            Position = position;
            Description = description;
        }

        public int Position { get; }
        public string Description { get; }
    }

    /// <summary>Where the local is disposed: the end of its using scope, or the first explicit Dispose/DisposeAsync after the lambda.</summary>
    private static Disposal? DisposalPoint(ILocalSymbol local, IOperation function, IOperation root, Func<ITypeSymbol, bool> isDisposable)
    {
        var declarator = local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax();
        if (local.IsUsing && declarator?.Parent is VariableDeclarationSyntax declaration)
        {
            switch (declaration.Parent)
            {
                case UsingStatementSyntax usingStatement:
                    return new Disposal(usingStatement.Span.End - 1, "when its using block ends");
                case LocalDeclarationStatementSyntax { UsingKeyword.RawKind: (int)SyntaxKind.UsingKeyword } usingDeclaration:
                    return usingDeclaration.Parent is { } scope ? new Disposal(scope.Span.End - 1, "at the end of its scope (using declaration)") : null;
            }
        }

        if (!isDisposable(local.Type))
        {
            return null;
        }

        var after = function.Syntax.Span.End;
        IOperation? first = null;
        foreach (var op in root.DescendantsAndSelf())
        {
            if (op is IInvocationOperation { TargetMethod.Name: "Dispose" or "DisposeAsync", Instance: ILocalReferenceOperation receiver } call
                && SymbolEqualityComparer.Default.Equals(receiver.Local, local)
                && call.Syntax.SpanStart >= after
                && (first is null || call.Syntax.SpanStart < first.Syntax.SpanStart))
            {
                first = call;
            }
        }

        return first is null ? null : new Disposal(first.Syntax.SpanStart, "by the Dispose call that follows");
    }

    /// <summary>A service (or the provider) resolved through a scope local is disposed when that scope is.</summary>
    private static Disposal? ScopeDisposalPoint(ILocalSymbol local, IOperation function, IOperation root, Func<ITypeSymbol, bool> isDisposable, ServiceScopes scopes)
    {
        if (scopes.GetOwningScope(local, root, isDisposable) is not { } scope
            || DisposalPoint(scope, function, root, isDisposable) is not { } disposal)
        {
            return null;
        }

        return new Disposal(disposal.Position, "with the service scope '" + scope.Name + "' that resolved it (" + disposal.Description + ")");
    }

    /// <summary>
    /// The deferred code lives no longer than the resource: subscribed to the resource's own event, stored in
    /// one of its members, or given to the resource's own constructor (<c>using var t = new Timer(_ =&gt; ... t ...)</c>).
    /// </summary>
    private static bool Exempt(Deferral deferral, ILocalSymbol local)
    {
        if (deferral.HoldingLocal is { } holder && SymbolEqualityComparer.Default.Equals(holder, local))
        {
            return true;
        }

        var declarator = local.DeclaringSyntaxReferences.FirstOrDefault();
        return deferral.Site is { } site && declarator is not null && declarator.Span.Contains(site.Syntax.Span);
    }

    /// <summary>
    /// The deferred code belongs to another using resource that is disposed before the captured one:
    /// <c>using var watcher = ...; using var timer = new Timer(_ =&gt; watcher...);</c> (using declarations are
    /// disposed in reverse order), or a <c>using (var timer = new Timer(...))</c> block inside the captured one's scope.
    /// </summary>
    private static bool OwnerDisposedFirst(Deferral deferral, ILocalSymbol local, Disposal disposal)
    {
        if (deferral.Site?.Syntax is not { } site)
        {
            return false;
        }

        var ownerDeclaration = site.FirstAncestorOrSelf<VariableDeclarationSyntax>();
        var ownerEnd = ownerDeclaration?.Parent switch
        {
            UsingStatementSyntax usingStatement => usingStatement.Span.End - 1,
            LocalDeclarationStatementSyntax { UsingKeyword.RawKind: (int)SyntaxKind.UsingKeyword } usingDeclaration => usingDeclaration.Parent?.Span.End - 1,
            _ => null,
        };
        if (ownerEnd is null || ownerDeclaration is null)
        {
            return false;
        }

        var capturedStart = local.DeclaringSyntaxReferences.FirstOrDefault()?.Span.Start ?? int.MaxValue;
        return ownerEnd < disposal.Position || (ownerEnd == disposal.Position && ownerDeclaration.SpanStart > capturedStart);
    }

    private static bool HolderStillUsedAfter(Deferral deferral, IOperation root, int position)
    {
        if (deferral.Kind is not (DeferralKind.DeferredQuery or DeferralKind.StoredInLocal) || deferral.HoldingLocal is not { } holder)
        {
            return true;
        }

        foreach (var op in root.DescendantsAndSelf())
        {
            if (op is ILocalReferenceOperation reference
                && SymbolEqualityComparer.Default.Equals(reference.Local, holder)
                && reference.Syntax.SpanStart > position)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>Task.Run(...);</c> or <c>_ = Task.Run(...);</c>: the fixer can turn it into <c>await Task.Run(...);</c>.</summary>
    private static bool IsAwaitableStatement(Deferral deferral)
    {
        if (deferral.Task is not { } task)
        {
            return false;
        }

        var parent = task.Parent;
        if (parent is ISimpleAssignmentOperation { Target: IDiscardOperation } discard)
        {
            parent = discard.Parent;
        }

        return parent is IExpressionStatementOperation;
    }

}

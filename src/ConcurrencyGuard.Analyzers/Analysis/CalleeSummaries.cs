using System.Linq;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// What one level of a called method's body says about the task it returns (see <see cref="CalleeSummaries"/>).
/// Every answer is "proved" or "not known": <see cref="Unknown"/> (all false) is the safe default.
/// </summary>
public sealed class CalleeSummary
{
    public static readonly CalleeSummary Unknown = new(false, false, false);

    internal CalleeSummary(bool taskCannotFault, bool observesOwnFailures, bool cannotThrow, IMethodSymbol? forwardsTo = null)
    {
        TaskCannotFault = taskCannotFault;
        ObservesOwnFailures = observesOwnFailures;
        CannotThrow = cannotThrow;
        ForwardsTo = forwardsTo;
    }

    /// <summary>A non-async method whose whole body returns the task of another call (<c>Task M() =&gt; N(x);</c>): its task is N's.</summary>
    internal IMethodSymbol? ForwardsTo { get; }

    /// <summary>
    /// The task it returns cannot fault: a non-async method whose every return is an already completed task
    /// (or a <c>Task.Run</c> that only completes a completion source, see <see cref="FailureFreeCode.IsCompletionOnlyWork"/>),
    /// or an async method whose body cannot throw.
    /// </summary>
    public bool TaskCannotFault { get; }

    /// <summary>
    /// It observes its own failures: an async method (or a synchronous one that returns no task) whose whole body is a
    /// try with a catch-all that does not rethrow (<see cref="FailureFreeCode.ContainsFailures"/>), or a helper that attaches an observing
    /// continuation to the task it is given.
    /// </summary>
    public bool ObservesOwnFailures { get; }

    /// <summary>Running the (synchronous) body cannot throw (<see cref="FailureFreeCode.CannotThrow"/>).</summary>
    public bool CannotThrow { get; }

    /// <summary>Dropping the task of a call to it loses no exception.</summary>
    public bool DropsHarmlessly => TaskCannotFault || ObservesOwnFailures;
}

/// <summary>
/// The one-level summary of a called method of the same compilation: not virtual, abstract or an interface
/// member, with a body in source. Computed once per method and cached per compilation; the callee's own
/// callees are not followed (one level).
/// </summary>
public sealed class CalleeSummaries
{
    private static readonly ConditionalWeakTable<Compilation, CalleeSummaries> Cache = new();

    private readonly Compilation _compilation;
    private readonly WellKnownTypes _types;
    private readonly ConcurrentDictionary<IMethodSymbol, CalleeSummary> _summaries = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<SyntaxTree, SemanticModel> _models = new();

    /// <summary>The other per-callee fact of this compilation: does the call finish synchronously (see <see cref="SynchronousCompletion"/>).</summary>
    internal ConcurrentDictionary<IMethodSymbol, SynchronousCompletion.MethodFact> SynchronousFacts { get; } = new(SymbolEqualityComparer.Default);

    private CalleeSummaries(Compilation compilation)
    {
        _compilation = compilation;
        _types = WellKnownTypes.GetOrCreate(compilation);
    }

    /// <summary>The summaries of <paramref name="compilation"/>'s methods.</summary>
    public static CalleeSummaries For(Compilation compilation) =>
        Cache.GetValue(compilation, static c => new CalleeSummaries(c));

    /// <summary>The summary of <paramref name="method"/>; <see cref="CalleeSummary.Unknown"/> when it cannot be read.</summary>
    public CalleeSummary Get(IMethodSymbol? method)
    {
        if (method is null)
        {
            return CalleeSummary.Unknown;
        }

        // A forwarder (Task M() => N(x);) hands back N's task: follow a short chain of them, so the answer does not
        // depend on which method was asked first (each summary itself stays one level).
        var summary = CalleeSummary.Unknown;
        for (var hops = 0; method is not null && hops < MaxForwarders; hops++)
        {
            var definition = (method.ReducedFrom ?? method).OriginalDefinition;
            definition = definition.PartialImplementationPart ?? definition;
            summary = _summaries.GetOrAdd(definition, Compute);
            method = summary.ForwardsTo;
        }

        return method is null ? summary : CalleeSummary.Unknown;
    }

    private const int MaxForwarders = 4;

    private CalleeSummary Compute(IMethodSymbol method)
    {
        try
        {
            var body = GetBody(method);
            if (body is null)
            {
                return CalleeSummary.Unknown;
            }

            var types = _types;
            if (method.IsAsync)
            {
                var cannotThrow = FailureFreeCode.CannotThrow(body, types);
                return new CalleeSummary(cannotThrow, FailureFreeCode.ContainsFailures(body, types), cannotThrow: false);
            }

            var returnsTask = types.IsTaskLike(method.ReturnType);
            if (returnsTask && Forwarded(body) is { } target)
            {
                return new CalleeSummary(false, false, false, target);
            }

            var returnsCompleted = returnsTask && EveryReturnIsCompleted(body, types);

            // A synchronous body that contains its failures cannot fault the Task.Run it is given to; a Task-returning
            // one can still return a faulting task from inside its try.
            var observes = AttachesObserverToParameter(method, body, types) || (!returnsTask && FailureFreeCode.ContainsFailures(body, types));
            return new CalleeSummary(returnsCompleted, observes, FailureFreeCode.CannotThrow(body, types));
        }
        catch (System.Exception)
        {
            // Never throw from an analyzer: an unreadable callee is simply not known.
            return CalleeSummary.Unknown;
        }
    }

    /// <summary>
    /// A body every call of <paramref name="method"/> certainly runs: declared in source, not abstract, virtual,
    /// extern or an overridable override, not an interface member.
    /// </summary>
    public static bool HasKnownBody(IMethodSymbol method) =>
        !method.IsAbstract && !method.IsVirtual && !method.IsExtern
        && (!method.IsOverride || method.IsSealed || method.ContainingType?.IsSealed == true)
        && method.ContainingType?.TypeKind != TypeKind.Interface
        && method.DeclaringSyntaxReferences.Length > 0;

    /// <summary>The body of a method or local function of this compilation with a known body (one declaration); null otherwise.</summary>
    public IBlockOperation? GetBody(IMethodSymbol method)
    {
        if (!SymbolEqualityComparer.Default.Equals(method.ContainingAssembly, _compilation.Assembly)
            || !HasKnownBody(method)
            || method.DeclaringSyntaxReferences.Length != 1)
        {
            return null;
        }

        var reference = method.DeclaringSyntaxReferences[0];
        var syntax = reference.GetSyntax();
        if (syntax is not (MethodDeclarationSyntax or LocalFunctionStatementSyntax))
        {
            return null;
        }

        var model = _models.GetOrAdd(reference.SyntaxTree, GetModel);
        return model.GetOperation(syntax) switch
        {
            IMethodBodyOperation body => body.BlockBody ?? body.ExpressionBody,
            ILocalFunctionOperation local => local.Body ?? local.IgnoredBody,
            _ => null,
        };
    }

    /// <summary>
    /// The operation trees of every member body, accessor and field or property initializer of <paramref name="type"/>
    /// (all its partial declarations, nested types excluded), computed once per type: the scope of a private field.
    /// Empty when the type is not declared in this compilation.
    /// </summary>
    public ImmutableArray<IOperation> GetMemberBodies(INamedTypeSymbol type) =>
        _memberBodies.GetOrAdd(type.OriginalDefinition, ComputeMemberBodies);

    private readonly ConcurrentDictionary<INamedTypeSymbol, ImmutableArray<IOperation>> _memberBodies = new(SymbolEqualityComparer.Default);

    private ImmutableArray<IOperation> ComputeMemberBodies(INamedTypeSymbol type)
    {
        var result = ImmutableArray.CreateBuilder<IOperation>();
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (!_compilation.ContainsSyntaxTree(reference.SyntaxTree))
            {
                return ImmutableArray<IOperation>.Empty;
            }

            var model = _models.GetOrAdd(reference.SyntaxTree, GetModel);
            var declaration = reference.GetSyntax();
            foreach (var node in declaration.DescendantNodes(n => n == declaration || n is not BaseTypeDeclarationSyntax))
            {
                if (node is BaseMethodDeclarationSyntax
                    or AccessorDeclarationSyntax
                    or ArrowExpressionClauseSyntax { Parent: PropertyDeclarationSyntax or IndexerDeclarationSyntax }
                    or EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent.Parent: FieldDeclarationSyntax } }
                    or EqualsValueClauseSyntax { Parent: PropertyDeclarationSyntax }
                    && model.GetOperation(node) is { } operation)
                {
                    result.Add(operation);
                }
            }
        }

        return result.ToImmutable();
    }

#pragma warning disable RS1030 // The callee's body is in another tree than the one being analysed; its model is built once per tree and cached.
    private SemanticModel GetModel(SyntaxTree tree) => _compilation.GetSemanticModel(tree);
#pragma warning restore RS1030

    /// <summary>
    /// The delegate parameter of an aggregator whose task is only the combination of that callback's tasks:
    /// a non-async method of this compilation, returning a task, whose every <c>return</c> is <c>Task.WhenAll(e)</c> where
    /// the only tasks in <c>e</c> come from invoking the parameter (<c>Task.WhenAll(_observers.Select(o =&gt; callback(o)))</c>).
    /// No other task-typed value (a field, a local, another call's task, a collection of tasks) may sit in <c>e</c>.
    /// Given a callback whose every task is complete, the aggregate is complete too (its synchronous throws, say a
    /// collection modified while enumerated, reach the caller, not the dropped task). Null when not such a method.
    /// </summary>
    public IParameterSymbol? GetAggregatedCallback(IMethodSymbol method)
    {
        try
        {
            var definition = (method.ReducedFrom ?? method).OriginalDefinition;
            if (definition.IsAsync || !_types.IsTaskLike(definition.ReturnType) || GetBody(definition) is not { } body)
            {
                return null;
            }

            IParameterSymbol? callback = null;
            var returns = 0;
            foreach (var op in FailureFreeCode.OwnDescendants(body))
            {
                if (op is not IReturnOperation { ReturnedValue: { } value })
                {
                    continue;
                }

                returns++;
                if (OperationWalk.Strip(value, Wrappers.ConversionsAndParentheses) is not IInvocationOperation { TargetMethod: { IsStatic: true, Name: "WhenAll" } whenAll } all
                    || !SymbolEqualityComparer.Default.Equals(whenAll.ContainingType, _types.Task)
                    || all.Arguments.Length != 1
                    || OnlyTasksOfOneCallback(all.Arguments[0].Value, definition) is not { } parameter
                    || (callback is not null && !SymbolEqualityComparer.Default.Equals(callback, parameter)))
                {
                    return null;
                }

                callback = parameter;
            }

            return returns > 0 ? callback : null;
        }
        catch (System.Exception)
        {
            return null;
        }
    }

    private IParameterSymbol? OnlyTasksOfOneCallback(IOperation tasks, IMethodSymbol method)
    {
        IParameterSymbol? callback = null;
        foreach (var op in tasks.DescendantsAndSelf())
        {
            switch (op)
            {
                case IInvocationOperation { TargetMethod.MethodKind: MethodKind.DelegateInvoke } invoke
                    when OperationWalk.StripOrNull(invoke.Instance, Wrappers.ConversionsAndParentheses) is IParameterReferenceOperation p
                        && SymbolEqualityComparer.Default.Equals(p.Parameter.ContainingSymbol, method)
                        && _types.IsTaskLike(invoke.Type):
                    if (callback is not null && !SymbolEqualityComparer.Default.Equals(callback, p.Parameter))
                    {
                        return null;
                    }

                    callback = p.Parameter;
                    continue;
                case IParameterReferenceOperation p when p.Parameter.Type.TypeKind == TypeKind.Delegate:
                case IConversionOperation or IParenthesizedOperation:
                    // A conversion is judged by its operand, visited on its own.
                    continue;
            }

            // Any other value that is or holds tasks (Task, Task[], List<Task>, IEnumerable<Task>) may hold one that faults.
            if (op.Type is { } type && HoldsTasks(type) && !IsSelectionOfCallback(op))
            {
                return null;
            }
        }

        return callback;
    }

    /// <summary>The tasks a projection builds from the callback (<c>items.Select(x =&gt; callback(x))</c>, or <c>.ToArray()</c> of it): checked through its parts.</summary>
    private bool IsSelectionOfCallback(IOperation op) =>
        op is IInvocationOperation { TargetMethod: { Name: "Select" or "ToArray" or "ToList" } linq }
        && _types.Is(linq.ContainingType, WellKnownTypeNames.Enumerable);

    private bool HoldsTasks(ITypeSymbol type) =>
        type.TypeKind != TypeKind.Delegate
        && (_types.IsTaskLike(type)
        || (type is IArrayTypeSymbol array && HoldsTasks(array.ElementType))
        || (type is INamedTypeSymbol { IsGenericType: true } named && named.TypeArguments.Any(HoldsTasks)));

    /// <summary>The method whose task the body returns when the body is only <c>return N(...);</c> of a method of this compilation.</summary>
    private IMethodSymbol? Forwarded(IBlockOperation body)
    {
        if (body.Operations.Length == 1
            && body.Operations[0] is IReturnOperation { ReturnedValue: { } value }
            && OperationWalk.Strip(value, Wrappers.ConversionsAndParentheses) is IInvocationOperation call
            && SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingAssembly, _compilation.Assembly)
            && !FailureFreeCode.RunsCompletionOnlyWork(call, _types))
        {
            return call.TargetMethod;
        }

        return null;
    }

    /// <summary>Every <c>return</c> of the body (not of nested functions) hands back a task that is already complete or cannot fault; at least one.</summary>
    private static bool EveryReturnIsCompleted(IBlockOperation body, WellKnownTypes types)
    {
        var returns = 0;
        foreach (var op in FailureFreeCode.OwnDescendants(body))
        {
            if (op is IReturnOperation { ReturnedValue: { } value })
            {
                returns++;
                if (!FailureFreeCode.IsCompletedOrCannotFault(value, types))
                {
                    return false;
                }
            }
        }

        return returns > 0;
    }

    /// <summary>
    /// <c>static Task Observe(this Task t) { t.ContinueWith(h, OnlyOnFaulted); return t; }</c>: the body attaches an
    /// observing continuation (<see cref="TaskObservers.IsObservingContinuation"/>) to its first parameter.
    /// </summary>
    private static bool AttachesObserverToParameter(IMethodSymbol method, IBlockOperation body, WellKnownTypes types)
    {
        if (method.Parameters.Length == 0 || !types.IsTask(method.Parameters[0].Type))
        {
            return false;
        }

        foreach (var op in FailureFreeCode.OwnDescendants(body))
        {
            if (op is IInvocationOperation invocation
                && TaskObservers.IsObservingContinuation(invocation, types)
                && OperationWalk.StripOrNull(invocation.Instance, Wrappers.ConversionsAndParentheses) is IParameterReferenceOperation receiver
                && SymbolEqualityComparer.Default.Equals(receiver.Parameter, method.Parameters[0]))
            {
                return true;
            }
        }

        return false;
    }
}

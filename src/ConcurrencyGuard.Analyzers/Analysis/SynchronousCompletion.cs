using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// "Does this call finish synchronously for these constant arguments?" (issue #17, pattern 2). The task a
/// call to a same-compilation method returns is already complete when, with the call's constant arguments
/// bound to the callee's parameters, every place where the callee could hand back a pending task is dead:
/// <list type="bullet">
/// <item>in an <c>async</c> callee, every <c>await</c> (and <c>await using</c>/<c>await foreach</c>) sits under a
/// guard the constants decide false (<c>if (async) await ...</c> called with <c>async: false</c>; code after
/// <c>if (mode == Mode.CacheOnly) return ...;</c> called with that mode), or awaits a call that is itself
/// synchronous for the arguments it forwards (<c>await Flush(async)</c>);</item>
/// <item>in a task-returning callee that is not <c>async</c>, every <c>return</c> not so guarded returns a task
/// complete by construction (<c>Task.CompletedTask</c>, <c>new ValueTask()</c>, <c>FromResult</c>) or such a call
/// (a forwarder).</item>
/// </list>
/// Guards understood: a <c>bool</c> parameter, <c>!</c>, <c>==</c>/<c>!=</c> against a constant, <c>&amp;&amp;</c> (then-branch),
/// <c>||</c> (else-branch), <c>?:</c>, and an <c>if</c> without else whose branch always leaves. Parameters the callee
/// assigns are never used as guards. Only bodies the call certainly runs are followed (not virtual, abstract or
/// interface members). Per method, the sites and their guards are computed once per compilation
/// (<see cref="MethodFact"/>, kept with the other callee facts in <see cref="CalleeSummaries"/>, which also reads the
/// bodies); the evaluation for given constants follows callees up to <see cref="MaxDepth"/> levels.
/// </summary>
public static class SynchronousCompletion
{
    private const int MaxDepth = 10;

    /// <summary>True when <paramref name="call"/> returns a task that is complete when the call returns.</summary>
    public static bool CompletesSynchronously(IInvocationOperation call, WellKnownTypes types)
    {
        if (!types.IsTaskLike(call.Type) || !CalleeSummaries.HasKnownBody(call.TargetMethod))
        {
            return false;
        }

        var bindings = BindArguments(call, caller: null);
        return Evaluate(call.TargetMethod, bindings, types, MaxDepth, new HashSet<string>());
    }

    /// <summary>The per-method fact: null sites when the body cannot be summarised.</summary>
    public sealed class MethodFact
    {
        public static readonly MethodFact Opaque = new(default);

        public MethodFact(ImmutableArray<Site> sites) => Sites = sites;

        /// <summary>Where the method may hand back a pending task; default when unknown (never synchronous).</summary>
        public ImmutableArray<Site> Sites { get; }
    }

    /// <summary>One place a pending task may come from, reachable only when every guard literal may hold.</summary>
    public sealed class Site
    {
        public Site(ImmutableArray<Literal> guard, IMethodSymbol? callee, ImmutableArray<Argument> arguments)
        {
            Guard = guard;
            Callee = callee;
            Arguments = arguments;
        }

        public ImmutableArray<Literal> Guard { get; }

        /// <summary>The same-compilation method whose task is awaited or returned; null: a task that may be pending.</summary>
        public IMethodSymbol? Callee { get; }

        /// <summary>Per callee parameter ordinal: what the call passes.</summary>
        public ImmutableArray<Argument> Arguments { get; }
    }

    /// <summary><c>parameter == value</c> (or <c>!=</c> when <see cref="Equal"/> is false).</summary>
    public readonly struct Literal
    {
        public Literal(int ordinal, object? value, bool equal)
        {
            Ordinal = ordinal;
            Value = value;
            Equal = equal;
        }

        public int Ordinal { get; }

        public object? Value { get; }

        public bool Equal { get; }

        public Literal Negate() => new(Ordinal, Value, !Equal);
    }

    /// <summary>An argument: a constant, the caller's own parameter (forwarded), or unknown.</summary>
    public readonly struct Argument
    {
        private Argument(bool isConstant, object? constant, int forwarded)
        {
            IsConstant = isConstant;
            Constant = constant;
            Forwarded = forwarded;
        }

        public static Argument Unknown => new(false, null, -1);

        public bool IsConstant { get; }

        public object? Constant { get; }

        /// <summary>The caller's parameter ordinal passed on, or -1.</summary>
        public int Forwarded { get; }

        public static Argument Of(IOperation value, IMethodSymbol? caller)
        {
            value = OperationWalk.Strip(value, Wrappers.ConversionsAndParentheses);
            if (value.ConstantValue.HasValue)
            {
                return new Argument(true, value.ConstantValue.Value, -1);
            }

            return value is IParameterReferenceOperation { Parameter: { } parameter } && caller is not null
                && SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, caller)
                ? new Argument(false, null, parameter.Ordinal)
                : Unknown;
        }
    }

    /// <summary>
    /// The synchronous branch of a dual-mode function: <paramref name="operation"/> runs only for some values of a
    /// parameter of its enclosing function (or of a method it is nested in): a <c>bool</c> flag (<c>if (async) ... else here</c>,
    /// <c>async ? await a : here</c>, after <c>if (async) { await ...; return; }</c>) or a mode compared with a constant
    /// (<c>if (mode == IOMode.Asynchronous) await ...; else here</c>), and the branch taken for the other values awaits.
    /// The flag selects synchronous I/O for synchronous callers; the async path is the other branch.
    /// With <paramref name="types"/>, a function that returns a task without <c>async</c> counts too: its async branch
    /// hands back the task of an async call instead of awaiting it (<c>if (async) return s.FlushAsync(ct); s.Flush();</c>,
    /// <c>async ? ReadAsync(r) : new(Read(r))</c>, <c>if (!async) { Write(w); return default; } return WriteAsync(w);</c>).
    /// </summary>
    public static bool IsSynchronousBranchOfDualMode(IOperation operation, WellKnownTypes? types = null)
    {
        HashSet<int>? assigned = null;
        bool IsFlag(IParameterSymbol parameter)
        {
            // The function's own flag, or one it captures from an enclosing method (a dual-mode local function).
            if (parameter.RefKind != RefKind.None || !Encloses(parameter.ContainingSymbol, operation))
            {
                return false;
            }

            assigned ??= AssignedParameters(OperationWalk.Root(operation));
            return !assigned.Contains(parameter.Ordinal);
        }

        bool SelectsSync(IOperation condition, bool whenTrue)
        {
            // `if (async) ... else here`, `if (!sync) ... else here`, and a mode parameter compared with a constant
            // (`if (mode == IOMode.Asynchronous) ... else here`): the branch is chosen by the caller's argument.
            foreach (var literal in Literals(condition, whenTrue, IsFlag))
            {
                if (literal.Value is not null)
                {
                    return true;
                }
            }

            return false;
        }

        var child = operation;
        for (var parent = operation.Parent; parent is not null; child = parent, parent = parent.Parent)
        {
            switch (parent)
            {
                case IAnonymousFunctionOperation or ILocalFunctionOperation or IMethodBodyOperation:
                    return false;

                case IConditionalOperation conditional when !ReferenceEquals(child, conditional.Condition):
                    var inTrue = ReferenceEquals(child, conditional.WhenTrue);
                    var other = inTrue ? conditional.WhenFalse : conditional.WhenTrue;
                    if (other is not null && SelectsSync(conditional.Condition, inTrue) && HandsOffAsync(other, types))
                    {
                        return true;
                    }

                    // if (!async) { Write(w); return default; } ... the async path follows the if.
                    if (other is null && inTrue && AlwaysLeaves(conditional.WhenTrue) && SelectsSync(conditional.Condition, whenTrue: true)
                        && conditional.Parent is IBlockOperation container && FollowingHandOffAsync(container, conditional, types))
                    {
                        return true;
                    }

                    break;

                case IBlockOperation block:
                    foreach (var statement in block.Operations)
                    {
                        if (ReferenceEquals(statement, child))
                        {
                            break;
                        }

                        if (statement is IConditionalOperation { WhenFalse: null } exit && AlwaysLeaves(exit.WhenTrue)
                            && SelectsSync(exit.Condition, whenTrue: false) && HandsOffAsync(exit.WhenTrue, types))
                        {
                            return true;
                        }
                    }

                    break;
            }
        }

        return false;
    }

    private static bool Encloses(ISymbol symbol, IOperation operation)
    {
        foreach (var reference in symbol.DeclaringSyntaxReferences)
        {
            if (reference.SyntaxTree == operation.Syntax.SyntaxTree && reference.Span.Contains(operation.Syntax.Span))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The branch awaits, or (given <paramref name="types"/>, for functions that return their task without <c>async</c>)
    /// starts an async call: a call returning a task-like (<c>return s.FlushAsync(ct);</c>,
    /// the arm of <c>async ? ReadAsync(r) : ...</c>, <c>var task = ReadAsync(r); return task.IsCompleted ? ... : Core(task);</c>).
    /// </summary>
    private static bool HandsOffAsync(IOperation branch, WellKnownTypes? types)
    {
        foreach (var op in branch.DescendantsAndSelf())
        {
            if (op is IAwaitOperation
                || (types is not null && op is IInvocationOperation call && types.IsTaskLike(call.Type)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A statement after <paramref name="statement"/> in <paramref name="block"/> hands off to the async path.</summary>
    private static bool FollowingHandOffAsync(IBlockOperation block, IOperation statement, WellKnownTypes? types)
    {
        var after = false;
        foreach (var next in block.Operations)
        {
            if (after && HandsOffAsync(next, types))
            {
                return true;
            }

            after |= ReferenceEquals(next, statement);
        }

        return false;
    }

    /// <summary>The branch always leaves the rest of its block: it ends in return, throw, break or continue.</summary>
    private static bool AlwaysLeaves(IOperation branch)
    {
        while (branch is IBlockOperation { Operations.Length: > 0 } block)
        {
            branch = block.Operations[block.Operations.Length - 1];
        }

        return branch is IReturnOperation or IBranchOperation { BranchKind: BranchKind.Break or BranchKind.Continue }
            or IThrowOperation or IExpressionStatementOperation { Operation: IThrowOperation };
    }

    private static ImmutableArray<Argument> BindArguments(IInvocationOperation call, IMethodSymbol? caller)
    {
        var parameters = call.TargetMethod.Parameters;
        var arguments = new Argument[parameters.Length];
        for (var i = 0; i < arguments.Length; i++)
        {
            arguments[i] = Argument.Unknown;
        }

        foreach (var argument in call.Arguments)
        {
            if (argument.Parameter is { } parameter && parameter.Ordinal < arguments.Length && !parameter.IsParams)
            {
                arguments[parameter.Ordinal] = Argument.Of(argument.Value, caller);
            }
        }

        return ImmutableArray.Create(arguments);
    }

    private static bool Evaluate(IMethodSymbol method, ImmutableArray<Argument> bindings, WellKnownTypes types, int depth, HashSet<string> visiting)
    {
        if (depth <= 0)
        {
            return false;
        }

        // A recursive call with the same constants: assume it synchronous (a pending task must come from some
        // other site, and those are all checked); with other constants it is evaluated on its own.
        var key = Key(method, bindings);
        if (!visiting.Add(key))
        {
            return true;
        }

        try
        {
            var fact = GetFact(method.OriginalDefinition, types);
            if (fact.Sites.IsDefault)
            {
                return false;
            }

            foreach (var site in fact.Sites)
            {
                if (IsDead(site.Guard, bindings))
                {
                    continue;
                }

                if (site.Callee is null)
                {
                    return false;
                }

                var forwarded = new Argument[site.Arguments.Length];
                for (var i = 0; i < forwarded.Length; i++)
                {
                    var argument = site.Arguments[i];
                    forwarded[i] = argument.Forwarded >= 0 && argument.Forwarded < bindings.Length ? bindings[argument.Forwarded] : argument;
                    if (!forwarded[i].IsConstant)
                    {
                        forwarded[i] = Argument.Unknown;
                    }
                }

                if (!Evaluate(site.Callee, ImmutableArray.Create(forwarded), types, depth - 1, visiting))
                {
                    return false;
                }
            }

            return true;
        }
        finally
        {
            visiting.Remove(key);
        }
    }

    private static string Key(IMethodSymbol method, ImmutableArray<Argument> bindings)
    {
        var key = new System.Text.StringBuilder(method.OriginalDefinition.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat));
        foreach (var binding in bindings)
        {
            key.Append('|').Append(binding.IsConstant ? (binding.Constant?.ToString() ?? "null") : "?");
        }

        return key.ToString();
    }

    private static bool IsDead(ImmutableArray<Literal> guard, ImmutableArray<Argument> bindings)
    {
        foreach (var literal in guard)
        {
            if (literal.Ordinal < bindings.Length && bindings[literal.Ordinal] is { IsConstant: true } bound
                && Equals(bound.Constant, literal.Value) != literal.Equal)
            {
                return true;
            }
        }

        return false;
    }

    private static MethodFact GetFact(IMethodSymbol method, WellKnownTypes types) =>
        CalleeSummaries.For(types.Compilation).SynchronousFacts.GetOrAdd(method, m => Compute(m, types));

    private static MethodFact Compute(IMethodSymbol method, WellKnownTypes types)
    {
        if (!types.IsTaskLike(method.ReturnType))
        {
            return MethodFact.Opaque;
        }

        var body = CalleeSummaries.For(types.Compilation).GetBody(method);
        if (body is null)
        {
            return MethodFact.Opaque;
        }

        var collector = new Collector(method, types, AssignedParameters(body));
        collector.Walk(body, ImmutableArray<Literal>.Empty);
        return new MethodFact(collector.Sites.ToImmutable());
    }

    private static HashSet<int> AssignedParameters(IOperation body)
    {
        var assigned = new HashSet<int>();
        foreach (var op in body.DescendantsAndSelf())
        {
            var target = op switch
            {
                IAssignmentOperation assignment => assignment.Target,
                IIncrementOrDecrementOperation increment => increment.Target,
                IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } argument => argument.Value,
                _ => null,
            };

            if (target is IParameterReferenceOperation { Parameter: { } parameter })
            {
                assigned.Add(parameter.Ordinal);
            }
        }

        return assigned;
    }

    /// <summary>The literals that hold in the branch of <paramref name="condition"/> (a conjunction; empty when not understood).</summary>
    private static ImmutableArray<Literal> Literals(IOperation condition, bool whenTrue, System.Func<IParameterSymbol, bool> accept)
    {
        condition = OperationWalk.Strip(condition, Wrappers.ConversionsAndParentheses);
        switch (condition)
        {
            case IParameterReferenceOperation { Parameter: { Type.SpecialType: SpecialType.System_Boolean } parameter } when accept(parameter):
                return ImmutableArray.Create(new Literal(parameter.Ordinal, true, whenTrue));

            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not, Operand: { } operand }:
                return Literals(operand, !whenTrue, accept);

            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals } binary:
                var equal = binary.OperatorKind == BinaryOperatorKind.Equals;
                if (Compare(binary.LeftOperand, binary.RightOperand, equal == whenTrue, accept) is { } left)
                {
                    return ImmutableArray.Create(left);
                }

                return Compare(binary.RightOperand, binary.LeftOperand, equal == whenTrue, accept) is { } right ? ImmutableArray.Create(right) : ImmutableArray<Literal>.Empty;

            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd } conjunction when whenTrue:
                return Literals(conjunction.LeftOperand, true, accept).AddRange(Literals(conjunction.RightOperand, true, accept));

            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalOr } disjunction when !whenTrue:
                return Literals(disjunction.LeftOperand, false, accept).AddRange(Literals(disjunction.RightOperand, false, accept));

            default:
                return ImmutableArray<Literal>.Empty;
        }
    }

    private static Literal? Compare(IOperation parameterSide, IOperation constantSide, bool equal, System.Func<IParameterSymbol, bool> accept)
    {
        parameterSide = OperationWalk.Strip(parameterSide, Wrappers.ConversionsAndParentheses);
        constantSide = OperationWalk.Strip(constantSide, Wrappers.ConversionsAndParentheses);
        return parameterSide is IParameterReferenceOperation { Parameter: { } parameter } && accept(parameter) && constantSide.ConstantValue.HasValue
            ? new Literal(parameter.Ordinal, constantSide.ConstantValue.Value, equal)
            : null;
    }

    private sealed class Collector
    {
        private readonly IMethodSymbol _method;
        private readonly WellKnownTypes _types;
        private readonly HashSet<int> _assigned;

        public Collector(IMethodSymbol method, WellKnownTypes types, HashSet<int> assigned)
        {
            _method = method;
            _types = types;
            _assigned = assigned;
        }

        public ImmutableArray<Site>.Builder Sites { get; } = ImmutableArray.CreateBuilder<Site>();

        public void Walk(IOperation operation, ImmutableArray<Literal> guard)
        {
            switch (operation)
            {
                case IAnonymousFunctionOperation or ILocalFunctionOperation:
                    // Runs when (and if) someone invokes it, not as part of this method's completion.
                    return;

                case IConditionalOperation conditional:
                    Walk(conditional.Condition, guard);
                    Walk(conditional.WhenTrue, guard.AddRange(Literals(conditional.Condition, whenTrue: true)));
                    if (conditional.WhenFalse is { } whenFalse)
                    {
                        Walk(whenFalse, guard.AddRange(Literals(conditional.Condition, whenTrue: false)));
                    }

                    return;

                case IBlockOperation block:
                    var current = guard;
                    foreach (var statement in block.Operations)
                    {
                        Walk(statement, current);
                        if (statement is IConditionalOperation { WhenFalse: null } exit && AlwaysLeaves(exit.WhenTrue))
                        {
                            current = current.AddRange(Literals(exit.Condition, whenTrue: false));
                        }
                    }

                    return;

                case IAwaitOperation awaited:
                    AddSite(awaited.Operation, guard);
                    Walk(awaited.Operation, guard);
                    return;

                case IReturnOperation { ReturnedValue: { } returned } when !_method.IsAsync:
                    AddReturned(returned, guard);
                    return;

                case IUsingOperation { IsAsynchronous: true }:
                case IUsingDeclarationOperation { IsAsynchronous: true }:
                case IForEachLoopOperation { IsAsynchronous: true }:
                    Sites.Add(new Site(guard, null, default));
                    break;
            }

            foreach (var child in operation.ChildOperations)
            {
                Walk(child, guard);
            }
        }

        private void AddReturned(IOperation returned, ImmutableArray<Literal> guard)
        {
            var value = OperationWalk.Strip(returned, Wrappers.ConversionsAndParentheses);
            if (value is IConditionalOperation conditional)
            {
                AddReturned(conditional.WhenTrue, guard.AddRange(Literals(conditional.Condition, whenTrue: true)));
                if (conditional.WhenFalse is { } whenFalse)
                {
                    AddReturned(whenFalse, guard.AddRange(Literals(conditional.Condition, whenTrue: false)));
                }

                return;
            }

            if (IsCompletedByConstruction(value))
            {
                return;
            }

            AddSite(value, guard);
        }

        private void AddSite(IOperation task, ImmutableArray<Literal> guard)
        {
            var value = OperationWalk.Strip(OperationWalk.StripConfigureAwait(OperationWalk.Strip(task, Wrappers.ConversionsAndParentheses)), Wrappers.ConversionsAndParentheses);
            if (IsCompletedByConstruction(value))
            {
                return;
            }

            if (value is IInvocationOperation call && _types.IsTaskLike(call.Type) && CalleeSummaries.HasKnownBody(call.TargetMethod))
            {
                Sites.Add(new Site(guard, call.TargetMethod.OriginalDefinition, BindArguments(call, _method)));
                return;
            }

            Sites.Add(new Site(guard, null, default));
        }

        private bool IsCompletedByConstruction(IOperation value) => value switch
        {
            IInvocationOperation { TargetMethod: { IsStatic: true, Name: "FromResult" or "FromException" or "FromCanceled" } method } => _types.IsTaskLike(method.ContainingType),
            IPropertyReferenceOperation { Property: { IsStatic: true, Name: "CompletedTask" } property } => _types.IsTaskLike(property.ContainingType),
            IDefaultValueOperation => _types.IsValueTask(value.Type),
            IObjectCreationOperation { Arguments.Length: 0 } creation => _types.IsValueTask(creation.Type),
            IObjectCreationOperation { Arguments.Length: 1 } creation => _types.IsValueTask(creation.Type)
                && !_types.IsTaskLike(creation.Arguments[0].Value.Type)
                && creation.Arguments[0].Value.Type?.TypeKind != TypeKind.Interface,
            _ => false,
        };

        private ImmutableArray<Literal> Literals(IOperation condition, bool whenTrue) => SynchronousCompletion.Literals(condition, whenTrue, IsOwnUnassigned);

        private bool IsOwnUnassigned(IParameterSymbol parameter) =>
            SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, _method) && parameter.RefKind == RefKind.None && !_assigned.Contains(parameter.Ordinal);
    }
}

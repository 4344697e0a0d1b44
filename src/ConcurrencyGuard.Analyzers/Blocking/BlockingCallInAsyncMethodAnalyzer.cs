namespace ConcurrencyGuard.Analyzers.Blocking;

/// <summary>
/// CG6002: inside an async context (<see cref="FunctionContext.IsEnclosingFunctionAsyncContext"/>: async, or returning a
/// task without the keyword), <c>Thread.Sleep</c> or a synchronous call that has a usable async counterpart
/// (<see cref="AsyncCounterparts"/>; for <c>Dispose()</c>, the receiver's callable <c>DisposeAsync</c>). Not reported: in-memory types
/// (<c>MemoryStream</c>, <c>StringReader</c>, <c>StringWriter</c>, <c>Console.Out</c>), a counterpart that is
/// the enclosing method itself or one it overrides (the fix would recurse), EF Core <c>Add</c>/<c>AddRange</c>,
/// <c>Dispose</c> of a stream or writer whose <c>DisposeAsync</c> is the base one or of a read-only <c>FileStream</c>, zero-timeout waits, <c>XmlReader</c>/<c>XmlWriter</c>
/// (their async methods throw unless the reader was created async), column reads of a <c>DbDataReader</c>,
/// <c>CancellationTokenSource.Cancel</c>. Task waits are CG6001's.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BlockingCallInAsyncMethodAnalyzer : ConcurrencyGuardAnalyzer
{
    /// <summary>Diagnostic property: the name of the async counterpart (<c>Task.Delay</c> for <c>Thread.Sleep</c>).</summary>
    public const string CounterpartProperty = "cg.counterpart";

    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.BlockingCallInAsyncMethod,
        title: "Blocking call inside an async method",
        messageFormat: "'{0}' blocks the thread inside an async function: await '{1}' instead",
        DiagnosticSeverity.Info,
        description: "An async method runs on a thread-pool thread; a synchronous sleep or I/O call there holds the thread for the whole wait. Under load the pool runs dry and grows by about one thread a second. Await the async counterpart, passing the token in scope.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        if (types.Task is null)
        {
            return;
        }

        var excluded = new Exclusions(types);
        start.RegisterOperationAction(c => Analyze(c, types, excluded), OperationKind.Invocation);
    }

    private static void Analyze(OperationAnalysisContext context, WellKnownTypes types, Exclusions excluded)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (method.Name.EndsWith("Async", System.StringComparison.Ordinal))
        {
            return;
        }

        var isSleep = method.Name == "Sleep" && method.IsStatic && SymbolEqualityComparer.Default.Equals(method.ContainingType, excluded.Thread);
        if (!isSleep && excluded.IsExcludedType(method.ContainingType))
        {
            return;
        }

        if (!FunctionContext.IsEnclosingFunctionAsyncContext(invocation, context.ContainingSymbol, types))
        {
            return;
        }

        string counterpartName;
        var tokenIndex = -1;
        if (isSleep)
        {
            if (IsZero(invocation, 0))
            {
                return;
            }

            counterpartName = "Task.Delay";
            tokenIndex = 1;
        }
        else
        {
            // The counterpart lookup is cached per method and rules out most calls: ask it before the walks below.
            if (AsyncCounterparts.Find(invocation, types, out tokenIndex) is not { } counterpart || excluded.IsExcludedCall(invocation))
            {
                return;
            }

            // _inner.Dispose() inside DisposeAsync would await another object's DisposeAsync: no recursion unless it is this.
            var recurses = IsEnclosingMethodOrOverride(counterpart, context.ContainingSymbol)
                && !(AsyncCounterparts.IsDispose(invocation, types) && invocation.Instance is not IInstanceReferenceOperation);
            if (recurses
                || !context.Compilation.IsSymbolAccessibleWithin(counterpart, context.ContainingSymbol?.ContainingType ?? (ISymbol)context.Compilation.Assembly))
            {
                return;
            }

            counterpartName = counterpart.Name;
        }

        // `if (async) await s.ReadAsync(...); else s.Read(...);`: the flag gives synchronous callers synchronous I/O.
        if (SynchronousCompletion.IsSynchronousBranchOfDualMode(invocation, types))
        {
            return;
        }

        var properties = ImmutableDictionary<string, string?>.Empty.Add(CounterpartProperty, counterpartName);
        if (tokenIndex >= 0)
        {
            properties = TokenInScope.Find(invocation, context.ContainingSymbol, types, includeCarried: true).ToProperties(properties);
        }

        var location = invocation.Syntax is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name: { } name } }
            ? name.GetLocation()
            : invocation.Syntax is InvocationExpressionSyntax { Expression: { } expression } ? expression.GetLocation() : invocation.Syntax.GetLocation();
        context.Report(Rule, location, System.Array.Empty<Location>(), properties, method.Name, counterpartName);
    }

    /// <summary>The counterpart is the method being written (or the member it overrides/implements): the "fix" would call itself.</summary>
    private static bool IsEnclosingMethodOrOverride(IMethodSymbol counterpart, ISymbol? containingSymbol)
    {
        if (containingSymbol is not IMethodSymbol enclosing || enclosing.Name != counterpart.Name)
        {
            return false;
        }

        return WellKnownTypes.IsOrImplements(enclosing.ContainingType, counterpart.ContainingType.OriginalDefinition)
            || WellKnownTypes.IsOrImplements(counterpart.ContainingType, enclosing.ContainingType.OriginalDefinition);
    }

    internal static bool IsZero(IInvocationOperation invocation, int ordinal)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter?.Ordinal != ordinal)
            {
                continue;
            }

            return argument.Value.ConstantValue is { HasValue: true, Value: 0 }
                || argument.Value is IFieldReferenceOperation { Field.Name: "Zero" };
        }

        return false;
    }

    /// <summary>The types and calls where the async form gains nothing or does not exist in practice.</summary>
    private sealed class Exclusions
    {
        private readonly WellKnownTypes _types;
        private readonly INamedTypeSymbol? _memoryStream;
        private readonly INamedTypeSymbol? _stringReader;
        private readonly INamedTypeSymbol? _stringWriter;
        private readonly INamedTypeSymbol? _stream;
        private readonly INamedTypeSymbol? _textWriter;
        private readonly INamedTypeSymbol? _dbDataReader;
        private readonly INamedTypeSymbol? _console;
        private readonly INamedTypeSymbol? _cts;
        private readonly INamedTypeSymbol? _semaphoreSlim;

        public Exclusions(WellKnownTypes types)
        {
            _types = types;
            Thread = types.Get(WellKnownTypeNames.Thread);
            _memoryStream = types.Get(WellKnownTypeNames.MemoryStream);
            _stringReader = types.Get(WellKnownTypeNames.StringReader);
            _stringWriter = types.Get(WellKnownTypeNames.StringWriter);
            _stream = types.Get(WellKnownTypeNames.Stream);
            _textWriter = types.Get(WellKnownTypeNames.TextWriter);
            _dbDataReader = types.Get(WellKnownTypeNames.DbDataReader);
            _console = types.Get(WellKnownTypeNames.Console);
            _cts = types.Get(WellKnownTypeNames.CancellationTokenSource);
            _semaphoreSlim = types.Get(WellKnownTypeNames.SemaphoreSlim);
        }

        public INamedTypeSymbol? Thread { get; }

        private bool StreamArgumentsInMemory(IInvocationOperation invocation)
        {
            foreach (var argument in invocation.Arguments)
            {
                if (argument.Parameter is { } parameter
                    && (WellKnownTypes.InheritsFrom(parameter.Type, _stream) || WellKnownTypes.InheritsFrom(parameter.Type, _textWriter))
                    && !InMemoryStreams.IsInMemory(argument.Value, _types))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>
        /// A concrete stream or writer type whose <c>DisposeAsync</c> is the base <c>Stream</c>/<c>TextWriter</c> one, which
        /// just calls <c>Dispose</c>: awaiting it would block the same way. Not for a receiver typed as the abstract base
        /// (the runtime type may override it).
        /// </summary>
        private bool InheritsBaseDisposeAsync(ITypeSymbol? type)
        {
            if (type is not INamedTypeSymbol { IsAbstract: false, TypeKind: TypeKind.Class } named
                || !(WellKnownTypes.InheritsFrom(named, _stream) || WellKnownTypes.InheritsFrom(named, _textWriter)))
            {
                return false;
            }

            for (var current = named; current is not null; current = current.BaseType)
            {
                if (SymbolEqualityComparer.Default.Equals(current, _stream) || SymbolEqualityComparer.Default.Equals(current, _textWriter))
                {
                    return true;
                }

                foreach (var member in current.GetMembers("DisposeAsync"))
                {
                    if (member is IMethodSymbol { IsOverride: true, Parameters.Length: 0 })
                    {
                        return false;
                    }
                }
            }

            return false;
        }

        /// <summary>Types whose calls this rule never reports: tasks and awaiters (CG6001), XML readers/writers.</summary>
        public bool IsExcludedType(INamedTypeSymbol? type)
        {
            if (type is null || _types.IsTaskLike(type) || type.Name.EndsWith("Awaiter", System.StringComparison.Ordinal))
            {
                return true;
            }

            return type.ContainingNamespace is { Name: "Xml", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } };
        }

        public bool IsExcludedCall(IInvocationOperation invocation)
        {
            var method = invocation.TargetMethod;
            var receiverType = invocation.Instance?.Type;
            if (receiverType is not null
                && (WellKnownTypes.InheritsFrom(receiverType, _memoryStream)
                    || WellKnownTypes.InheritsFrom(receiverType, _stringReader)
                    || WellKnownTypes.InheritsFrom(receiverType, _stringWriter)))
            {
                return true;
            }

            // Console.Out.WriteLine / Console.Error: a synchronized writer the async form does not help.
            if (invocation.Instance is IPropertyReferenceOperation { Property.IsStatic: true } property
                && SymbolEqualityComparer.Default.Equals(property.Property.ContainingType, _console))
            {
                return true;
            }

            if (method.Name is "Add" or "AddRange"
                && (method.ContainingType.ContainingNamespace?.ToDisplayString() ?? string.Empty).StartsWith("Microsoft.EntityFrameworkCore", System.StringComparison.Ordinal))
            {
                return true;
            }

            // Streams over memory only (`new DeflateStream(new MemoryStream(bytes), ...).CopyTo(memory)`): no I/O to wait for.
            if (invocation.Instance is { } instance && InMemoryStreams.IsInMemory(instance, _types) && StreamArgumentsInMemory(invocation))
            {
                return true;
            }

            // Dispose() of an IAsyncDisposable (AsyncCounterparts.FindDisposeAsync), unless DisposeAsync only calls Dispose
            // (inherited from Stream/TextWriter, or an abstract class of this code base none of whose subclasses overrides it).
            if (AsyncCounterparts.IsDispose(invocation, _types))
            {
                // A FileStream opened read-only (InMemoryStreams.IsReadOnlyFile): DisposeAsync has no write buffer to flush.
                return InheritsBaseDisposeAsync(receiverType)
                    || (invocation.Instance is { } disposed && InMemoryStreams.IsReadOnlyFile(disposed, _types))
                    || receiverType is INamedTypeSymbol declared && DisposeAsyncOverrides.AbstractWithoutOverrides(declared, _stream, _textWriter, _types.Compilation);
            }

            if (method.Name == "Dispose")
            {
                return true;
            }

            if (method.Name is "Cancel" or "CancelAfter" && SymbolEqualityComparer.Default.Equals(method.ContainingType, _cts))
            {
                return true;
            }

            // PipeWriter/PipeReader.Complete: CompleteAsync exists for stream-backed pipes; on a Pipe it does not block.
            if (method.Name == "Complete" && method.ContainingType.ContainingNamespace is { Name: "Pipelines" })
            {
                return true;
            }

            if (method.Name is "GetFieldValue" or "IsDBNull" && WellKnownTypes.InheritsFrom(method.ContainingType, _dbDataReader))
            {
                return true;
            }

            // SemaphoreSlim.Wait(0): a try-acquire that never blocks.
            if (method.Name == "Wait" && SymbolEqualityComparer.Default.Equals(method.ContainingType, _semaphoreSlim) && IsZero(invocation, 0))
            {
                return true;
            }

            return false;
        }
    }
}

using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// Streams, readers and writers that do no I/O: a <c>MemoryStream</c>, <c>StringReader</c> or <c>StringWriter</c>, or
/// a wrapper constructed over such ones only (<c>new DeflateStream(new MemoryStream(bytes), ...)</c>,
/// <c>new StreamReader(memory)</c>), read through a local or a field whose every assigned value is one. Their
/// synchronous calls only move bytes in memory; the async forms gain nothing. Conservative: a parameter, a
/// property or any assignment not understood is not in memory.
/// The same "every assigned value" walk answers <see cref="IsReadOnlyFile"/>: a <c>FileStream</c> opened for reading only,
/// whose <c>DisposeAsync</c> has no write buffer to flush.
/// </summary>
public static class InMemoryStreams
{
    private const int MaxDepth = 4;

    private static readonly ConditionalWeakTable<Compilation, ConcurrentDictionary<(IFieldSymbol Field, Kind Kind), bool>> FieldCache = new();

    /// <summary>What every value must be: a stream over memory, or a file stream opened read-only.</summary>
    private enum Kind
    {
        Memory,
        ReadOnlyFile,
    }

    /// <summary>True when <paramref name="value"/> certainly evaluates to a stream, reader or writer over memory only.</summary>
    public static bool IsInMemory(IOperation value, WellKnownTypes types) => Is(value, types, MaxDepth, Kind.Memory);

    /// <summary>
    /// True when <paramref name="value"/> certainly evaluates to a <c>FileStream</c> opened for reading only
    /// (<c>File.OpenRead(path)</c>, <c>fileInfo.OpenRead()</c>, <c>new FileStream(path, FileMode.Open, FileAccess.Read, ...)</c>
    /// or <c>File.Open</c> with a constant <c>FileAccess.Read</c>), directly or through a local or private field whose every
    /// assigned value is one. Such a stream has never buffered a write, so its <c>DisposeAsync</c> has nothing to flush:
    /// it only closes the handle, as <c>Dispose</c> does. Not a wrapper over it, not a parameter, not <c>FileAccess</c>
    /// that is not the constant <c>Read</c>.
    /// </summary>
    public static bool IsReadOnlyFile(IOperation value, WellKnownTypes types) => Is(value, types, MaxDepth, Kind.ReadOnlyFile);

    private static bool Is(IOperation value, WellKnownTypes types, int depth, Kind kind)
    {
        if (depth <= 0)
        {
            return false;
        }

        value = OperationWalk.Strip(OperationWalk.ConditionalReceiver(value), Wrappers.ConversionsAndParentheses);
        if (kind == Kind.Memory ? IsMemoryType(value.Type, types) : OpensReadOnlyFile(value, types))
        {
            return true;
        }

        switch (value)
        {
            case IObjectCreationOperation creation when kind == Kind.Memory && IsStreamLike(creation.Type, types):
                var any = false;
                foreach (var argument in creation.Arguments)
                {
                    if (argument.Parameter is { } parameter && IsStreamLike(parameter.Type, types))
                    {
                        if (!Is(argument.Value, types, depth - 1, kind))
                        {
                            return false;
                        }

                        any = true;
                    }
                }

                return any;

            case ILocalReferenceOperation { Local: { } local }:
                var assigned = false;
                return FunctionContext.GetFunctionBody(value, outermost: true) is { } body
                    && AllAssigned(body, local, types, depth, kind, ref assigned) && assigned;

            case IFieldReferenceOperation { Field: { } field, Instance: null or IInstanceReferenceOperation }:
                return IsField(field.OriginalDefinition, types, depth, kind);

            default:
                return false;
        }
    }

    /// <summary>
    /// <c>File.OpenRead(path)</c>, <c>fileInfo.OpenRead()</c>, or a <c>FileStream</c> constructor or <c>File.Open</c>/<c>FileInfo.Open</c>
    /// call whose <c>FileAccess</c> argument is the constant <c>FileAccess.Read</c>.
    /// </summary>
    private static bool OpensReadOnlyFile(IOperation value, WellKnownTypes types)
    {
        if (!WellKnownTypes.InheritsFrom(value.Type, types.Get(WellKnownTypeNames.FileStream)))
        {
            return false;
        }

        ImmutableArray<IArgumentOperation> arguments;
        switch (value)
        {
            case IInvocationOperation { TargetMethod: { Name: "OpenRead" } method }
                when types.Is(method.ContainingType, WellKnownTypeNames.File) || types.Is(method.ContainingType, WellKnownTypeNames.FileInfo):
                return true;
            case IInvocationOperation { TargetMethod: { Name: "Open" } method } invocation
                when types.Is(method.ContainingType, WellKnownTypeNames.File) || types.Is(method.ContainingType, WellKnownTypeNames.FileInfo):
                arguments = invocation.Arguments;
                break;
            case IObjectCreationOperation creation when types.Is(creation.Type, WellKnownTypeNames.FileStream):
                arguments = creation.Arguments;
                break;
            default:
                return false;
        }

        foreach (var argument in arguments)
        {
            // FileAccess.Read = 1.
            if (types.Is(argument.Parameter?.Type, WellKnownTypeNames.FileAccess))
            {
                return argument.Value.ConstantValue is { HasValue: true, Value: 1 };
            }
        }

        return false;
    }

    private static bool IsMemoryType(ITypeSymbol? type, WellKnownTypes types) =>
        WellKnownTypes.InheritsFrom(type, types.Get(WellKnownTypeNames.MemoryStream))
        || WellKnownTypes.InheritsFrom(type, types.Get(WellKnownTypeNames.StringReader))
        || WellKnownTypes.InheritsFrom(type, types.Get(WellKnownTypeNames.StringWriter));

    private static bool IsStreamLike(ITypeSymbol? type, WellKnownTypes types) =>
        WellKnownTypes.InheritsFrom(type, types.Get(WellKnownTypeNames.Stream))
        || WellKnownTypes.InheritsFrom(type, types.Get(WellKnownTypeNames.TextWriter))
        || WellKnownTypes.InheritsFrom(type, types.Get(WellKnownTypeNames.TextReader));

    /// <summary>Every value the scope gives <paramref name="symbol"/> (initializer and assignments) is of <paramref name="kind"/>; <paramref name="any"/> when there is one.</summary>
    private static bool AllAssigned(IOperation scope, ISymbol symbol, WellKnownTypes types, int depth, Kind kind, ref bool any)
    {
        foreach (var op in scope.DescendantsAndSelf())
        {
            IOperation? assigned = null;
            switch (op)
            {
                case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, symbol):
                    assigned = declarator.Initializer?.Value;
                    break;
                case IFieldInitializerOperation initializer when initializer.InitializedFields.Contains((symbol as IFieldSymbol)!, SymbolEqualityComparer.Default):
                    assigned = initializer.Value;
                    break;
                case IAssignmentOperation assignment when Targets(assignment.Target, symbol):
                    if (assignment is not ISimpleAssignmentOperation)
                    {
                        return false;
                    }

                    assigned = assignment.Value;
                    break;
                case IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } argument when Targets(argument.Value, symbol):
                    return false;
            }

            if (assigned is null)
            {
                continue;
            }

            if (OperationWalk.Strip(assigned, Wrappers.ConversionsAndParentheses) is ILiteralOperation or IDefaultValueOperation)
            {
                // `= null`: cleared, not another stream.
                continue;
            }

            if (!Is(assigned, types, depth - 1, kind))
            {
                return false;
            }

            any = true;
        }

        return true;
    }

    private static bool Targets(IOperation target, ISymbol symbol) => OperationWalk.Strip(target) switch
    {
        ILocalReferenceOperation local => SymbolEqualityComparer.Default.Equals(local.Local, symbol),
        IFieldReferenceOperation field => SymbolEqualityComparer.Default.Equals(field.Field.OriginalDefinition, symbol),
        _ => false,
    };

    /// <summary>A private field of a source type whose initializer and assignments, all inside that type, are of <paramref name="kind"/>.</summary>
    private static bool IsField(IFieldSymbol field, WellKnownTypes types, int depth, Kind kind)
    {
        if (field.DeclaredAccessibility != Accessibility.Private || field.ContainingType.DeclaringSyntaxReferences.Length == 0)
        {
            return false;
        }

        // Cached only for the full-depth question, so the answer is a function of (field, depth) whatever the order
        // of analysis; nested questions (a field wrapping another) are bounded by the depth.
        if (depth < MaxDepth)
        {
            return ComputeField(field, types, depth, kind);
        }

        var cache = FieldCache.GetValue(types.Compilation, static _ => new ConcurrentDictionary<(IFieldSymbol Field, Kind Kind), bool>(FieldKindComparer.Instance));
        return cache.GetOrAdd((field, kind), key => ComputeField(key.Field, types, MaxDepth, key.Kind));
    }

    private sealed class FieldKindComparer : IEqualityComparer<(IFieldSymbol Field, Kind Kind)>
    {
        public static readonly FieldKindComparer Instance = new();

        public bool Equals((IFieldSymbol Field, Kind Kind) x, (IFieldSymbol Field, Kind Kind) y) =>
            x.Kind == y.Kind && SymbolEqualityComparer.Default.Equals(x.Field, y.Field);

        public int GetHashCode((IFieldSymbol Field, Kind Kind) obj) => (SymbolEqualityComparer.Default.GetHashCode(obj.Field) * 31) + (int)obj.Kind;
    }

    private static bool ComputeField(IFieldSymbol field, WellKnownTypes types, int depth, Kind kind)
    {
        var compilation = types.Compilation;
        var any = false;
        foreach (var reference in field.ContainingType.DeclaringSyntaxReferences)
        {
            var syntax = reference.GetSyntax();
            if (!compilation.ContainsSyntaxTree(syntax.SyntaxTree))
            {
                return false;
            }

#pragma warning disable RS1030 // A field's assignments across its type's declarations, computed once per field and compilation.
            var model = compilation.GetSemanticModel(syntax.SyntaxTree);
#pragma warning restore RS1030
            var members = new List<IOperation>();
            foreach (var node in syntax.DescendantNodes())
            {
                // Member bodies and field initializers: the roots whose operation trees hold every assignment.
                if (node is Microsoft.CodeAnalysis.CSharp.Syntax.BaseMethodDeclarationSyntax
                    or Microsoft.CodeAnalysis.CSharp.Syntax.AccessorDeclarationSyntax
                    or Microsoft.CodeAnalysis.CSharp.Syntax.ArrowExpressionClauseSyntax { Parent: Microsoft.CodeAnalysis.CSharp.Syntax.PropertyDeclarationSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.IndexerDeclarationSyntax }
                    or Microsoft.CodeAnalysis.CSharp.Syntax.EqualsValueClauseSyntax { Parent: Microsoft.CodeAnalysis.CSharp.Syntax.VariableDeclaratorSyntax { Parent.Parent: Microsoft.CodeAnalysis.CSharp.Syntax.FieldDeclarationSyntax } }
                    && model.GetOperation(node) is { } operation)
                {
                    members.Add(operation);
                }
            }

            foreach (var member in members)
            {
                if (MentionsField(member, field) && !AllAssigned(member, field, types, depth, kind, ref any))
                {
                    return false;
                }
            }
        }

        return any;
    }

    private static bool MentionsField(IOperation root, IFieldSymbol field)
    {
        foreach (var op in root.DescendantsAndSelf())
        {
            if (op is IFieldReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Field.OriginalDefinition, field)
                || op is IFieldInitializerOperation initializer && initializer.InitializedFields.Contains(field, SymbolEqualityComparer.Default))
            {
                return true;
            }
        }

        return false;
    }
}

using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using System.Linq;

namespace ConcurrencyGuard.Analyzers.Tasks;

/// <summary>
/// CG1003: <c>async void</c> methods and local functions. Callers cannot await them, and an
/// exception thrown in them goes to the synchronization context or the thread pool, which ends the
/// process. Methods that must be void (overrides, interface implementations, event handlers) are
/// flagged only when an exception can escape their body.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class AsyncVoidMethodAnalyzer : ConcurrencyGuardAnalyzer
{
    /// <summary>Diagnostic property set when changing the return type to Task keeps the code compiling.</summary>
    public const string CanReturnTaskProperty = "CanReturnTask";

    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.AsyncVoidMethod,
        title: "'async void' method",
        messageFormat: "'{0}' is async void: {1}",
        DiagnosticSeverity.Info,
        description: "An exception that escapes an async void method is rethrown on the thread pool or the synchronization context and terminates the process; callers cannot await it or know when it ends. Return Task; where void is required (event handlers, overrides), catch every exception in the body.");

    private const string ReturnTaskReason = "callers cannot await it and an exception in it crashes the process; return Task";
    private const string WrapReason = "it must stay void, so catch every exception in its body or one failure crashes the process";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        start.RegisterSyntaxNodeAction(c => Analyze(c, types), SyntaxKind.MethodDeclaration, SyntaxKind.LocalFunctionStatement);
    }

    private static void Analyze(SyntaxNodeAnalysisContext context, WellKnownTypes types)
    {
        SyntaxTokenList modifiers;
        TypeSyntax returnType;
        BlockSyntax? body;
        SyntaxToken identifier;
        switch (context.Node)
        {
            case MethodDeclarationSyntax method:
                (modifiers, returnType, body, identifier) = (method.Modifiers, method.ReturnType, method.Body, method.Identifier);
                break;
            case LocalFunctionStatementSyntax local:
                (modifiers, returnType, body, identifier) = (local.Modifiers, local.ReturnType, local.Body, local.Identifier);
                break;
            default:
                return;
        }

        if (!modifiers.Any(SyntaxKind.AsyncKeyword) || returnType is not PredefinedTypeSyntax { Keyword.RawKind: (int)SyntaxKind.VoidKeyword })
        {
            return;
        }

        if (context.SemanticModel.GetDeclaredSymbol(context.Node, context.CancellationToken) is not IMethodSymbol symbol)
        {
            return;
        }

        var mustStayVoid = symbol.IsOverride
            || symbol.ExplicitInterfaceImplementations.Length > 0
            || ImplementsInterfaceMember(symbol)
            || EventHandlers.HasEventHandlerShape(symbol, types)
            || IsVoidCallbackInFile(symbol, context.Node, context.SemanticModel, types, context.CancellationToken);

        if (mustStayVoid)
        {
            if (CatchAll.IsBodyWrapped(body, context.SemanticModel, types))
            {
                return;
            }

            context.Report(Rule, identifier.GetLocation(), symbol.Name, WrapReason);
            return;
        }

        var properties = ImmutableDictionary<string, string?>.Empty.Add(CanReturnTaskProperty, "true");
        context.Report(Rule, identifier.GetLocation(), properties, symbol.Name, ReturnTaskReason);
    }

    /// <summary>
    /// The method is passed as a method group to a void-returning delegate in its own file (<c>new Timer(OnTick, ...)</c>,
    /// <c>ThreadPool.QueueUserWorkItem(Work)</c>): the callback's signature requires void, like an override's.
    /// </summary>
    private static bool IsVoidCallbackInFile(IMethodSymbol method, SyntaxNode declaration, SemanticModel model, WellKnownTypes types, System.Threading.CancellationToken cancellationToken)
    {
        if (method.MethodKind != MethodKind.Ordinary && method.MethodKind != MethodKind.LocalFunction)
        {
            return false;
        }

        var scope = method.MethodKind == MethodKind.LocalFunction
            ? declaration.Parent
            : declaration.FirstAncestorOrSelf<TypeDeclarationSyntax>();
        if (scope is null)
        {
            return false;
        }

        foreach (var name in scope.DescendantNodes().OfType<SimpleNameSyntax>())
        {
            if (name.Identifier.ValueText != method.Name || name.Parent is InvocationExpressionSyntax)
            {
                continue;
            }

            var reference = model.GetOperation(name, cancellationToken);
            if (reference is IMethodReferenceOperation { Parent: IDelegateCreationOperation { Type: INamedTypeSymbol { DelegateInvokeMethod.ReturnsVoid: true } } creation } methodReference
                && SymbolEqualityComparer.Default.Equals(methodReference.Method.OriginalDefinition, method.OriginalDefinition)
                && !HasTaskReturningOverload(creation, types))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>Task.Run(Work)</c>: the receiving method also has an overload taking a Task-returning delegate there, so void is not required.</summary>
    private static bool HasTaskReturningOverload(IOperation creation, WellKnownTypes types)
    {
        var parent = OperationWalk.ParentSkipping(creation, Wrappers.Conversions);
        if (parent is not IArgumentOperation { Parameter: { } parameter, Parent: IInvocationOperation invocation })
        {
            return false;
        }

        foreach (var member in invocation.TargetMethod.ContainingType.GetMembers(invocation.TargetMethod.Name))
        {
            if (member is IMethodSymbol overload
                && overload.Parameters.Length > parameter.Ordinal
                && overload.Parameters[parameter.Ordinal].Type is INamedTypeSymbol { DelegateInvokeMethod: { ReturnsVoid: false } invoke }
                && types.IsTaskLike(invoke.ReturnType))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ImplementsInterfaceMember(IMethodSymbol method)
    {
        var type = method.ContainingType;
        if (type is null || method.MethodKind != MethodKind.Ordinary)
        {
            return false;
        }

        foreach (var @interface in type.AllInterfaces)
        {
            foreach (var member in @interface.GetMembers(method.Name))
            {
                if (SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(member), method))
                {
                    return true;
                }
            }
        }

        return false;
    }
}

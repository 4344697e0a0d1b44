using Microsoft.CodeAnalysis.CSharp;

namespace ConcurrencyGuard.Analyzers.Cancellation;

/// <summary>
/// CG2004: a local initialised with <c>new CancellationTokenSource(...)</c> or
/// <c>CancellationTokenSource.CreateLinkedTokenSource(...)</c> that is never disposed and does not escape.
/// Ownership moves (and the rule stays silent) when the source is returned, stored in a field, property,
/// another variable or a collection, passed to a method or constructor, captured by a lambda or local
/// function, or when its <c>Token</c> is returned or stored (the source must outlive the method).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UndisposedTokenSourceAnalyzer : ConcurrencyGuardAnalyzer
{
    /// <summary>Diagnostic property set when a <c>using</c> declaration keeps the code compiling.</summary>
    public const string CanUseUsingProperty = "cg.using";

    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.UndisposedTokenSource,
        title: "CancellationTokenSource is never disposed",
        messageFormat: "'{0}' is never disposed: {1}",
        DiagnosticSeverity.Warning,
        description: "A linked CancellationTokenSource registers itself on its parent tokens and stays registered until it is disposed: with a long-lived parent (the host's stopping token) every call leaks one registration. A source with a timeout keeps its timer queued until it fires. Dispose it, most simply with a using declaration.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        var sourceType = types.Get(WellKnownTypeNames.CancellationTokenSource);
        if (sourceType is null)
        {
            return;
        }

        start.RegisterOperationAction(c => Analyze(c, sourceType), OperationKind.VariableDeclarator);
    }

    private static void Analyze(OperationAnalysisContext context, INamedTypeSymbol sourceType)
    {
        var declarator = (IVariableDeclaratorOperation)context.Operation;
        if (declarator.Syntax is not VariableDeclaratorSyntax syntax
            || declarator.Initializer?.Value is not { } value
            || TokenSources.CreationKind(value, sourceType) is not { } kind
            || IsUsingDeclaration(syntax))
        {
            return;
        }

        var root = OperationWalk.Root(declarator);
        var usage = TokenSources.Classify(declarator.Symbol, root, declarator);
        if (usage.Disposed || usage.Escapes)
        {
            return;
        }

        var reason = kind switch
        {
            TokenSourceKind.Linked => "a linked source stays registered on its parent token until it is disposed, one leak per call",
            TokenSourceKind.Timed => "its timer stays queued until it fires, one per call",
            _ => "it holds callbacks and a wait handle until it is collected; dispose it where it ends",
        };
        var properties = ImmutableDictionary<string, string?>.Empty;
        if (!usage.Reassigned && CanBecomeUsing(syntax, context.Operation.SemanticModel))
        {
            properties = properties.Add(CanUseUsingProperty, "true");
        }

        context.Report(Rule, syntax.Identifier.GetLocation(), properties, declarator.Symbol.Name, reason);
    }

    private static bool IsUsingDeclaration(VariableDeclaratorSyntax syntax) =>
        syntax.Parent?.Parent is LocalDeclarationStatementSyntax { UsingKeyword.RawKind: (int)SyntaxKind.UsingKeyword } or UsingStatementSyntax;

    private static bool CanBecomeUsing(VariableDeclaratorSyntax syntax, SemanticModel? model) =>
        syntax.Parent is VariableDeclarationSyntax { Variables.Count: 1 }
        && syntax.Parent.Parent is LocalDeclarationStatementSyntax { Parent: BlockSyntax or GlobalStatementSyntax } statement
        && !statement.Modifiers.Any(SyntaxKind.ConstKeyword)
        && ((CSharpParseOptions)syntax.SyntaxTree.Options).LanguageVersion >= LanguageVersion.CSharp8
        && model is not null;

}

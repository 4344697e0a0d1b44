using Microsoft.CodeAnalysis.Editing;

namespace ConcurrencyGuard.CodeFixes.Tasks;

/// <summary>
/// Fixes CG1002 (<c>_ = SomeAsync();</c>):
/// <list type="bullet">
/// <item>"Track the task with Forget()" when the runtime guard is referenced: <c>SomeAsync().Forget();</c>.</item>
/// <item>"Log the task's failure": <c>_ = SomeAsync().ContinueWith(t =&gt; _logger.LogError(t.Exception, "SomeAsync failed"),
/// CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);</c> using an
/// <c>ILogger</c> in scope (parameter, local, field, property, primary-constructor parameter), or
/// <c>System.Diagnostics.Trace.TraceError</c> when there is none. The explicit scheduler keeps CA2008/VSTHRD105 quiet.</item>
/// </list>
/// Only for Task and ValueTask values (a ValueTask goes through <c>AsTask()</c>); configured awaitables get no fix.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DiscardedTaskFixer)), Shared]
public sealed class DiscardedTaskFixer : ConcurrencyGuardFixer
{
    private const string LoggerInterface = "Microsoft.Extensions.Logging.ILogger";
    private const string LoggingNamespace = "Microsoft.Extensions.Logging";

    public DiscardedTaskFixer()
        : base(RuleIdentifiers.DiscardedTask)
    {
    }

    protected override IEnumerable<CodeAction> GetFixes(FixScope scope, Diagnostic diagnostic)
    {
        var model = scope.Model!;
        var types = WellKnownTypes.GetOrCreate(model.Compilation);
        var node = scope.FindNode(diagnostic);
        if (node.FirstAncestorOrSelf<AssignmentExpressionSyntax>() is not { } assignment || assignment.Span != diagnostic.Location.SourceSpan)
        {
            yield break;
        }

        var type = model.GetTypeInfo(assignment.Right, scope.CancellationToken).Type as INamedTypeSymbol;
        var isTask = types.IsTask(type);
        var isValueTask = types.IsValueTask(type);
        if (!isTask && !isValueTask)
        {
            yield break;
        }

        if (assignment.Parent is ExpressionStatementSyntax && FixHelpers.HasRuntimeForget(model.Compilation))
        {
            yield return CodeAction.Create("Track the task with Forget()", ct => ForgetAsync(scope.Document, assignment, isValueTask, ct), equivalenceKey: "Forget");
        }

        yield return CodeAction.Create("Log the task's failure (ContinueWith OnlyOnFaulted)", ct => ObserveAsync(scope.Document, assignment, isValueTask, diagnostic, ct), equivalenceKey: "ObserveFailure");
    }

    private static ExpressionSyntax AsTask(ExpressionSyntax value, bool isValueTask)
    {
        value = value.WithoutTrivia();
        if (!isValueTask)
        {
            return value;
        }

        var receiver = value is InvocationExpressionSyntax or MemberAccessExpressionSyntax or IdentifierNameSyntax ? value : SyntaxFactory.ParenthesizedExpression(value);
        return SyntaxFactory.InvocationExpression(SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, receiver, SyntaxFactory.IdentifierName("AsTask")));
    }

    private static async Task<Document> ForgetAsync(Document document, AssignmentExpressionSyntax assignment, bool isValueTask, CancellationToken ct)
    {
        var editor = await DocumentEditor.CreateAsync(document, ct).ConfigureAwait(false);
        var tracked = FixHelpers.CallForget(AsTask(assignment.Right, isValueTask)).WithTriviaFrom(assignment);
        editor.ReplaceNode(assignment, tracked);
        var changed = document.WithSyntaxRoot(editor.GetChangedRoot());
        return await FixHelpers.AddUsingAsync(changed, FixHelpers.RuntimeNamespace, ct).ConfigureAwait(false);
    }

    private static async Task<Document> ObserveAsync(Document document, AssignmentExpressionSyntax assignment, bool isValueTask, Diagnostic diagnostic, CancellationToken ct)
    {
        var editor = await DocumentEditor.CreateAsync(document, ct).ConfigureAwait(false);
        var model = editor.SemanticModel;
        var position = assignment.SpanStart;
        var parameter = FreeName(model, position, "t", "task", "failed");
        var what = diagnostic.Properties.TryGetValue(Analyzers.Tasks.DiscardedTaskAnalyzer.MethodNameProperty, out var name) && !string.IsNullOrEmpty(name) ? name! : "Background task";
        var message = SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(what + " failed"));
        var exception = SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, SyntaxFactory.IdentifierName(parameter), SyntaxFactory.IdentifierName("Exception"));

        var logger = FindLogger(model, assignment, ct);
        InvocationExpressionSyntax log;
        if (logger is not null)
        {
            log = SyntaxFactory.InvocationExpression(
                SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, logger, SyntaxFactory.IdentifierName("LogError")),
                SyntaxFactory.ArgumentList(SyntaxFactory.SeparatedList(new[] { SyntaxFactory.Argument(exception), SyntaxFactory.Argument(message) })));
        }
        else
        {
            var format = SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(what + " failed: {0}"));
            log = SyntaxFactory.InvocationExpression(
                SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, SyntaxFactory.ParseExpression("global::System.Diagnostics.Trace").WithAdditionalAnnotations(Microsoft.CodeAnalysis.Simplification.Simplifier.Annotation), SyntaxFactory.IdentifierName("TraceError")),
                SyntaxFactory.ArgumentList(SyntaxFactory.SeparatedList(new[] { SyntaxFactory.Argument(format), SyntaxFactory.Argument(exception) })));
        }

        var continuation = SyntaxFactory.SimpleLambdaExpression(SyntaxFactory.Parameter(SyntaxFactory.Identifier(parameter)), log);
        var continueWith = SyntaxFactory.InvocationExpression(
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, AsTask(assignment.Right, isValueTask), SyntaxFactory.IdentifierName("ContinueWith")),
            SyntaxFactory.ArgumentList(SyntaxFactory.SeparatedList(new[]
            {
                SyntaxFactory.Argument(continuation),
                SyntaxFactory.Argument(SyntaxFactory.ParseExpression("global::System.Threading.CancellationToken.None").WithAdditionalAnnotations(Microsoft.CodeAnalysis.Simplification.Simplifier.Annotation)),
                SyntaxFactory.Argument(SyntaxFactory.ParseExpression("global::System.Threading.Tasks.TaskContinuationOptions.OnlyOnFaulted").WithAdditionalAnnotations(Microsoft.CodeAnalysis.Simplification.Simplifier.Annotation)),
                SyntaxFactory.Argument(SyntaxFactory.ParseExpression("global::System.Threading.Tasks.TaskScheduler.Default").WithAdditionalAnnotations(Microsoft.CodeAnalysis.Simplification.Simplifier.Annotation)),
            })));

        editor.ReplaceNode(assignment.Right, continueWith.WithTriviaFrom(assignment.Right));
        var changed = document.WithSyntaxRoot(editor.GetChangedRoot());
        if (logger is not null && !HasLogError(model, position, ct))
        {
            changed = await FixHelpers.AddUsingAsync(changed, LoggingNamespace, ct).ConfigureAwait(false);
        }

        return changed;
    }

    private static bool HasLogError(SemanticModel model, int position, CancellationToken ct)
    {
        var loggerType = model.Compilation.GetTypeByMetadataName(LoggerInterface);
        return loggerType is not null && model.LookupSymbols(position, loggerType, "LogError", includeReducedExtensionMethods: true).Any();
    }

    /// <summary>An <c>ILogger</c> visible at the assignment: locals and parameters first, then members of the type (instance ones only in instance code).</summary>
    private static ExpressionSyntax? FindLogger(SemanticModel model, SyntaxNode at, CancellationToken ct)
    {
        var loggerType = model.Compilation.GetTypeByMetadataName(LoggerInterface);
        if (loggerType is null)
        {
            return null;
        }

        var enclosing = model.GetEnclosingSymbol(at.SpanStart, ct);
        var member = enclosing;
        while (member is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction or MethodKind.LocalFunction })
        {
            member = member.ContainingSymbol;
        }

        var inStaticCode = member?.IsStatic ?? true;
        ISymbol? best = null;
        var bestRank = int.MaxValue;
        foreach (var symbol in model.LookupSymbols(at.SpanStart))
        {
            var (type, rank) = symbol switch
            {
                ILocalSymbol l when l.DeclaringSyntaxReferences.Length > 0 && l.DeclaringSyntaxReferences[0].Span.End <= at.SpanStart => (l.Type, 0),
                IParameterSymbol p when p.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.Constructor } => (p.Type, 2),
                IParameterSymbol p => (p.Type, 0),
                IFieldSymbol f when !f.IsImplicitlyDeclared && (f.IsStatic || !inStaticCode) => (f.Type, 1),
                IPropertySymbol p when p.IsStatic || !inStaticCode => (p.Type, 1),
                _ => (null, int.MaxValue),
            };
            if (type is null || rank >= bestRank || !WellKnownTypes.IsOrImplements(type, loggerType))
            {
                continue;
            }

            if (rank == 2 && inStaticCode)
            {
                continue;
            }

            best = symbol;
            bestRank = rank;
        }

        return best is null ? null : SyntaxFactory.IdentifierName(EscapeName(best.Name));
    }

    private static string FreeName(SemanticModel model, int position, params string[] candidates)
    {
        foreach (var name in candidates)
        {
            if (model.LookupSymbols(position, name: name).IsEmpty)
            {
                return name;
            }
        }

        for (var i = 1; ; i++)
        {
            if (model.LookupSymbols(position, name: "t" + i).IsEmpty)
            {
                return "t" + i;
            }
        }
    }

    private static string EscapeName(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
}

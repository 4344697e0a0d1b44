using System.Globalization;

namespace ConcurrencyGuard.Analyzers.Http;

/// <summary>
/// CG3005: an asynchronous read of a streamed HTTP response body with no <c>CancellationToken</c>. The body
/// is streamed after <c>HttpClient.GetStreamAsync</c>, or after <c>ReadAsStreamAsync</c>/<c>ReadAs*</c>/
/// <c>ReadFromJsonAsync</c>/<c>CopyToAsync</c> on the content of a response obtained with
/// <c>HttpCompletionOption.ResponseHeadersRead</c>; <c>HttpClient.Timeout</c> stops at the headers. A read
/// is a task-returning call whose receiver or argument is that stream, the content, or a reader/stream
/// wrapped around them (<c>new StreamReader(stream)</c>, <c>new GZipStream(stream, ...)</c>), followed
/// through locals. A response read with the default completion option is buffered: not flagged.
/// The fix forwards the token in scope (<see cref="TokenInScope"/>, <see cref="TokenForwarding"/>).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class StreamedBodyWithoutDeadlineAnalyzer : ConcurrencyGuardAnalyzer
{
    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.StreamedBodyWithoutDeadline,
        title: "Streamed response body read without a deadline",
        messageFormat: "'{0}' reads a streamed HTTP response body without a CancellationToken: HttpClient.Timeout stopped applying when the headers arrived, so a peer that stalls mid-body hangs this read for ever",
        DiagnosticSeverity.Warning,
        description: "With ResponseHeadersRead, GetStreamAsync or ReadAsStreamAsync, HttpClient.Timeout only covers the wait for the headers. Reading the body afterwards has no deadline at all: a server that sends headers and then stalls keeps the read, its connection and its worker waiting for hours. Pass a token (the caller's, or one from a CancellationTokenSource with a delay).");

    private const int MaxDepth = 6;

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        var http = Types.Create(types);
        if (http is null || types.CancellationToken is null || TestCode.IsTestAssembly(start.Compilation))
        {
            return;
        }

        start.RegisterOperationAction(c => Analyze(c, types, http), OperationKind.Invocation);
    }

    private sealed class Types
    {
        public INamedTypeSymbol HttpClient = null!;
        public INamedTypeSymbol HttpContent = null!;
        public INamedTypeSymbol HttpResponseMessage = null!;
        public INamedTypeSymbol HttpCompletionOption = null!;
        public INamedTypeSymbol Stream = null!;
        public INamedTypeSymbol? TextReader;

        public static Types? Create(WellKnownTypes types)
        {
            var client = types.Get(WellKnownTypeNames.HttpClient);
            var content = types.Get(WellKnownTypeNames.HttpContent);
            var response = types.Get(WellKnownTypeNames.HttpResponseMessage);
            var option = types.Get(WellKnownTypeNames.HttpCompletionOption);
            var stream = types.Get(WellKnownTypeNames.Stream);
            if (client is null || content is null || response is null || option is null || stream is null)
            {
                return null;
            }

            return new Types { HttpClient = client, HttpContent = content, HttpResponseMessage = response, HttpCompletionOption = option, Stream = stream, TextReader = types.Get(WellKnownTypeNames.TextReader) };
        }

        public bool IsStreamLike(ITypeSymbol? type) =>
            WellKnownTypes.InheritsFrom(type, Stream) || WellKnownTypes.InheritsFrom(type, TextReader) || WellKnownTypes.InheritsFrom(type, HttpContent);
    }

    private static void Analyze(OperationAnalysisContext context, WellKnownTypes types, Types http)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (!types.IsTaskLike(method.ReturnType)
            || method.Name.StartsWith("Dispose", System.StringComparison.Ordinal)
            || method.Name.StartsWith("Flush", System.StringComparison.Ordinal)
            || method.Name == "ReadAsStreamAsync"
            || PassesToken(invocation, types))
        {
            return;
        }

        var readsBody = invocation.Instance is { } instance && IsStreamedBody(instance, http, 0);
        if (!readsBody)
        {
            foreach (var argument in invocation.Arguments)
            {
                if (argument.ArgumentKind != ArgumentKind.DefaultValue && IsStreamedBody(argument.Value, http, 0))
                {
                    readsBody = true;
                    break;
                }
            }
        }

        if (!readsBody)
        {
            return;
        }

        var properties = ImmutableDictionary<string, string?>.Empty;
        if (TokenForwarding.TryGetMissingToken(invocation, types, out var missing))
        {
            var scope = TokenInScope.Find(invocation, context.ContainingSymbol, types);
            properties = scope.ToProperties(properties
                .Add(TokenForwarding.KindProperty, missing.Kind.ToString())
                .Add(TokenForwarding.ParameterNameProperty, missing.Parameter?.Name)
                .Add(TokenForwarding.PositionProperty, missing.Position.ToString(CultureInfo.InvariantCulture)));
        }

        context.Report(Rule, invocation.Syntax.GetLocation(), properties, method.Name);
    }

    /// <summary>A real token is passed (not <c>CancellationToken.None</c>/<c>default</c>, which is no deadline either).</summary>
    private static bool PassesToken(IInvocationOperation invocation, WellKnownTypes types)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.ArgumentKind == ArgumentKind.DefaultValue || !TokenInScope.IsToken(argument.Parameter?.Type, types))
            {
                continue;
            }

            var value = argument.Value;
            value = OperationWalk.Strip(value);

            var isNone = value is IDefaultValueOperation
                || value is IPropertyReferenceOperation { Property.Name: "None", Instance: null }
                || value is IObjectCreationOperation { Arguments.Length: 0 };
            return !isNone;
        }

        return false;
    }

    /// <summary>The expression is a streamed body: the stream, the content of a headers-read response, or a wrapper around them.</summary>
    private static bool IsStreamedBody(IOperation? operation, Types http, int depth)
    {
        if (operation is null || depth > MaxDepth)
        {
            return false;
        }

        operation = OperationWalk.Strip(operation, Wrappers.ConversionsAndParentheses);
        if (!http.IsStreamLike(operation.Type))
        {
            return false;
        }

        switch (operation)
        {
            case IAwaitOperation await:
                return OperationWalk.Strip(await.Operation, Wrappers.ConversionsAndParentheses) is IInvocationOperation source && IsBodySource(source, http, depth);
            case IPropertyReferenceOperation { Property.Name: "Content", Instance: { } response }
                when WellKnownTypes.InheritsFrom(response.Type, http.HttpResponseMessage):
                return IsHeadersReadResponse(response, http, depth + 1);
            case ILocalReferenceOperation local:
                foreach (var value in LocalValues(local.Local, operation.SemanticModel))
                {
                    if (IsStreamedBody(value, http, depth + 1))
                    {
                        return true;
                    }
                }

                return false;
            case IObjectCreationOperation creation:
                foreach (var argument in creation.Arguments)
                {
                    if (IsStreamedBody(argument.Value, http, depth + 1))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    /// <summary><c>client.GetStreamAsync(...)</c>, or <c>content.ReadAsStreamAsync(...)</c> on the content of a headers-read response.</summary>
    private static bool IsBodySource(IInvocationOperation invocation, Types http, int depth)
    {
        if (invocation.TargetMethod.Name == "ConfigureAwait" && invocation.Instance is { } configured)
        {
            return OperationWalk.Strip(configured, Wrappers.ConversionsAndParentheses) is IInvocationOperation inner && IsBodySource(inner, http, depth);
        }

        return invocation.TargetMethod.Name switch
        {
            "GetStreamAsync" => WellKnownTypes.InheritsFrom(invocation.TargetMethod.ContainingType, http.HttpClient),
            "ReadAsStreamAsync" => invocation.Instance is { } content && IsStreamedBody(content, http, depth + 1),
            _ => false,
        };
    }

    /// <summary>The response came from a call with <c>HttpCompletionOption.ResponseHeadersRead</c> (through a local's initializer).</summary>
    private static bool IsHeadersReadResponse(IOperation response, Types http, int depth)
    {
        response = OperationWalk.Strip(response, Wrappers.ConversionsAndParentheses);
        if (depth > MaxDepth)
        {
            return false;
        }

        if (response is ILocalReferenceOperation local)
        {
            return LocalInitializer(local.Local, response.SemanticModel) is { } initializer && IsHeadersReadResponse(initializer, http, depth + 1);
        }

        if (response is not IAwaitOperation await || OperationWalk.Strip(await.Operation, Wrappers.ConversionsAndParentheses) is not IInvocationOperation call)
        {
            return false;
        }

        if (call.TargetMethod.Name == "ConfigureAwait" && call.Instance is { } inner)
        {
            call = OperationWalk.Strip(inner, Wrappers.ConversionsAndParentheses) as IInvocationOperation ?? call;
        }

        foreach (var argument in call.Arguments)
        {
            if (SymbolEqualityComparer.Default.Equals(argument.Parameter?.Type, http.HttpCompletionOption)
                && argument.Value.ConstantValue is { HasValue: true, Value: int value }
                && value == 1)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The values a local is given: its initializer, and the assignments to it in the member
    /// (<c>Stream? body = null; ... body = await client.GetStreamAsync(url);</c>).
    /// </summary>
    private static System.Collections.Generic.IEnumerable<IOperation> LocalValues(ILocalSymbol local, SemanticModel? model)
    {
        if (LocalInitializer(local, model) is { } initializer)
        {
            yield return initializer;
        }

        if (model is null || local.DeclaringSyntaxReferences.Length != 1
            || HttpClients.MemberSyntax(local.DeclaringSyntaxReferences[0].GetSyntax()) is not { } scope
            || scope.SyntaxTree != model.SyntaxTree)
        {
            yield break;
        }

        foreach (var node in scope.DescendantNodes())
        {
            if (node is AssignmentExpressionSyntax { Left: IdentifierNameSyntax name } assignment
                && assignment.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.SimpleAssignmentExpression)
                && name.Identifier.ValueText == local.Name
                && model.GetOperation(assignment) is ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } operation
                && SymbolEqualityComparer.Default.Equals(target.Local, local))
            {
                yield return operation.Value;
            }
        }
    }

    private static IOperation? LocalInitializer(ILocalSymbol local, SemanticModel? model)
    {
        if (model is null || local.DeclaringSyntaxReferences.Length != 1)
        {
            return null;
        }

        var syntax = local.DeclaringSyntaxReferences[0].GetSyntax();
        if (syntax is not VariableDeclaratorSyntax { Initializer.Value: { } value } || value.SyntaxTree != model.SyntaxTree)
        {
            return null;
        }

        return model.GetOperation(value);
    }

}

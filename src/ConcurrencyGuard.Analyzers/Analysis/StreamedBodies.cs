namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// "Does this call read a streamed HTTP response body with no deadline?": an asynchronous read with no real
/// <c>CancellationToken</c> of a body that is streamed after <c>HttpClient.GetStreamAsync</c>, or after
/// <c>ReadAsStreamAsync</c>/<c>ReadAs*</c>/<c>ReadFromJsonAsync</c>/<c>CopyToAsync</c> on the content of a response
/// obtained with <c>HttpCompletionOption.ResponseHeadersRead</c>; <c>HttpClient.Timeout</c> stops at the headers. A
/// read is a task-returning call whose receiver or argument is that stream, the content, or a reader/stream wrapped
/// around them (<c>new StreamReader(stream)</c>, <c>new GZipStream(stream, ...)</c>), followed through locals. A
/// response read with the default completion option is buffered: no such read. Test assemblies have none either.
/// CG3005 reports these reads; CG2001 stays silent on a call CG3005 reports (<see cref="IsReportedAsStreamedBodyRead"/>),
/// so the user sees one diagnostic, with the reason the deadline is gone.
/// </summary>
public sealed class StreamedBodies
{
    private const int MaxDepth = 6;

    private readonly WellKnownTypes _types;
    private readonly INamedTypeSymbol _httpClient;
    private readonly INamedTypeSymbol _httpContent;
    private readonly INamedTypeSymbol _httpResponseMessage;
    private readonly INamedTypeSymbol _httpCompletionOption;
    private readonly INamedTypeSymbol _stream;
    private readonly INamedTypeSymbol? _textReader;

    private StreamedBodies(WellKnownTypes types, INamedTypeSymbol client, INamedTypeSymbol content, INamedTypeSymbol response, INamedTypeSymbol option, INamedTypeSymbol stream)
    {
        _types = types;
        _httpClient = client;
        _httpContent = content;
        _httpResponseMessage = response;
        _httpCompletionOption = option;
        _stream = stream;
        _textReader = types.Get(WellKnownTypeNames.TextReader);
    }

    /// <summary>The question for this compilation; null when it has no HTTP types or tokens, or is a test assembly (no such reads).</summary>
    public static StreamedBodies? Create(WellKnownTypes types)
    {
        var client = types.Get(WellKnownTypeNames.HttpClient);
        var content = types.Get(WellKnownTypeNames.HttpContent);
        var response = types.Get(WellKnownTypeNames.HttpResponseMessage);
        var option = types.Get(WellKnownTypeNames.HttpCompletionOption);
        var stream = types.Get(WellKnownTypeNames.Stream);
        if (client is null || content is null || response is null || option is null || stream is null
            || types.CancellationToken is null || TestCode.IsTestAssembly(types.Compilation))
        {
            return null;
        }

        return new StreamedBodies(types, client, content, response, option, stream);
    }

    /// <summary>The call reads a streamed response body and passes no real token (CG3005's finding).</summary>
    public bool IsReadWithoutDeadline(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        if (!_types.IsTaskLike(method.ReturnType)
            || method.Name.StartsWith("Dispose", System.StringComparison.Ordinal)
            || method.Name.StartsWith("Flush", System.StringComparison.Ordinal)
            || method.Name == "ReadAsStreamAsync"
            || PassesToken(invocation, _types))
        {
            return false;
        }

        if (invocation.Instance is { } instance && IsStreamedBody(instance, 0))
        {
            return true;
        }

        foreach (var argument in invocation.Arguments)
        {
            if (argument.ArgumentKind != ArgumentKind.DefaultValue && IsStreamedBody(argument.Value, 0))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// CG3005 reports this call: it is a read without a deadline and CG3005 is not turned off for the call's file
    /// (<c>dotnet_diagnostic.CG3005.severity = none</c> in an editorconfig or globalconfig, or a compilation option).
    /// A rule that would also flag the call for a missing token (CG2001) leaves it to CG3005.
    /// </summary>
    public bool IsReportedAsStreamedBodyRead(IInvocationOperation invocation, System.Threading.CancellationToken cancellationToken) =>
        IsReadWithoutDeadline(invocation) && !IsSuppressed(invocation.Syntax.SyntaxTree, cancellationToken);

    private bool IsSuppressed(SyntaxTree tree, System.Threading.CancellationToken cancellationToken)
    {
        var id = RuleIdentifiers.StreamedBodyWithoutDeadline;
        var options = _types.Compilation.Options;
        if (options.SyntaxTreeOptionsProvider is { } provider
            && (provider.TryGetDiagnosticValue(tree, id, cancellationToken, out var severity) || provider.TryGetGlobalDiagnosticValue(id, cancellationToken, out severity)))
        {
            return severity == ReportDiagnostic.Suppress;
        }

        return options.SpecificDiagnosticOptions.TryGetValue(id, out var specific) && specific == ReportDiagnostic.Suppress;
    }

    private bool IsStreamLike(ITypeSymbol? type) =>
        WellKnownTypes.InheritsFrom(type, _stream) || WellKnownTypes.InheritsFrom(type, _textReader) || WellKnownTypes.InheritsFrom(type, _httpContent);

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
    private bool IsStreamedBody(IOperation? operation, int depth)
    {
        if (operation is null || depth > MaxDepth)
        {
            return false;
        }

        operation = OperationWalk.Strip(operation, Wrappers.ConversionsAndParentheses);
        if (!IsStreamLike(operation.Type))
        {
            return false;
        }

        switch (operation)
        {
            case IAwaitOperation await:
                return OperationWalk.Strip(await.Operation, Wrappers.ConversionsAndParentheses) is IInvocationOperation source && IsBodySource(source, depth);
            case IPropertyReferenceOperation { Property.Name: "Content", Instance: { } response }
                when WellKnownTypes.InheritsFrom(response.Type, _httpResponseMessage):
                return IsHeadersReadResponse(response, depth + 1);
            case ILocalReferenceOperation local:
                foreach (var value in LocalValues(local.Local, operation.SemanticModel))
                {
                    if (IsStreamedBody(value, depth + 1))
                    {
                        return true;
                    }
                }

                return false;
            case IObjectCreationOperation creation:
                foreach (var argument in creation.Arguments)
                {
                    if (IsStreamedBody(argument.Value, depth + 1))
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
    private bool IsBodySource(IInvocationOperation invocation, int depth)
    {
        if (invocation.TargetMethod.Name == "ConfigureAwait" && invocation.Instance is { } configured)
        {
            return OperationWalk.Strip(configured, Wrappers.ConversionsAndParentheses) is IInvocationOperation inner && IsBodySource(inner, depth);
        }

        return invocation.TargetMethod.Name switch
        {
            "GetStreamAsync" => WellKnownTypes.InheritsFrom(invocation.TargetMethod.ContainingType, _httpClient),
            "ReadAsStreamAsync" => invocation.Instance is { } content && IsStreamedBody(content, depth + 1),
            _ => false,
        };
    }

    /// <summary>The response came from a call with <c>HttpCompletionOption.ResponseHeadersRead</c> (through a local's initializer).</summary>
    private bool IsHeadersReadResponse(IOperation response, int depth)
    {
        response = OperationWalk.Strip(response, Wrappers.ConversionsAndParentheses);
        if (depth > MaxDepth)
        {
            return false;
        }

        if (response is ILocalReferenceOperation local)
        {
            return LocalInitializer(local.Local, response.SemanticModel) is { } initializer && IsHeadersReadResponse(initializer, depth + 1);
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
            if (SymbolEqualityComparer.Default.Equals(argument.Parameter?.Type, _httpCompletionOption)
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

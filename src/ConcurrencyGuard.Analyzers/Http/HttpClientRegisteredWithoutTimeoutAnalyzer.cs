using System.Globalization;

namespace ConcurrencyGuard.Analyzers.Http;

/// <summary>
/// CG3006: <c>services.AddHttpClient(...)</c> / <c>AddHttpClient&lt;T&gt;(...)</c> whose client gets no timeout:
/// no configuration delegate that sets <c>Timeout</c> (in the call or a chained <c>ConfigureHttpClient</c>),
/// and no resilience or timeout handler in the chain (<c>AddStandardResilienceHandler</c>,
/// <c>AddResilienceHandler</c>, <c>AddStandardHedgingHandler</c>, a Polly <c>AddPolicyHandler</c>). The chain
/// is followed through fluent calls and a local that holds the builder. Silent when the delegate is a
/// method group, when the builder is handed to a source method (it may configure it), and in a
/// compilation that configures every client (<c>ConfigureHttpClientDefaults</c>, or .NET Aspire's
/// <c>AddServiceDefaults</c>, whose template adds the standard resilience handler to every client).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class HttpClientRegisteredWithoutTimeoutAnalyzer : ConcurrencyGuardAnalyzer
{
    public static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.HttpClientRegisteredWithoutTimeout,
        title: "IHttpClientFactory client registered without a timeout",
        messageFormat: "The client registered by '{0}' gets no Timeout and no resilience handler: its calls wait the 100-second default",
        DiagnosticSeverity.Info,
        description: "A client registered with AddHttpClient keeps HttpClient's 100-second default unless a configuration delegate sets Timeout or a resilience/timeout handler is added. Under load a slow dependency then holds every request for 100 s.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    protected override void OnCompilationStart(CompilationStartAnalysisContext start, WellKnownTypes types)
    {
        var extensions = types.Get(WellKnownTypeNames.HttpClientFactoryServiceCollectionExtensions);
        if (extensions is null || TestCode.IsTestAssembly(start.Compilation))
        {
            return;
        }

        // A compilation that configures every client (ConfigureHttpClientDefaults, Aspire's AddServiceDefaults)
        // silences the rule; looked up once, by name, only when a registration is found.
        var configuredGlobally = new System.Lazy<bool>(() => MentionsGlobalDefaults(start.Compilation, start.CancellationToken));
        start.RegisterOperationAction(
            c =>
            {
                var invocation = (IInvocationOperation)c.Operation;
                if (invocation.TargetMethod.Name != "AddHttpClient"
                    || !SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, extensions)
                    || Analyze(invocation, c.CancellationToken) is not { } name
                    || configuredGlobally.Value)
                {
                    return;
                }

                var seconds = c.Options.GetIntOption(invocation.Syntax.SyntaxTree, OptionKeys.HttpTimeoutSeconds, 30);
                c.Report(
                    Rule,
                    invocation.Syntax.GetLocation(),
                    ImmutableDictionary<string, string?>.Empty.Add(HttpClients.SecondsProperty, seconds.ToString(CultureInfo.InvariantCulture)),
                    name);
            },
            OperationKind.Invocation);
    }

    private static bool MentionsGlobalDefaults(Compilation compilation, System.Threading.CancellationToken cancellationToken)
    {
        foreach (var tree in compilation.SyntaxTrees)
        {
            var text = tree.GetText(cancellationToken).ToString();
            if (text.IndexOf("ConfigureHttpClientDefaults", System.StringComparison.Ordinal) >= 0
                || text.IndexOf("AddServiceDefaults", System.StringComparison.Ordinal) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The registration's display text when nothing gives its client a timeout; null otherwise.</summary>
    private static string? Analyze(IInvocationOperation registration, System.Threading.CancellationToken cancellationToken)
    {
        foreach (var argument in registration.Arguments)
        {
            if (argument.ArgumentKind != ArgumentKind.DefaultValue && !DelegateLeavesTimeout(argument.Value))
            {
                return null;
            }
        }

        if (ChainConfiguresTimeout(registration, cancellationToken))
        {
            return null;
        }

        var syntax = (InvocationExpressionSyntax)registration.Syntax;
        var name = syntax.Expression is MemberAccessExpressionSyntax access ? access.Name.ToString() : syntax.Expression.ToString();
        return name;
    }

    /// <summary>
    /// False when the argument is a delegate that sets <c>Timeout</c> or that we cannot see (method group,
    /// variable); true for non-delegates (the name) and lambdas that leave <c>Timeout</c> alone.
    /// </summary>
    private static bool DelegateLeavesTimeout(IOperation value)
    {
        value = OperationWalk.Strip(value);

        if (value is not IDelegateCreationOperation delegateCreation)
        {
            return value.Type?.TypeKind != TypeKind.Delegate;
        }

        if (delegateCreation.Target is not IAnonymousFunctionOperation lambda)
        {
            return false;
        }

        foreach (var node in lambda.Syntax.DescendantNodes())
        {
            if (node is AssignmentExpressionSyntax { Left: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Timeout" } })
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Walks the fluent chain (and a local holding the builder) for a timeout or resilience handler.</summary>
    private static bool ChainConfiguresTimeout(IOperation builder, System.Threading.CancellationToken cancellationToken)
    {
        var current = builder;
        for (var guard = 0; guard < 32; guard++)
        {
            current = OperationWalk.Outermost(current, Wrappers.ConversionsAndParentheses);
            var parent = current.Parent;

            if (parent is IArgumentOperation { Parent: IInvocationOperation next } argument
                && next.TargetMethod.IsExtensionMethod && argument.Parameter?.Ordinal == 0)
            {
                if (Configures(next))
                {
                    return true;
                }

                if (next.TargetMethod.Locations.Length > 0 && next.TargetMethod.Locations[0].IsInSource)
                {
                    return true;
                }

                current = next;
                continue;
            }

            if (parent is IInvocationOperation instanceCall && instanceCall.Instance == current)
            {
                if (Configures(instanceCall))
                {
                    return true;
                }

                current = instanceCall;
                continue;
            }

            if (parent is IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator })
            {
                return LocalConfigures(declarator.Symbol, current, cancellationToken);
            }

            // Passed to a source method, returned, stored: somebody else may configure it.
            return parent is IArgumentOperation or IReturnOperation or IAssignmentOperation;
        }

        return true;
    }

    private static bool Configures(IInvocationOperation call)
    {
        var name = call.TargetMethod.Name;
        if (name.IndexOf("Resilience", System.StringComparison.Ordinal) >= 0
            || name.IndexOf("Hedging", System.StringComparison.Ordinal) >= 0
            || name.IndexOf("Timeout", System.StringComparison.Ordinal) >= 0
            || name == "AddPolicyHandler")
        {
            return true;
        }

        if (name == "ConfigureHttpClient")
        {
            foreach (var argument in call.Arguments)
            {
                if (argument.Parameter?.Ordinal > 0 && !DelegateLeavesTimeout(argument.Value))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool LocalConfigures(ILocalSymbol local, IOperation declaration, System.Threading.CancellationToken cancellationToken)
    {
        var scope = HttpClients.MemberSyntax(declaration.Syntax);
        var model = declaration.SemanticModel;
        if (scope is null || model is null)
        {
            return true;
        }

        foreach (var node in scope.DescendantNodes())
        {
            if (node is IdentifierNameSyntax name && name.Identifier.ValueText == local.Name
                && name.SpanStart > declaration.Syntax.SpanStart
                && model.GetOperation(name, cancellationToken) is ILocalReferenceOperation reference
                && SymbolEqualityComparer.Default.Equals(reference.Local, local)
                && ChainConfiguresTimeout(reference, cancellationToken))
            {
                return true;
            }
        }

        return false;
    }
}

using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace ConcurrencyGuard.Analyzers;

/// <summary>Where a freshly created object (<c>new HttpClient(...)</c>, <c>new SocketsHttpHandler()</c>) ends up.</summary>
public enum CreatedObjectTarget
{
    /// <summary>Used where it is created and then dropped: <c>new HttpClient().GetAsync(...)</c>, a discard, an expression statement.</summary>
    UsedInPlace,

    /// <summary>Stored in a local (<c>var c = new ...</c>, <c>using var c = ...</c>, <c>c = new ...</c>).</summary>
    Local,

    /// <summary>Stored in a field or property (initializer or assignment).</summary>
    Member,

    /// <summary>Returned from a named method, local function or property getter: the caller owns it.</summary>
    Returned,

    /// <summary>Returned from a lambda (a DI factory <c>sp =&gt; new HttpClient()</c>, a <c>Lazy</c> factory).</summary>
    ReturnedFromLambda,

    /// <summary>Passed as an argument (including a constructor argument).</summary>
    Argument,

    /// <summary>Anything else (collection/anonymous object initializers, tuples, ...): rules stay silent.</summary>
    Other,
}

/// <summary>
/// The HTTP family's shared reasoning about created clients and handlers: where the instance goes
/// (<see cref="GetTarget"/>), and whether one of its properties (<c>Timeout</c>, <c>ConnectTimeout</c>, ...)
/// is set anywhere that configures that same instance (<see cref="IsPropertySet"/>): the object initializer,
/// a later <c>x.Timeout = ...</c> on the same local in the member, on the same field or property anywhere
/// in the containing type (constructors, static constructors and other methods, all partial parts), or
/// inside a source method the instance is passed to (<c>Configure(client)</c> setting <c>client.Timeout</c>).
/// Syntax outside the current tree is matched by name (no semantic model is built for it): a match
/// counts as "set", which keeps the rules quiet when in doubt.
/// </summary>
public static class HttpClients
{
    public const string HttpClient = "System.Net.Http.HttpClient";
    public const string SocketsHttpHandler = "System.Net.Http.SocketsHttpHandler";
    public const string HttpCompletionOption = "System.Net.Http.HttpCompletionOption";
    public const string HttpContent = "System.Net.Http.HttpContent";
    public const string HttpResponseMessage = "System.Net.Http.HttpResponseMessage";
    public const string HttpMessageHandler = "System.Net.Http.HttpMessageHandler";
    public const string Stream = "System.IO.Stream";
    public const string TextReader = "System.IO.TextReader";
    public const string TimeSpan = "System.TimeSpan";
    public const string ThreadingTimeout = "System.Threading.Timeout";
    public const string HttpClientBuilderExtensions = "Microsoft.Extensions.DependencyInjection.HttpClientBuilderExtensions";
    public const string HttpClientFactoryServiceCollectionExtensions = "Microsoft.Extensions.DependencyInjection.HttpClientFactoryServiceCollectionExtensions";
    public const string IHttpClientBuilder = "Microsoft.Extensions.DependencyInjection.IHttpClientBuilder";

    /// <summary>Diagnostic property: the number of seconds a fix writes (from the options).</summary>
    public const string SecondsProperty = "cg.seconds";

    private static readonly System.Collections.Generic.HashSet<string> TestAttributeNames = new(System.StringComparer.Ordinal)
    {
        "Fact", "Theory", "Test", "TestMethod", "TestCase", "DataTestMethod", "SkippableFact", "SkippableTheory", "TestCaseSource",
    };

    private static readonly string[] TestFrameworks = { "xunit.core", "xunit.v3.core", "nunit.framework", "Microsoft.VisualStudio.TestPlatform.TestFramework", "TUnit.Core" };

    /// <summary>
    /// Test code is not a service: a test assembly (it references xUnit, NUnit, MSTest or TUnit), or a
    /// method carrying a test attribute (matched by name, so it also works when the framework is not
    /// referenced). The HTTP rules stay silent there.
    /// </summary>
    public static bool IsTestAssembly(Compilation compilation)
    {
        foreach (var assembly in compilation.ReferencedAssemblyNames)
        {
            if (System.Array.IndexOf(TestFrameworks, assembly.Name) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc cref="IsTestAssembly"/>
    public static bool IsTestMethod(ISymbol? symbol)
    {
        if (symbol is not IMethodSymbol method)
        {
            return false;
        }

        foreach (var attribute in method.GetAttributes())
        {
            var name = attribute.AttributeClass?.Name;
            if (name is null)
            {
                continue;
            }

            if (name.EndsWith("Attribute", System.StringComparison.Ordinal))
            {
                name = name.Substring(0, name.Length - "Attribute".Length);
            }

            if (TestAttributeNames.Contains(name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The creation itself, or the expression that carries its value up to the point where it is stored.</summary>
    public static CreatedObjectTarget GetTarget(IOperation creation, out ISymbol? symbol)
    {
        symbol = null;
        var current = creation;
        var parent = current.Parent;
        while (parent is IConversionOperation or IParenthesizedOperation or IConditionalOperation or ICoalesceOperation)
        {
            current = parent;
            parent = parent.Parent;
        }

        switch (parent)
        {
            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                symbol = declarator.Symbol;
                return CreatedObjectTarget.Local;
            case IFieldInitializerOperation field when field.InitializedFields.Length > 0:
                symbol = field.InitializedFields[0];
                return CreatedObjectTarget.Member;
            case IPropertyInitializerOperation property when property.InitializedProperties.Length > 0:
                symbol = property.InitializedProperties[0];
                return CreatedObjectTarget.Member;
            case IAssignmentOperation assignment when assignment.Value == current:
                return TargetOf(assignment.Target, out symbol);
            case IReturnOperation:
                return IsInLambda(parent) ? CreatedObjectTarget.ReturnedFromLambda : CreatedObjectTarget.Returned;
            case IArgumentOperation argument:
                symbol = argument.Parameter;
                return CreatedObjectTarget.Argument;
            case IInvocationOperation invocation when invocation.Instance == current:
            case IPropertyReferenceOperation property when property.Instance == current:
            case IExpressionStatementOperation:
            case IDiscardOperation:
                return CreatedObjectTarget.UsedInPlace;
            case IUsingOperation:
                return CreatedObjectTarget.UsedInPlace;
            default:
                return CreatedObjectTarget.Other;
        }
    }

    private static CreatedObjectTarget TargetOf(IOperation target, out ISymbol? symbol)
    {
        switch (target)
        {
            case ILocalReferenceOperation local:
                symbol = local.Local;
                return CreatedObjectTarget.Local;
            case IFieldReferenceOperation field:
                symbol = field.Field;
                return CreatedObjectTarget.Member;
            case IPropertyReferenceOperation property:
                symbol = property.Property;
                return CreatedObjectTarget.Member;
            case IDiscardOperation:
                symbol = null;
                return CreatedObjectTarget.UsedInPlace;
            default:
                symbol = null;
                return CreatedObjectTarget.Other;
        }
    }

    private static bool IsInLambda(IOperation operation)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case IAnonymousFunctionOperation:
                    return true;
                case ILocalFunctionOperation:
                    return false;
            }
        }

        return false;
    }

    /// <summary>True when the object initializer of <paramref name="creation"/> sets <paramref name="propertyName"/>.</summary>
    public static bool InitializerSets(IObjectCreationOperation creation, string propertyName)
    {
        if (creation.Initializer is null)
        {
            return false;
        }

        foreach (var initializer in creation.Initializer.Initializers)
        {
            if (initializer is IAssignmentOperation { Target: IPropertyReferenceOperation property } && property.Property.Name == propertyName)
            {
                return true;
            }

            if (initializer is IMemberInitializerOperation { InitializedMember: IPropertyReferenceOperation nested } && nested.Property.Name == propertyName)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True when <paramref name="propertyName"/> of the object created by <paramref name="creation"/> is set:
    /// in its initializer, or later on the local/field/property that holds it, or by a source method it is
    /// passed to. <paramref name="containingSymbol"/> is the analysis context's containing symbol.
    /// </summary>
    public static bool IsPropertySet(IObjectCreationOperation creation, string propertyName, ISymbol? containingSymbol, System.Threading.CancellationToken cancellationToken)
    {
        if (InitializerSets(creation, propertyName))
        {
            return true;
        }

        var model = creation.SemanticModel;
        if (model is null)
        {
            return true;
        }

        var target = GetTarget(creation, out var symbol);
        switch (target)
        {
            case CreatedObjectTarget.Local when symbol is ILocalSymbol local:
                var scope = MemberSyntax(creation.Syntax);
                return scope is not null && IsSetOnLocal(scope, local, propertyName, model, cancellationToken);
            case CreatedObjectTarget.Member when symbol is not null:
                return IsSetInType(symbol, propertyName, model, cancellationToken);
            case CreatedObjectTarget.Argument when symbol is IParameterSymbol parameter:
                return IsSetOnParameter(parameter, propertyName);
            default:
                return false;
        }
    }

    /// <summary>The member declaration (method, constructor, accessor, field...) or top-level statement region around a node.</summary>
    public static SyntaxNode? MemberSyntax(SyntaxNode node)
    {
        for (var current = node; current is not null; current = current.Parent)
        {
            if (current is MemberDeclarationSyntax and not BaseTypeDeclarationSyntax and not BaseNamespaceDeclarationSyntax)
            {
                return current is GlobalStatementSyntax ? current.Parent : current;
            }
        }

        return null;
    }

    private static bool IsSetOnLocal(SyntaxNode scope, ILocalSymbol local, string propertyName, SemanticModel model, System.Threading.CancellationToken cancellationToken)
    {
        foreach (var node in scope.DescendantNodes())
        {
            if (node is AssignmentExpressionSyntax assignment
                && assignment.Left is MemberAccessExpressionSyntax access
                && access.Name.Identifier.ValueText == propertyName
                && access.Expression is IdentifierNameSyntax name
                && name.Identifier.ValueText == local.Name
                && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, cancellationToken).Symbol, local))
            {
                return true;
            }

            if (node is IdentifierNameSyntax reference
                && reference.Identifier.ValueText == local.Name
                && reference.Parent is ArgumentSyntax
                && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(reference, cancellationToken).Symbol, local)
                && model.GetOperation(reference.Parent, cancellationToken) is IArgumentOperation { Parameter: { } parameter }
                && IsSetOnParameter(parameter, propertyName))
            {
                return true;
            }

            if (node is AssignmentExpressionSyntax { Right: IdentifierNameSyntax right } aliasing
                && right.Identifier.ValueText == local.Name
                && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(right, cancellationToken).Symbol, local)
                && model.GetSymbolInfo(aliasing.Left, cancellationToken).Symbol is { Kind: SymbolKind.Field or SymbolKind.Property } member
                && IsSetInType(member, propertyName, model, cancellationToken))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>member.Timeout = ...</c> (or <c>this.member</c>, <c>Type.member</c>, a bare <c>member.Timeout</c>) anywhere in the containing type.</summary>
    private static bool IsSetInType(ISymbol member, string propertyName, SemanticModel model, System.Threading.CancellationToken cancellationToken)
    {
        var type = member.ContainingType;
        if (type is null)
        {
            return false;
        }

        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            var declaration = reference.GetSyntax(cancellationToken);
            foreach (var node in declaration.DescendantNodes())
            {
                if (node is not AssignmentExpressionSyntax { Left: MemberAccessExpressionSyntax access }
                    || access.Name.Identifier.ValueText != propertyName
                    || LastName(access.Expression) != member.Name)
                {
                    continue;
                }

                if (node.SyntaxTree != model.SyntaxTree)
                {
                    return true;
                }

                var symbol = model.GetSymbolInfo(access.Expression, cancellationToken).Symbol;
                if (symbol is null || SymbolEqualityComparer.Default.Equals(symbol.OriginalDefinition, member.OriginalDefinition))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>A source method that sets <c>parameter.Timeout</c> (a typed client's constructor, a <c>Configure(client)</c> helper).</summary>
    private static bool IsSetOnParameter(IParameterSymbol parameter, string propertyName)
    {
        foreach (var reference in parameter.ContainingSymbol.DeclaringSyntaxReferences)
        {
            foreach (var node in reference.GetSyntax().DescendantNodes())
            {
                if (node is AssignmentExpressionSyntax { Left: MemberAccessExpressionSyntax access }
                    && access.Name.Identifier.ValueText == propertyName
                    && LastName(access.Expression) == parameter.Name)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static string? LastName(ExpressionSyntax expression) => expression switch
    {
        IdentifierNameSyntax name => name.Identifier.ValueText,
        MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
        PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.SuppressNullableWarningExpression } suppressed => LastName(suppressed.Operand),
        ParenthesizedExpressionSyntax parenthesized => LastName(parenthesized.Expression),
        _ => null,
    };

    /// <summary>
    /// The length of a <c>TimeSpan</c> expression when it is a compile-time constant in effect:
    /// <c>TimeSpan.FromSeconds(600)</c> (and the other <c>From*</c> factories), <c>new TimeSpan(...)</c>
    /// with constant arguments, <c>TimeSpan.MaxValue</c>, <c>Timeout.InfiniteTimeSpan</c>
    /// (returned as <see cref="System.TimeSpan.MaxValue"/>, with <paramref name="infinite"/> true).
    /// </summary>
    public static bool TryGetConstantTimeSpan(IOperation value, out System.TimeSpan span, out bool infinite)
    {
        span = default;
        infinite = false;
        while (value is IConversionOperation or IParenthesizedOperation)
        {
            value = value is IConversionOperation conversion ? conversion.Operand : ((IParenthesizedOperation)value).Operand;
        }

        switch (value)
        {
            case IFieldReferenceOperation { Field: { IsStatic: true } field }:
                var owner = field.ContainingType?.ToDisplayString();
                if (owner == ThreadingTimeout && field.Name == "InfiniteTimeSpan")
                {
                    span = System.TimeSpan.MaxValue;
                    infinite = true;
                    return true;
                }

                if (owner == TimeSpan && field.Name == "MaxValue")
                {
                    span = System.TimeSpan.MaxValue;
                    return true;
                }

                return false;
            case IInvocationOperation { TargetMethod: { IsStatic: true } method } invocation
                when method.ContainingType?.ToDisplayString() == TimeSpan && invocation.Arguments.Length >= 1:
                if (!TryGetNumber(invocation.Arguments[0].Value, out var amount))
                {
                    return false;
                }

                for (var i = 1; i < invocation.Arguments.Length; i++)
                {
                    if (invocation.Arguments[i].ArgumentKind != ArgumentKind.DefaultValue)
                    {
                        return false;
                    }
                }

                double seconds = method.Name switch
                {
                    "FromDays" => amount * 86400,
                    "FromHours" => amount * 3600,
                    "FromMinutes" => amount * 60,
                    "FromSeconds" => amount,
                    "FromMilliseconds" => amount / 1000,
                    "FromTicks" => amount / 1e7,
                    _ => double.NaN,
                };
                return FromSeconds(seconds, out span, out infinite);
            case IObjectCreationOperation creation when creation.Type?.ToDisplayString() == TimeSpan:
                var numbers = new double[creation.Arguments.Length];
                for (var i = 0; i < numbers.Length; i++)
                {
                    if (!TryGetNumber(creation.Arguments[i].Value, out numbers[i]))
                    {
                        return false;
                    }
                }

                double total = numbers.Length switch
                {
                    1 => numbers[0] / 1e7,
                    3 => numbers[0] * 3600 + numbers[1] * 60 + numbers[2],
                    4 => numbers[0] * 86400 + numbers[1] * 3600 + numbers[2] * 60 + numbers[3],
                    5 => numbers[0] * 86400 + numbers[1] * 3600 + numbers[2] * 60 + numbers[3] + numbers[4] / 1000,
                    _ => double.NaN,
                };
                return FromSeconds(total, out span, out infinite);
            default:
                return false;
        }
    }

    private static bool FromSeconds(double seconds, out System.TimeSpan span, out bool infinite)
    {
        infinite = false;
        span = default;
        if (double.IsNaN(seconds))
        {
            return false;
        }

        // -1 ms is how Timeout.Infinite reads as a TimeSpan.
        if (Math.Abs(seconds + 0.001) < 1e-9)
        {
            infinite = true;
            span = System.TimeSpan.MaxValue;
            return true;
        }

        span = seconds >= System.TimeSpan.MaxValue.TotalSeconds ? System.TimeSpan.MaxValue : seconds <= 0 ? System.TimeSpan.Zero : System.TimeSpan.FromTicks((long)(seconds * 1e7));
        return true;
    }

    private static bool TryGetNumber(IOperation operation, out double number)
    {
        number = 0;
        var constant = operation.ConstantValue;
        if (!constant.HasValue || constant.Value is null)
        {
            return false;
        }

        try
        {
            number = Convert.ToDouble(constant.Value, System.Globalization.CultureInfo.InvariantCulture);
            return true;
        }
        catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException)
        {
            return false;
        }
    }

    /// <summary>True when <paramref name="type"/> is <paramref name="expected"/> (exactly).</summary>
    public static bool Is(ITypeSymbol? type, INamedTypeSymbol? expected) =>
        type is not null && expected is not null && SymbolEqualityComparer.Default.Equals(type, expected);

    /// <summary>Method name in an invocation's syntax (for messages).</summary>
    public static string Describe(SyntaxNode node)
    {
        var text = node.ToString();
        text = text.Replace("\r", string.Empty).Replace("\n", " ");
        return text.Length <= 50 ? text : text.Substring(0, 47) + "...";
    }
}

using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// The HTTP family's shared reasoning about created clients and handlers: where the instance goes
/// (<see cref="Escapes.TargetOfCreation"/>), and whether one of its properties (<c>Timeout</c>, <c>ConnectTimeout</c>, ...)
/// is set anywhere that configures that same instance (<see cref="IsPropertySet"/>): the object initializer,
/// a later <c>x.Timeout = ...</c> on the same local in the member, on the same field or property anywhere
/// in the containing type (constructors, static constructors and other methods, all partial parts), or
/// inside a source method the instance is passed to (<c>Configure(client)</c> setting <c>client.Timeout</c>).
/// Syntax outside the current tree is matched by name (no semantic model is built for it): a match
/// counts as "set", which keeps the rules quiet when in doubt.
/// </summary>
public static class HttpClients
{
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

        var target = Escapes.TargetOfCreation(creation, out var symbol);
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
                if (owner == WellKnownTypeNames.ThreadingTimeout && field.Name == "InfiniteTimeSpan")
                {
                    span = System.TimeSpan.MaxValue;
                    infinite = true;
                    return true;
                }

                if (owner == WellKnownTypeNames.TimeSpan && field.Name == "MaxValue")
                {
                    span = System.TimeSpan.MaxValue;
                    return true;
                }

                return false;
            case IInvocationOperation { TargetMethod: { IsStatic: true } method } invocation
                when method.ContainingType?.ToDisplayString() == WellKnownTypeNames.TimeSpan && invocation.Arguments.Length >= 1:
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
            case IObjectCreationOperation creation when creation.Type?.ToDisplayString() == WellKnownTypeNames.TimeSpan:
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

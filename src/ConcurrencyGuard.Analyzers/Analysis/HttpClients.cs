using System;
using Microsoft.CodeAnalysis.CSharp;

namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// "Is this property of the created client or handler set?" (<c>Timeout</c>, <c>ConnectTimeout</c>, ...): in the
/// object initializer, by a later <c>x.Timeout = ...</c> on the same local in the member, on the same field or
/// property anywhere in the containing type (constructors, static constructors and other methods, all partial
/// parts), or inside a source method the instance is passed to (<c>Configure(client)</c> setting <c>client.Timeout</c>).
/// Where the instance goes is <see cref="Escapes.TargetOfCreation"/>'s answer. Syntax outside the current tree is
/// matched by name (no semantic model is built for it): a match counts as "set", which keeps the rules quiet when in doubt.
/// </summary>
public static class HttpClients
{
    /// <summary>Diagnostic property: the number of seconds a fix writes (from the options).</summary>
    public const string SecondsProperty = "cg.seconds";

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

    /// <summary>Method name in an invocation's syntax (for messages).</summary>
    public static string Describe(SyntaxNode node)
    {
        var text = node.ToString();
        text = text.Replace("\r", string.Empty).Replace("\n", " ");
        return text.Length <= 50 ? text : text.Substring(0, 47) + "...";
    }
}

using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace ConcurrencyGuard.Analyzers.Baseline;

/// <summary>A type or member declaration and its baseline name (<c>Outer.Inner.Method(int,string)</c>).</summary>
internal readonly struct MemberDeclaration
{
    public MemberDeclaration(TextSpan span, string name)
    {
        Span = span;
        Name = name;
    }

    public TextSpan Span { get; }

    public string Name { get; }
}

/// <summary>
/// The "containing member" of a baseline identity: the innermost type member (method, constructor,
/// property, field, event, ...) around a position, named by its type chain, name and parameter types
/// as written. Syntax only, so the suppressor and the update build's index agree on it by construction;
/// local functions and lambdas belong to their member, so edits inside a method keep its name.
/// </summary>
internal static class MemberIndex
{
    public const string TopLevelStatements = "<top-level>";

    public static ImmutableArray<MemberDeclaration> Build(SyntaxNode root)
    {
        var builder = ImmutableArray.CreateBuilder<MemberDeclaration>();
        Visit(root, prefix: null, builder);
        return builder.ToImmutable();
    }

    /// <summary>The innermost declaration containing <paramref name="position"/>, or "" outside every type.</summary>
    public static string Find(ImmutableArray<MemberDeclaration> index, int position)
    {
        string? best = null;
        var bestLength = int.MaxValue;
        foreach (var declaration in index)
        {
            if (declaration.Span.Start <= position && position < declaration.Span.End && declaration.Span.Length < bestLength)
            {
                best = declaration.Name;
                bestLength = declaration.Span.Length;
            }
        }

        return best ?? string.Empty;
    }

    private static void Visit(SyntaxNode node, string? prefix, ImmutableArray<MemberDeclaration>.Builder builder)
    {
        foreach (var child in node.ChildNodes())
        {
            switch (child)
            {
                case BaseNamespaceDeclarationSyntax:
                    Visit(child, prefix, builder);
                    break;
                case GlobalStatementSyntax:
                    builder.Add(new MemberDeclaration(child.Span, TopLevelStatements));
                    break;
                case BaseTypeDeclarationSyntax type:
                    var typeName = Qualify(prefix, type.Identifier.ValueText + TypeParameters((type as TypeDeclarationSyntax)?.TypeParameterList));
                    builder.Add(new MemberDeclaration(type.Span, typeName));
                    Visit(type, typeName, builder);
                    break;
                case BaseFieldDeclarationSyntax field:
                    foreach (var variable in field.Declaration.Variables)
                    {
                        builder.Add(new MemberDeclaration(variable.Span, Qualify(prefix, variable.Identifier.ValueText)));
                    }

                    break;
                case MemberDeclarationSyntax member when Name(member) is { } name:
                    builder.Add(new MemberDeclaration(member.Span, Qualify(prefix, name)));
                    break;
            }
        }
    }

    private static string? Name(MemberDeclarationSyntax member) => member switch
    {
        MethodDeclarationSyntax m => Explicit(m.ExplicitInterfaceSpecifier) + m.Identifier.ValueText + TypeParameters(m.TypeParameterList) + Parameters(m.ParameterList),
        ConstructorDeclarationSyntax c => (c.Modifiers.Any(SyntaxKind.StaticKeyword) ? ".cctor" : ".ctor") + Parameters(c.ParameterList),
        DestructorDeclarationSyntax => "Finalize()",
        OperatorDeclarationSyntax o => Explicit(o.ExplicitInterfaceSpecifier) + "operator" + o.OperatorToken.Text + Parameters(o.ParameterList),
        ConversionOperatorDeclarationSyntax c => Explicit(c.ExplicitInterfaceSpecifier) + c.ImplicitOrExplicitKeyword.Text + "operator" + Strip(c.Type) + Parameters(c.ParameterList),
        PropertyDeclarationSyntax p => Explicit(p.ExplicitInterfaceSpecifier) + p.Identifier.ValueText,
        IndexerDeclarationSyntax i => Explicit(i.ExplicitInterfaceSpecifier) + "this[" + ParameterTypes(i.ParameterList.Parameters) + "]",
        EventDeclarationSyntax e => Explicit(e.ExplicitInterfaceSpecifier) + e.Identifier.ValueText,
        EnumMemberDeclarationSyntax e => e.Identifier.ValueText,
        DelegateDeclarationSyntax d => d.Identifier.ValueText + TypeParameters(d.TypeParameterList) + Parameters(d.ParameterList),
        _ => null,
    };

    private static string Qualify(string? prefix, string name) => prefix is null ? name : prefix + "." + name;

    private static string Explicit(ExplicitInterfaceSpecifierSyntax? specifier) => specifier is null ? string.Empty : Strip(specifier.Name) + ".";

    private static string TypeParameters(TypeParameterListSyntax? list) =>
        list is null ? string.Empty : "<" + string.Join(",", list.Parameters.Select(p => p.Identifier.ValueText)) + ">";

    private static string Parameters(BaseParameterListSyntax list) => "(" + ParameterTypes(list.Parameters) + ")";

    private static string ParameterTypes(SeparatedSyntaxList<ParameterSyntax> parameters) =>
        string.Join(",", parameters.Select(p => p.Type is null ? p.Identifier.ValueText : Strip(p.Type)));

    private static string Strip(SyntaxNode node) => FindingIdentity.RemoveWhitespace(node.ToString());
}

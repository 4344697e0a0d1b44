using System.Globalization;

namespace ConcurrencyGuard.CodeFixes.Http;

/// <summary>What the HTTP family's fixes share: seconds from the diagnostic, TimeSpan expressions, object-initializer edits.</summary>
internal static class HttpFixes
{
    /// <summary>The seconds the analyzer read from the options (<see cref="HttpClients.SecondsProperty"/>), else the default 30.</summary>
    public static int Seconds(Diagnostic diagnostic) =>
        diagnostic.Properties.TryGetValue(HttpClients.SecondsProperty, out var text)
        && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 ? seconds : 30;

    /// <summary><c>TimeSpan.FromSeconds(n)</c> (written qualified, simplified on apply).</summary>
    public static ExpressionSyntax FromSeconds(int seconds) => TimeSpanCall("FromSeconds", seconds);

    public static ExpressionSyntax TimeSpanCall(string factory, int amount) =>
        SyntaxFactory.InvocationExpression(
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, FixHelpers.QualifiedType("System.TimeSpan"), SyntaxFactory.IdentifierName(factory)),
            SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(
                SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(amount))))));

    /// <summary>
    /// Adds <c>Name = value</c> assignments to the object initializer of <paramref name="creation"/>, creating
    /// one when there is none (<c>new HttpClient()</c> becomes <c>new HttpClient { Timeout = ... }</c>); a
    /// multi-line initializer gets one line per new assignment at the indentation of the existing ones.
    /// </summary>
    public static BaseObjectCreationExpressionSyntax AddInitializers(BaseObjectCreationExpressionSyntax creation, IReadOnlyList<(string Name, ExpressionSyntax Value)> members)
    {
        var assignments = members.Select(m => (ExpressionSyntax)SyntaxFactory.AssignmentExpression(
            SyntaxKind.SimpleAssignmentExpression,
            SyntaxFactory.IdentifierName(m.Name).WithTrailingTrivia(SyntaxFactory.Space),
            SyntaxFactory.Token(SyntaxKind.EqualsToken).WithTrailingTrivia(SyntaxFactory.Space),
            m.Value)).ToList();

        var initializer = creation.Initializer;
        if (initializer is null)
        {
            var trailing = creation.GetTrailingTrivia();
            var list = new List<SyntaxNodeOrToken>();
            for (var i = 0; i < assignments.Count; i++)
            {
                if (i > 0)
                {
                    list.Add(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space));
                }

                list.Add(assignments[i]);
            }

            var created = SyntaxFactory.InitializerExpression(
                SyntaxKind.ObjectInitializerExpression,
                SyntaxFactory.Token(SyntaxKind.OpenBraceToken).WithTrailingTrivia(SyntaxFactory.Space),
                SyntaxFactory.SeparatedList<ExpressionSyntax>(list),
                SyntaxFactory.Token(SyntaxKind.CloseBraceToken).WithTrailingTrivia(trailing));
            creation = creation.WithoutTrailingTrivia();
            if (creation is ObjectCreationExpressionSyntax { ArgumentList.Arguments.Count: 0 } withEmptyArguments
                && !withEmptyArguments.ArgumentList.CloseParenToken.IsMissing)
            {
                return withEmptyArguments.WithArgumentList(null).WithType(withEmptyArguments.Type.WithTrailingTrivia(SyntaxFactory.Space)).WithInitializer(created);
            }

            return creation.WithTrailingTrivia(SyntaxFactory.Space).WithInitializer(created);
        }

        var expressions = initializer.Expressions;
        var items = new List<SyntaxNodeOrToken>(expressions.GetWithSeparators());
        var multiLine = initializer.OpenBraceToken.TrailingTrivia.Any(SyntaxKind.EndOfLineTrivia);
        var leading = multiLine && expressions.Count > 0 ? expressions[0].GetLeadingTrivia() : default;
        var hasTrailingComma = expressions.Count > 0 && expressions.SeparatorCount == expressions.Count;
        if (expressions.Count == 0)
        {
            foreach (var assignment in assignments)
            {
                if (items.Count > 0)
                {
                    items.Add(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space));
                }

                items.Add(assignment.WithTrailingTrivia(SyntaxFactory.Space));
            }

            return creation.WithInitializer(initializer.WithExpressions(SyntaxFactory.SeparatedList<ExpressionSyntax>(items)));
        }

        if (hasTrailingComma)
        {
            var comma = (SyntaxToken)items[items.Count - 1];
            foreach (var assignment in assignments)
            {
                items.Add(assignment.WithLeadingTrivia(leading));
                items.Add(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(comma.TrailingTrivia));
            }
        }
        else
        {
            var last = (ExpressionSyntax)items[items.Count - 1].AsNode()!;
            var lastTrailing = last.GetTrailingTrivia();
            items[items.Count - 1] = last.WithoutTrailingTrivia();
            var separatorTrivia = multiLine ? SyntaxFactory.TriviaList(SyntaxFactory.EndOfLine("\n")) : SyntaxFactory.TriviaList(SyntaxFactory.Space);
            if (multiLine && lastTrailing.Any(SyntaxKind.EndOfLineTrivia))
            {
                separatorTrivia = SyntaxFactory.TriviaList(lastTrailing.First(t => t.IsKind(SyntaxKind.EndOfLineTrivia)));
            }

            for (var i = 0; i < assignments.Count; i++)
            {
                items.Add(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(separatorTrivia));
                var element = assignments[i].WithLeadingTrivia(leading);
                items.Add(i == assignments.Count - 1 ? element.WithTrailingTrivia(lastTrailing) : element);
            }
        }

        return creation.WithInitializer(initializer.WithExpressions(SyntaxFactory.SeparatedList<ExpressionSyntax>(items)));
    }
}

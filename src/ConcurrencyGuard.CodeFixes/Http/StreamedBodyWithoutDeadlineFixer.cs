using System.Globalization;
using ConcurrencyGuard.CodeFixes.Cancellation;

namespace ConcurrencyGuard.CodeFixes.Http;

/// <summary>
/// Fixes CG3005: forwards the token in scope (<see cref="TokenInScope"/>, carried by the diagnostic) to the
/// body read, positionally or named exactly as CG2001's fix does. Not offered without a single token in
/// scope, nor when the call with the token would bind elsewhere.
/// </summary>
[ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(StreamedBodyWithoutDeadlineFixer)), Shared]
public sealed class StreamedBodyWithoutDeadlineFixer : ConcurrencyGuardFixer
{
    public const string EquivalenceKey = "PassTokenToBodyRead";

    public StreamedBodyWithoutDeadlineFixer()
        : base(RuleIdentifiers.StreamedBodyWithoutDeadline)
    {
    }

    protected override CodeAction? GetFix(FixScope scope, Diagnostic diagnostic)
    {
        var model = scope.Model!;
        if (!TokenInScope.TryGetTokenExpression(diagnostic, out var token)
            || !diagnostic.Properties.TryGetValue(TokenForwarding.ParameterNameProperty, out var parameterName)
            || string.IsNullOrEmpty(parameterName)
            || !diagnostic.Properties.TryGetValue(TokenForwarding.PositionProperty, out var positionText)
            || !int.TryParse(positionText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var position)
            || scope.FindNode(diagnostic).FirstAncestorOrSelf<InvocationExpressionSyntax>() is not { } invocation
            || invocation.Span != diagnostic.Location.SourceSpan)
        {
            return null;
        }

        var changed = TokenNotForwardedFixer.AddTokenArgument(invocation, token, parameterName!, position);
        if (!TokenNotForwardedFixer.BindsToMethodWithToken(model, invocation, changed, scope.CancellationToken))
        {
            return null;
        }

        return scope.Replace($"Pass {token} to the body read", invocation, changed, EquivalenceKey);
    }
}

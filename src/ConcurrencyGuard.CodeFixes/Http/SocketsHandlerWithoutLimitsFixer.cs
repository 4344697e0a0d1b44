using ConcurrencyGuard.Analyzers.Http;

namespace ConcurrencyGuard.CodeFixes.Http;

/// <summary>
/// Fixes CG3003: adds the missing <c>ConnectTimeout = TimeSpan.FromSeconds(10)</c> and/or
/// <c>PooledConnectionLifetime = TimeSpan.FromMinutes(15)</c> (the value Microsoft's HttpClient guidelines use) to the initializer.
/// </summary>
[ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(SocketsHandlerWithoutLimitsFixer)), Shared]
public sealed class SocketsHandlerWithoutLimitsFixer : ConcurrencyGuardFixer
{
    public const string EquivalenceKey = "AddHandlerLimits";

    public SocketsHandlerWithoutLimitsFixer()
        : base(RuleIdentifiers.SocketsHandlerWithoutLimits)
    {
    }

    protected override bool UsesSemanticModel => false;

    protected override CodeAction? GetFix(FixScope scope, Diagnostic diagnostic)
    {
        if (scope.FindExact<BaseObjectCreationExpressionSyntax>(diagnostic) is not { } creation
            || !diagnostic.Properties.TryGetValue(SocketsHandlerWithoutLimitsAnalyzer.MissingProperty, out var missing)
            || string.IsNullOrEmpty(missing))
        {
            return null;
        }

        var members = new List<(string, ExpressionSyntax)>();
        foreach (var name in missing!.Split(','))
        {
            members.Add(name == "ConnectTimeout"
                ? (name, HttpFixes.TimeSpanCall("FromSeconds", 10))
                : (name, HttpFixes.TimeSpanCall("FromMinutes", 15)));
        }

        return scope.Replace("Set " + missing.Replace(",", " and "), creation, () => HttpFixes.AddInitializers(creation, members), EquivalenceKey);
    }
}

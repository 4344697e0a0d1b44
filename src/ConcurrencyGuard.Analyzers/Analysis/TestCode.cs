namespace ConcurrencyGuard.Analyzers;

/// <summary>
/// "Is this test code?" Test code is not a service: rules whose advice only matters under production load
/// (the HTTP family) stay silent in test assemblies and test methods.
/// </summary>
public static class TestCode
{
    private static readonly System.Collections.Generic.HashSet<string> TestAttributeNames = new(System.StringComparer.Ordinal)
    {
        "Fact", "Theory", "Test", "TestMethod", "TestCase", "DataTestMethod", "SkippableFact", "SkippableTheory", "TestCaseSource",
    };

    private static readonly string[] TestFrameworks = { "xunit.core", "xunit.v3.core", "nunit.framework", "Microsoft.VisualStudio.TestPlatform.TestFramework", "TUnit.Core" };

    /// <summary>A test assembly: it references xUnit, NUnit, MSTest or TUnit.</summary>
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

    /// <summary>A method carrying a test attribute, matched by name so it also works when the framework is not referenced.</summary>
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
}

using System.Collections.Immutable;
using ConcurrencyGuard.Analyzers.Baseline;
using ConcurrencyGuard.Analyzers.Tasks;
using ConcurrencyGuard.Analyzers.Tests.Package;
using ConcurrencyGuard.Corpus;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace ConcurrencyGuard.Analyzers.Tests.Baseline;

/// <summary>
/// The identity rules of the baseline (docs/baseline.md, "What counts as the same finding"), checked
/// on the pieces (code normalisation, paths, member names, file format) and end to end through the
/// analyzer and suppressor in a compilation, with the options the package's targets pass.
/// </summary>
public class BaselineIdentityTests
{
    private const string ProjectDir = "/repo/src/Orders";

    /// <summary>The package test's consumer: two CG1004 (in Place and Ship) and a CG2004.</summary>
    private const string Service = PackageIntegrationTests.Consumer.Source;

    [Theory]
    [InlineData("SaveAsync( )", "SaveAsync()")]
    [InlineData("Foo(a,b)", "Foo( a,\n\t\t b )")]
    [InlineData("client.GetAsync(url,\r\n    token)", "client.GetAsync(url, token)")]
    public void Whitespace_and_line_breaks_do_not_change_the_code(string a, string b) =>
        Assert.Equal(FindingIdentity.NormalizeCode(a), FindingIdentity.NormalizeCode(b));

    [Fact]
    public void Different_code_stays_different() =>
        Assert.NotEqual(FindingIdentity.NormalizeCode("SaveAsync()"), FindingIdentity.NormalizeCode("LoadAsync()"));

    [Fact]
    public void Long_code_keeps_a_prefix_and_a_stable_hash_of_the_whole()
    {
        var a = "Run(" + string.Concat(Enumerable.Repeat("argument, ", 30)) + "last)";
        var b = "Run(" + string.Concat(Enumerable.Repeat("argument, ", 30)) + "other)";
        var normalized = FindingIdentity.NormalizeCode(a);
        Assert.True(normalized.Length < FindingIdentity.MaxCodeLength + 20, normalized);
        Assert.StartsWith("Run(argument,argument,", normalized, StringComparison.Ordinal);
        Assert.Equal(normalized, FindingIdentity.NormalizeCode(a.Replace(", ", ",\n    ", StringComparison.Ordinal)));
        Assert.NotEqual(normalized, FindingIdentity.NormalizeCode(b));
    }

    [Theory]
    [InlineData("/repo/src/Orders", "/repo/src/Orders/OrderService.cs", "OrderService.cs")]
    [InlineData("/repo/src/Orders/", "/repo/src/Orders/Api/Client.cs", "Api/Client.cs")]
    [InlineData("/repo/src/Orders", "/repo/src/Shared/Linked.cs", "../Shared/Linked.cs")]
    [InlineData(@"C:\repo\Orders", @"C:\repo\Orders\Api\Client.cs", "Api/Client.cs")]
    [InlineData(@"C:\repo\Orders", @"c:\repo\orders\Api\Client.cs", "Api/Client.cs")]
    public void Paths_are_project_relative_with_forward_slashes(string directory, string path, string expected) =>
        Assert.Equal(expected, FindingIdentity.RelativePath(directory, path));

    [Fact]
    public void Members_are_named_by_type_chain_name_and_parameter_types()
    {
        var root = CSharpSyntaxTree.ParseText("""
            namespace Shop.Orders;

            public class Outer<T>
            {
                private readonly int _a = 1, _b = 2;
                public Outer(int x) { }
                static Outer() { }
                public string Name { get; } = "";
                public int this[string key, int  index] => 0;
                public event System.Action Changed;
                public void Run(System.Collections.Generic.Dictionary<string, int> map, ref int count) { }
                public void Run() { void Local() { } }
                void System.IDisposable.Dispose() { }
                public static Outer<T> operator +(Outer<T> a, Outer<T> b) => a;
                public class Inner { public T Get<TResult>(T value) => value; }
            }
            """).GetRoot();
        var names = MemberIndex.Build(root).Select(d => d.Name).ToList();
        Assert.Equal(
            new[]
            {
                "Outer<T>", "Outer<T>._a", "Outer<T>._b", "Outer<T>..ctor(int)", "Outer<T>..cctor()", "Outer<T>.Name",
                "Outer<T>.this[string,int]", "Outer<T>.Changed", "Outer<T>.Run(System.Collections.Generic.Dictionary<string,int>,int)",
                "Outer<T>.Run()", "Outer<T>.System.IDisposable.Dispose()", "Outer<T>.operator+(Outer<T>,Outer<T>)",
                "Outer<T>.Inner", "Outer<T>.Inner.Get<TResult>(T)",
            },
            names);
    }

    [Fact]
    public void The_innermost_member_contains_a_position_and_local_functions_belong_to_their_member()
    {
        const string source = """
            public class C
            {
                public void M()
                {
                    void Local() { Work(); }
                }

                public C() { }
            }

            public class D { }
            """;
        var tree = CSharpSyntaxTree.ParseText(source);
        var index = MemberIndex.Build(tree.GetRoot());
        Assert.Equal("C.M()", MemberIndex.Find(index, source.IndexOf("Work", StringComparison.Ordinal)));
        Assert.Equal("C..ctor()", MemberIndex.Find(index, source.IndexOf("public C()", StringComparison.Ordinal)));
        Assert.Equal("D", MemberIndex.Find(index, source.IndexOf("{ }", source.IndexOf("class D", StringComparison.Ordinal), StringComparison.Ordinal)));
        Assert.Equal("C", MemberIndex.Find(index, 0));
        Assert.Equal(string.Empty, MemberIndex.Find(index, source.IndexOf("}\n\npublic class D", StringComparison.Ordinal) + 1));
        Assert.Equal(MemberIndex.TopLevelStatements, MemberIndex.Find(MemberIndex.Build(CSharpSyntaxTree.ParseText("System.Console.WriteLine();").GetRoot()), 3));
    }

    [Fact]
    public void The_file_is_sorted_one_entry_per_line_and_round_trips()
    {
        var findings = new Dictionary<FindingKey, int>
        {
            [new FindingKey("CG1003", "b/Z.cs", "Z.Refresh()", "Refresh")] = 1,
            [new FindingKey("CG1001", "a/Y.cs", "Y.Place()", "Save(\"x\\y\")")] = 2,
            [new FindingKey("CG1001", "a/Y.cs", "Y.Ack()", "Save()")] = 1,
        };
        var text = BaselineFile.Write(findings);
        Assert.DoesNotContain("/repo", text, StringComparison.Ordinal);
        var lines = text.Split('\n');
        var entryLines = lines.Where(l => l.Contains("\"rule\"", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, entryLines.Count);
        Assert.Contains("Y.Ack()", entryLines[0], StringComparison.Ordinal);
        Assert.Contains("Y.Place()", entryLines[1], StringComparison.Ordinal);
        Assert.Contains("Z.Refresh()", entryLines[2], StringComparison.Ordinal);
        Assert.Equal(text, BaselineFile.Write(findings.Reverse()));

        var parsed = BaselineFile.Parse(text);
        Assert.Equal(findings.OrderBy(f => f.Key).Select(f => (f.Key, f.Value)), parsed.Select(e => (e.Key, e.Count)));
        Assert.Equal(Array.IndexOf(lines, entryLines[1]) + 1, parsed[1].Line);
        Assert.Throws<FormatException>(() => BaselineFile.Parse("{ \"entries\": [ { \"rule\": \"CG1001\" } ] }"));
        Assert.Throws<FormatException>(() => BaselineFile.Parse("{ \"entries\": [ "));
    }

    [Fact]
    public async Task Baselined_findings_are_suppressed_after_line_shifts_and_reformatting()
    {
        var baseline = await UpdateAsync(Service);
        var edited = "\n\n\n\n\n\n\n\n\n\n" + Service.Replace("public void Place() => _orders.ForEach(async o => await Task.Delay(o));", "public void Place() =>\n        _orders.ForEach(async  o =>  await Task.Delay(o));", StringComparison.Ordinal);
        var diagnostics = await CheckAsync(edited, baseline);
        Assert.All(diagnostics.Where(d => d.Id == "CG1004"), d => Assert.True(d.IsSuppressed, d.ToString()));
        Assert.Equal(2, diagnostics.Count(d => d.Id == "CG1004"));
    }

    [Fact]
    public async Task One_more_identical_finding_in_a_member_is_reported_and_the_same_code_elsewhere_is_new()
    {
        var baseline = await UpdateAsync(Service);
        var edited = Service
            .Replace("_orders.ForEach(async o => await Task.Delay(o));\n    }", "_orders.ForEach(async o => await Task.Delay(o));\n        _orders.ForEach(async o => await Task.Delay(o));\n    }", StringComparison.Ordinal)
            .Replace("public void Place()", "public void Pack() => _orders.ForEach(async o => await Task.Delay(o));\n\n    public void Place()", StringComparison.Ordinal);
        var diagnostics = await CheckAsync(edited, baseline);
        Assert.Equal(4, diagnostics.Count(d => d.Id == "CG1004"));
        var reported = diagnostics.Where(d => d.Id == "CG1004" && !d.IsSuppressed).ToList();
        Assert.Equal(2, reported.Count);
        var lines = reported.Select(d => d.Location.GetLineSpan().StartLinePosition.Line + 1).Order().ToList();
        var sourceLines = edited.Split('\n');
        Assert.Contains("Pack()", sourceLines[lines[0] - 1], StringComparison.Ordinal);
        Assert.Equal("_orders.ForEach(async o => await Task.Delay(o));", sourceLines[lines[1] - 1].Trim());
        Assert.Contains("_orders.ForEach(async o => await Task.Delay(o));", sourceLines[lines[1] - 2], StringComparison.Ordinal);
    }

    /// <summary>
    /// The analyzer half of CG0001: one diagnostic per entry, on the entry's line, carrying its identity.
    /// The suppressor half (dropping the CG0001 of entries that still match) needs the whole
    /// compilation's diagnostics at once, as the command-line compiler gives them; the package
    /// integration test covers it, since this in-process host hands compilation-end diagnostics to the
    /// suppressor apart from the others.
    /// </summary>
    [Fact]
    public async Task Every_entry_gets_a_stale_check_on_its_own_line()
    {
        var baseline = await UpdateAsync(Service);
        var entries = (await CheckAsync(Service, baseline)).Where(d => d.Id == "CG0001").ToList();
        Assert.Equal(2, entries.Count);
        var lines = baseline.Split('\n');
        foreach (var entry in entries)
        {
            Assert.Equal(BaselinePath, entry.Location.GetLineSpan().Path);
            var member = entry.Properties[BaselineAnalyzer.MemberProperty]!;
            Assert.Contains(member, entry.GetMessage(), StringComparison.Ordinal);
            Assert.Contains("\"" + member + "\"", lines[entry.Location.GetLineSpan().StartLinePosition.Line], StringComparison.Ordinal);
        }

        Assert.Equal(new[] { "OrderService.Place()", "OrderService.Ship()" }, entries.Select(e => e.Properties[BaselineAnalyzer.MemberProperty]).Order());
    }

    [Fact]
    public async Task Update_mode_suppresses_every_finding_and_indexes_each_file()
    {
        var diagnostics = await AnalyzeAsync(Service, "update", baseline: null);
        Assert.Equal(2, diagnostics.Count(d => d.Id == "CG1004"));
        Assert.All(diagnostics.Where(d => d.Id == "CG1004"), d => Assert.True(d.IsSuppressed));
        var index = Assert.Single(diagnostics, d => d.Id == BaselineAnalyzer.IndexId);
        Assert.Contains(":OrderService.Ship()\n", index.Properties[BaselineAnalyzer.MembersProperty], StringComparison.Ordinal);
        Assert.DoesNotContain(diagnostics, d => d.Id == "CG0001");
    }

    [Fact]
    public async Task Without_a_mode_the_baseline_is_ignored()
    {
        var baseline = await UpdateAsync(Service);
        var diagnostics = await AnalyzeAsync(Service, mode: null, baseline);
        Assert.Equal(2, diagnostics.Count(d => d.Id == "CG1004" && !d.IsSuppressed));
        Assert.DoesNotContain(diagnostics, d => d.Id is "CG0001" or BaselineAnalyzer.IndexId);
    }

    private const string BaselinePath = ProjectDir + "/concurrencyguard.baseline.json";

    /// <summary>What the update build writes, computed here from the suppressor's identity of each finding.</summary>
    private static async Task<string> UpdateAsync(string source)
    {
        var diagnostics = await AnalyzeAsync(source, "update", baseline: null);
        var counts = new Dictionary<FindingKey, int>();
        foreach (var d in diagnostics.Where(d => BaselineSuppressor.IsRule(d.Id)))
        {
            var key = BaselineSettings.KeyOf(d, ProjectDir, t => MemberIndex.Build(t.GetRoot()), CancellationToken.None)!.Value;
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }

        return BaselineFile.Write(counts);
    }

    private static Task<ImmutableArray<Diagnostic>> CheckAsync(string source, string baseline) => AnalyzeAsync(source, "check", baseline);

    private static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(string source, string? mode, string? baseline)
    {
        var compilation = CorpusLoader.FromSources("Orders", new[] { (ProjectDir + "/OrderService.cs", source) });
        var additional = baseline is null ? ImmutableArray<AdditionalText>.Empty : ImmutableArray.Create<AdditionalText>(new InMemoryText(BaselinePath, baseline));
        var global = new Dictionary<string, string> { [BaselineSettings.ProjectDirProperty] = ProjectDir };
        if (mode is not null)
        {
            global[BaselineSettings.ModeProperty] = mode;
        }

        var options = new AnalyzerOptions(additional, new OptionsProvider(global));
        var analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new AsyncLambdaToVoidDelegateAnalyzer(), new BaselineAnalyzer(), new BaselineSuppressor());
        var withAnalyzers = compilation.WithAnalyzers(analyzers, new CompilationWithAnalyzersOptions(options, null, concurrentAnalysis: true, logAnalyzerExecutionTime: false, reportSuppressedDiagnostics: true));
        var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync();
        Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
        return diagnostics;
    }

    private sealed class InMemoryText(string path, string text) : AdditionalText
    {
        public override string Path { get; } = path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text);
    }

    private sealed class OptionsProvider(Dictionary<string, string> global) : AnalyzerConfigOptionsProvider
    {
        private static readonly Options Baseline = new(new Dictionary<string, string> { [BaselineSettings.FileMetadata] = "true" });

        public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(global);

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Options(new Dictionary<string, string>());

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Baseline;
    }

    private sealed class Options(Dictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, out string value) =>
            values.TryGetValue(key, out value!) || values.TryGetValue(key.ToLowerInvariant(), out value!);
    }
}

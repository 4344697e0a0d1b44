using VerifyCG2004 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Cancellation.UndisposedTokenSourceAnalyzer,
    ConcurrencyGuard.CodeFixes.Cancellation.UndisposedTokenSourceFixer>;

namespace ConcurrencyGuard.Analyzers.Tests.Cancellation;

public class UndisposedTokenSourceTests
{
    private const string Usings = "using System;\nusing System.Collections.Generic;\nusing System.Threading;\nusing System.Threading.Tasks;\n";

    [Fact]
    public Task Flags_linked_timed_and_plain_sources_and_fixes_all_with_using() => VerifyCG2004.FixAsync(Usings + """
        class C
        {
            async Task RunAsync(CancellationToken ct)
            {
                // linked to the caller
                var {|CG2004:linked|} = CancellationTokenSource.CreateLinkedTokenSource(ct);
                linked.CancelAfter(TimeSpan.FromSeconds(5));
                await Task.Delay(10, linked.Token);
                CancellationTokenSource {|CG2004:timeout|} = new(TimeSpan.FromSeconds(1));
                await Task.Delay(10, timeout.Token);
                var {|CG2004:plain|} = new CancellationTokenSource();
                plain.Cancel();
            }
        }
        """, Usings + """
        class C
        {
            async Task RunAsync(CancellationToken ct)
            {
                // linked to the caller
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
                linked.CancelAfter(TimeSpan.FromSeconds(5));
                await Task.Delay(10, linked.Token);
                using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(1));
                await Task.Delay(10, timeout.Token);
                using var plain = new CancellationTokenSource();
                plain.Cancel();
            }
        }
        """);

    [Fact]
    public Task Flags_in_lambda_and_local_function_and_top_level_code() => VerifyCG2004.AnalyzerAsync(Usings + """
        class C
        {
            void Setup(CancellationToken ct)
            {
                Func<Task> f = async () =>
                {
                    var {|CG2004:cts|} = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    await Task.Delay(1, cts.Token);
                };
                async Task Local()
                {
                    var {|CG2004:cts|} = new CancellationTokenSource(100);
                    await Task.Delay(1, cts.Token);
                }
            }
        }
        """);

    [Fact]
    public Task Message_explains_the_linked_leak() => VerifyCG2004.AnalyzerAsync(Usings + """
        class C
        {
            void Run(CancellationToken ct)
            {
                var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            }
        }
        """, null, Microsoft.CodeAnalysis.Testing.DiagnosticResult.CompilerWarning("CG2004").WithSpan(9, 13, 9, 16)
            .WithArguments("cts", "a linked source stays registered on its parent token until it is disposed, one leak per call"));

    [Fact]
    public Task Reassigned_or_multi_declarator_locals_are_reported_without_fix() => VerifyCG2004.NoFixAsync(Usings + """
        class C
        {
            void Run()
            {
                var {|CG2004:cts|} = new CancellationTokenSource();
                cts = new CancellationTokenSource();
                CancellationTokenSource {|CG2004:a|} = new(), {|CG2004:b|} = new();
                switch (1)
                {
                    case 1:
                        var {|CG2004:inSwitch|} = new CancellationTokenSource();
                        break;
                }
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_disposed_sources() => VerifyCG2004.AnalyzerAsync(Usings + """
        class C
        {
            async Task RunAsync(CancellationToken ct)
            {
                using var a = new CancellationTokenSource();
                using (var b = CancellationTokenSource.CreateLinkedTokenSource(ct)) { }
                var c = new CancellationTokenSource();
                try { await Task.Delay(1, c.Token); } finally { c.Dispose(); }
                var d = new CancellationTokenSource();
                d?.Dispose();
                var e = new CancellationTokenSource();
                using (e) { }
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_ownership_transfer() => VerifyCG2004.AnalyzerAsync(Usings + """
        class Holder { public Holder(CancellationTokenSource cts) { } public CancellationTokenSource? Cts { get; set; } }
        class C
        {
            CancellationTokenSource? _cts;
            CancellationToken _token;
            readonly List<CancellationTokenSource> _all = new();
            CancellationTokenSource Create() { var cts = new CancellationTokenSource(); return cts; }
            CancellationToken Timeout() { var cts = new CancellationTokenSource(1000); return cts.Token; }
            void Run(CancellationToken ct)
            {
                var a = new CancellationTokenSource(); _cts = a;
                var b = new CancellationTokenSource(); _all.Add(b);
                var c = new CancellationTokenSource(); var h = new Holder(c);
                var d = new CancellationTokenSource(); var h2 = new Holder(null!) { Cts = d };
                var e = new CancellationTokenSource(); ct.Register(() => e.Dispose());
                var f = new CancellationTokenSource(); _token = f.Token;
                var g = new CancellationTokenSource(); _ = Task.Run(async () => { await Task.Delay(1); g.Cancel(); });
                var t = (new CancellationTokenSource(), 1);
            }
            IEnumerable<CancellationTokenSource> Many() { var cts = new CancellationTokenSource(); yield return cts; }
        }
        """);

    [Fact]
    public Task Does_not_flag_fields_or_other_types() => VerifyCG2004.AnalyzerAsync(Usings + """
        class C
        {
            readonly CancellationTokenSource _stopping = new();
            void Run() { var x = new object(); CancellationTokenSource? none = null; }
        }
        """);

    [Fact]
    public Task Does_not_crash_on_broken_code() => VerifyCG2004.AnalyzerAsync(Usings + """
        class C
        {
            void Run()
            {
                var a = new CancellationTokenSource({|CS1503:"x"|});
                var {|CS0818:b|};
                var c = new {|CS0246:Missing|}();
                c.Dispose();
            }
        }
        """);
}

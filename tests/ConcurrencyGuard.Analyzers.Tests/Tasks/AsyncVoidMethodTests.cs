using VerifyCG1003 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Tasks.AsyncVoidMethodAnalyzer,
    ConcurrencyGuard.CodeFixes.Tasks.AsyncVoidMethodFixer>;

namespace ConcurrencyGuard.Analyzers.Tests.Tasks;

public class AsyncVoidMethodTests
{
    private const string Usings = "using System;\nusing System.Threading.Tasks;\n";

    [Fact]
    public Task Flags_async_void_method_and_local_function() => VerifyCG1003.AnalyzerAsync(Usings + """
        class C
        {
            public async void {|CG1003:Refresh|}() { await Task.Delay(1); }
            void Outer()
            {
                async void {|CG1003:Local|}() { await Task.Delay(1); }
                Local();
            }
            static async void {|CG1003:Expression|}() => await Task.Delay(1);
        }
        """);

    [Fact]
    public Task Flags_event_handler_without_catch_all() => VerifyCG1003.AnalyzerAsync(Usings + """
        class C
        {
            async void {|CG1003:OnClick|}(object sender, EventArgs e) { await Task.Delay(1); }
            async void {|CG1003:OnFiltered|}(object sender, EventArgs e)
            {
                try { await Task.Delay(1); }
                catch (Exception ex) when (ex is TimeoutException) { }
            }
            async void {|CG1003:OnNarrow|}(object sender, EventArgs e)
            {
                try { await Task.Delay(1); }
                catch (InvalidOperationException) { }
            }
            async void {|CG1003:OnPartlyWrapped|}(object sender, EventArgs e)
            {
                await Task.Delay(1);
                try { await Task.Delay(1); } catch (Exception) { }
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_event_handler_wrapped_in_catch_all() => VerifyCG1003.AnalyzerAsync(Usings + """
        class MyArgs : EventArgs { }
        class C
        {
            async void OnClick(object sender, EventArgs e)
            {
                try { await Task.Delay(1); }
                catch (Exception ex) { Console.WriteLine(ex); }
            }
            async void OnCustom(object? sender, MyArgs e)
            {
                try { await Task.Delay(1); }
                catch { }
            }
        }
        """);

    [Fact]
    public Task Overrides_and_interface_implementations_follow_the_catch_all_rule() => VerifyCG1003.AnalyzerAsync(Usings + """
        interface IHandler { void Handle(); }
        abstract class Base { public abstract void Run(); public abstract void Safe(); }
        class C : Base, IHandler
        {
            public override async void {|CG1003:Run|}() { await Task.Delay(1); }
            public override async void Safe()
            {
                try { await Task.Delay(1); } catch (Exception) { }
            }
            public async void Handle()
            {
                try { await Task.Delay(1); } catch (Exception) { }
            }
        }
        class D : IHandler
        {
            async void IHandler.{|CG1003:Handle|}() { await Task.Delay(1); }
        }
        """);

    [Fact]
    public Task Does_not_flag_async_task_sync_void_or_lambdas() => VerifyCG1003.AnalyzerAsync(Usings + """
        class C
        {
            async Task RefreshAsync() { await Task.Delay(1); }
            void Sync() { }
            void Lambdas()
            {
                Func<Task> f = async () => await Task.Delay(1);
            }
        }
        """);

    // Issue #16 (CG1003): a method passed as a void callback (a Timer's TimerCallback) must stay void, like an override:
    // flagged only when an exception can escape its body.
    [Fact]
    public Task Void_callbacks_follow_the_catch_all_rule() => VerifyCG1003.AnalyzerAsync(Usings + """
        using System.Threading;
        class Heartbeat
        {
            Timer? _read;
            Timer? _write;
            Task? _loop;

            void Start()
            {
                _read = new Timer(OnRead, null, 100, Timeout.Infinite);
                _write = new Timer(OnWrite, null, 100, Timeout.Infinite);
                _loop = Task.Run(ReconnectLoop);
            }

            async void OnRead(object? state)
            {
                try { await Task.Delay(1); }
                catch { }
            }

            async void {|CG1003:OnWrite|}(object? state)
            {
                Console.WriteLine("tick");
                try { await Task.Delay(1); }
                catch (Exception) { }
            }

            async void {|CG1003:ReconnectLoop|}()
            {
                try { await Task.Delay(1); }
                catch (Exception) { }
            }
        }
        """);

    [Fact]
    public Task Fix_returns_task() => VerifyCG1003.FixAsync(Usings + """
        class C
        {
            public async void {|CG1003:Refresh|}() { await Task.Delay(1); }
            void Outer()
            {
                async void {|CG1003:Local|}() { await Task.Delay(1); }
                Local();
            }
        }
        """, Usings + """
        class C
        {
            public async Task Refresh() { await Task.Delay(1); }
            void Outer()
            {
                async Task Local() { await Task.Delay(1); }
                Local();
            }
        }
        """);

    [Fact]
    public Task Fix_adds_no_using_when_task_is_not_imported_but_qualifies_it() => VerifyCG1003.FixAsync("""
        class C
        {
            public async void {|CG1003:Refresh|}() { await System.Threading.Tasks.Task.Delay(1); }
        }
        """, """
        class C
        {
            public async System.Threading.Tasks.Task Refresh() { await System.Threading.Tasks.Task.Delay(1); }
        }
        """);

    [Fact]
    public Task No_fix_when_the_method_is_used_as_a_delegate() => VerifyCG1003.NoFixAsync(Usings + """
        class C
        {
            public event Action? Changed;
            async void {|CG1003:Refresh|}() { await Task.Delay(1); }
            void Wire() { Changed += Refresh; }
        }
        """);

    [Fact]
    public Task No_fix_for_event_handlers() => VerifyCG1003.NoFixAsync(Usings + """
        class C
        {
            async void {|CG1003:OnClick|}(object sender, EventArgs e) { await Task.Delay(1); }
        }
        """);

    [Fact]
    public Task Broken_code_does_not_crash() => VerifyCG1003.AnalyzerAsync(Usings + """
        class C
        {
            async void {|CG1003:M|}({|CS0246:Missing|} x) { await Task.Delay(1); }
            async void {|CG1003:N|}(object sender, {|CS0246:Unknown|} e) { try { await Task.Delay(1); } catch ({|CS0246:Nope|}) { } }
            async {|CS1519:void|} {|CS1519:(|}{|CS8124:)|}
        }
        """);
}

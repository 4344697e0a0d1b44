using VerifyCG6005 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Blocking.TaskCompletionSourceInlineContinuationsAnalyzer,
    ConcurrencyGuard.CodeFixes.Blocking.TaskCompletionSourceInlineContinuationsFixer>;

namespace ConcurrencyGuard.Analyzers.Tests.Blocking;

public class TaskCompletionSourceInlineContinuationsTests
{
    private const string Usings = "using System;\nusing System.Threading;\nusing System.Threading.Tasks;\n";

    [Fact]
    public Task Flags_and_fixes_all_shapes() => VerifyCG6005.FixAsync(Usings + """
        class C
        {
            private readonly TaskCompletionSource<int> _ready = {|CG6005:new TaskCompletionSource<int>()|};
            private TaskCompletionSource _done = {|CG6005:new()|};
            Task<string> Run(object state)
            {
                var withState = {|CG6005:new TaskCompletionSource<string>(state)|};
                var withOptions = {|CG6005:new TaskCompletionSource<string>(TaskCreationOptions.DenyChildAttach)|};
                // CA2247's case: the continuation option binds to the state overload.
                var wrongEnum = {|CG6005:new TaskCompletionSource(TaskContinuationOptions.RunContinuationsAsynchronously)|};
                Func<TaskCompletionSource<bool>> make = () => {|CG6005:new TaskCompletionSource<bool>()|};
                return withState.Task;
            }
        }
        """, Usings + """
        class C
        {
            private readonly TaskCompletionSource<int> _ready = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            private TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
            Task<string> Run(object state)
            {
                var withState = new TaskCompletionSource<string>(state, TaskCreationOptions.RunContinuationsAsynchronously);
                var withOptions = new TaskCompletionSource<string>(TaskCreationOptions.DenyChildAttach | TaskCreationOptions.RunContinuationsAsynchronously);
                // CA2247's case: the continuation option binds to the state overload.
                var wrongEnum = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Func<TaskCompletionSource<bool>> make = () => new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                return withState.Task;
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_with_the_option_or_non_constant_options() => VerifyCG6005.AnalyzerAsync(Usings + """
        class C
        {
            void Run(TaskCreationOptions options, object state)
            {
                var a = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
                var b = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously | TaskCreationOptions.DenyChildAttach);
                var c = new TaskCompletionSource<int>(state, TaskCreationOptions.RunContinuationsAsynchronously);
                var d = new TaskCompletionSource<int>(options);
                var e = new CancellationTokenSource();
            }
        }
        """);

    [Fact]
    public Task Broken_code_does_not_crash() => VerifyCG6005.AnalyzerAsync(Usings + """
        class C
        {
            void Run()
            {
                var a = new TaskCompletionSource<{|CS0246:Missing|}>(TaskCreationOptions.RunContinuationsAsynchronously);
                var b = new TaskCompletionSource<int>(TaskCreationOptions.{|CS0117:Nope|});
                var c = {|CG6005:new TaskCompletionSource<int>(|}{|CS1026:;|}
            }
        }
        """);
}

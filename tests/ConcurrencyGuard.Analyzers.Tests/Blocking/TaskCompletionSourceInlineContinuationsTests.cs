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

    [Fact]
    public Task Does_not_flag_sources_whose_task_is_only_waited_on_or_continued_on_the_pool() => VerifyCG6005.AnalyzerAsync(Usings + """
        class Worker
        {
            private readonly TaskCompletionSource<bool> _stopped = new TaskCompletionSource<bool>();
            private readonly TaskCompletionSource<int> _started = new();
            void Loop()
            {
                _started.SetResult(1);
                _stopped.TrySetResult(true);
            }
            void Stop(TimeSpan wait)
            {
                if (!_stopped.Task.IsCompleted)
                {
                    _stopped.Task.Wait(wait);
                }
                var first = _started.Task.Result + _started.Task.GetAwaiter().GetResult();
            }
            int Run(Action<TaskCompletionSource<int>> start)
            {
                var reply = new TaskCompletionSource<int>();
                var done = new TaskCompletionSource<object?>();
                ThreadPool.QueueUserWorkItem(_ => { reply.SetResult(42); done.SetResult(null); });
                var replyTask = reply.Task;
                Task.WaitAll(replyTask, done.Task);
                var logged = new TaskCompletionSource<int>();
                logged.Task.ContinueWith(t => Console.WriteLine(t.Result), TaskContinuationOptions.OnlyOnRanToCompletion);
                logged.Task.ContinueWith(t => Console.WriteLine(t.Status));
                logged.TrySetResult(replyTask.Result);
                return replyTask.Result;
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_sources_completed_only_by_an_offloading_wrapper_or_never_reachable() => VerifyCG6005.AnalyzerAsync(Usings + """
        using System.Runtime.InteropServices;
        static class SourceExtensions
        {
            public static Task<bool> TrySetResultOnPool<T>(this TaskCompletionSource<T> source, T result) => Task.Run(() => source.TrySetResult(result));
            public static Task TrySetCanceledOnPool<T>(this TaskCompletionSource<T> source) => Task.Run(() => { source.TrySetCanceled(); });
        }
        class Session
        {
            private TaskCompletionSource<string>? _login;
            public Task<string> Login => _login!.Task;
            public Task<string> BeginLogin()
            {
                var promise = new TaskCompletionSource<string>();
                _login?.TrySetCanceledOnPool();
                _login = promise;
                return promise.Task;
            }
            public void OnLoggedIn(string user) => _ = _login?.TrySetResultOnPool(user);
            public Task<int> Never() => new TaskCompletionSource<int>().Task;
        }
        class NativeQueue
        {
            public Task<long> SubmitAsync()
            {
                var completion = new TaskCompletionSource<long>();
                var handle = GCHandle.Alloc(completion);
                Submit(GCHandle.ToIntPtr(handle));
                return completion.Task;
            }
            void Submit(IntPtr state) { }
            void OnPolled(IntPtr state, long offset)
            {
                var handle = GCHandle.FromIntPtr(state);
                var target = handle.Target!;
                handle.Free();
                Task.Run(() => ((TaskCompletionSource<long>)target).TrySetResult(offset));
            }
        }
        """);

    [Fact]
    public Task Flags_sources_whose_awaiting_code_can_still_run_inline() => VerifyCG6005.AnalyzerAsync(Usings + """
        using System.Runtime.InteropServices;
        static class SourceExtensions
        {
            public static bool TrySetNow<T>(this TaskCompletionSource<T> source, T result) => source.TrySetResult(result);
        }
        class Reader
        {
            private readonly TaskCompletionSource<int> _first = {|CG6005:new TaskCompletionSource<int>()|};
            private readonly TaskCompletionSource<int> _second = {|CG6005:new TaskCompletionSource<int>()|};
            private readonly TaskCompletionSource<int> _third = {|CG6005:new TaskCompletionSource<int>()|};
            public Task<int> First => _first.Task;
            public Task<int> Second => _second.Task;
            void Start()
            {
                _first.Task.ContinueWith(t => Console.WriteLine(t.Result), TaskContinuationOptions.ExecuteSynchronously);
                Task.Run(() =>
                {
                    _first.SetResult(1);
                    Console.WriteLine("still reading");
                });
                _second.TrySetNow(2);
                _third.Task.Wait();
                Handoff(_third);
            }
            void Handoff(TaskCompletionSource<int> source) => source.SetResult(3);
            public Task<long> SubmitAsync()
            {
                var completion = {|CG6005:new TaskCompletionSource<long>()|};
                var handle = GCHandle.Alloc(completion);
                return completion.Task;
            }
            void OnPolled(object state, long offset) => ((TaskCompletionSource<long>)state).TrySetResult(offset);
        }
        """);
}


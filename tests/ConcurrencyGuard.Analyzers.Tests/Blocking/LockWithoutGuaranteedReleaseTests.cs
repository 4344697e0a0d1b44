using VerifyCG6003 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Blocking.LockWithoutGuaranteedReleaseAnalyzer,
    ConcurrencyGuard.CodeFixes.Blocking.LockWithoutGuaranteedReleaseFixer>;

namespace ConcurrencyGuard.Analyzers.Tests.Blocking;

public class LockWithoutGuaranteedReleaseTests
{
    private const string Usings = "using System;\nusing System.Threading;\nusing System.Threading.Tasks;\n";

    [Fact]
    public Task Release_not_in_finally_is_wrapped_and_fixes_all() => VerifyCG6003.FixAsync(Usings + """
        class C
        {
            private readonly SemaphoreSlim _gate = new(1);
            private readonly object _sync = new();
            private int _count;

            async Task RunAsync(CancellationToken ct)
            {
                await {|CG6003:_gate.WaitAsync(ct)|};
                _count++;
                await Task.Delay(1, ct);
                _gate.Release();
            }

            void RunSync()
            {
                {|CG6003:_gate.Wait()|};
                var next = _count + 1;
                _count = next;
                _gate.Release();
                Console.WriteLine("done");
            }

            void Monitored()
            {
                {|CG6003:Monitor.Enter(_sync)|};
                _count++;
                Monitor.Exit(_sync);
            }
        }
        """, Usings + """
        class C
        {
            private readonly SemaphoreSlim _gate = new(1);
            private readonly object _sync = new();
            private int _count;

            async Task RunAsync(CancellationToken ct)
            {
                await _gate.WaitAsync(ct);
                try
                {
                    _count++;
                    await Task.Delay(1, ct);
                }
                finally
                {
                    _gate.Release();
                }
            }

            void RunSync()
            {
                _gate.Wait();
                try
                {
                    var next = _count + 1;
                    _count = next;
                }
                finally
                {
                    _gate.Release();
                }

                Console.WriteLine("done");
            }

            void Monitored()
            {
                Monitor.Enter(_sync);
                try
                {
                    _count++;
                }
                finally
                {
                    Monitor.Exit(_sync);
                }
            }
        }
        """);

    [Fact]
    public Task Wait_inside_try_moves_before_it() => VerifyCG6003.FixAsync(Usings + """
        class C
        {
            async Task RunAsync(SemaphoreSlim gate, CancellationToken ct)
            {
                // one at a time
                try
                {
                    await {|CG6003:gate.WaitAsync(ct)|}.ConfigureAwait(false);
                    await Task.Delay(1, ct);
                }
                finally
                {
                    gate.Release();
                }
            }
            Func<Task> Lambda(SemaphoreSlim gate) => async () =>
            {
                try
                {
                    await {|CG6003:gate.WaitAsync()|};
                }
                finally
                {
                    gate.Release();
                }
            };
        }
        """, Usings + """
        class C
        {
            async Task RunAsync(SemaphoreSlim gate, CancellationToken ct)
            {
                // one at a time
                await gate.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    await Task.Delay(1, ct);
                }
                finally
                {
                    gate.Release();
                }
            }
            Func<Task> Lambda(SemaphoreSlim gate) => async () =>
            {
                await gate.WaitAsync();
                try
                {
                }
                finally
                {
                    gate.Release();
                }
            };
        }
        """);

    [Fact]
    public Task No_fix_when_it_would_release_twice_or_break_scoping() => VerifyCG6003.NoFixAsync(Usings + """
        class C
        {
            async Task<int> RunAsync(SemaphoreSlim gate, bool flag)
            {
                await {|CG6003:gate.WaitAsync()|};
                if (flag) { gate.Release(); return 0; }
                gate.Release();
                return 1;
            }
            async Task<int> ScopeAsync(SemaphoreSlim gate)
            {
                await {|CG6003:gate.WaitAsync()|};
                var x = 1;
                gate.Release();
                return x;
            }
            async Task NotFirstAsync(SemaphoreSlim gate)
            {
                try
                {
                    Console.WriteLine("before");
                    await {|CG6003:gate.WaitAsync()|};
                }
                finally
                {
                    gate.Release();
                }
            }
        }
        """);

    // Issue #18, item 11: Fix All emitted references to a `token` out of scope (CS0103). The cause: only `var x = ...`
    // declarators counted as locals declared between the acquisition and the release, so out variables, pattern
    // variables, deconstructions and local functions moved into the try while later code (or the release itself)
    // still used them. Those regions keep their diagnostic and get no fix; the others in the document are fixed.
    [Fact]
    public Task Fix_all_leaves_regions_whose_locals_are_used_after_the_release()
    {
        var test = VerifyCG6003.Create();
        test.TestState.Sources.Add(Usings + "using System.Collections.Generic;\n" + """
        class C
        {
            private readonly SemaphoreSlim _gate = new(3);
            private readonly Dictionary<string, CancellationTokenSource> _map = new();

            async Task FixableAsync(CancellationToken ct)
            {
                await {|CG6003:_gate.WaitAsync(ct)|};
                _map.TryGetValue("a", out var unused);
                await Task.Delay(1, ct);
                _gate.Release();
            }

            async Task OutVariableAsync(string key)
            {
                await {|CG6003:_gate.WaitAsync()|};
                _map.TryGetValue(key, out var source);
                _gate.Release();
                await Task.Delay(1, source!.Token);
            }

            async Task DeconstructionAsync((int, CancellationToken) pair)
            {
                await {|CG6003:_gate.WaitAsync()|};
                var (count, token) = pair;
                _gate.Release();
                await Task.Delay(count, token);
            }

            async Task PatternAsync(object state)
            {
                await {|CG6003:_gate.WaitAsync()|};
                var isToken = state is CancellationToken token;
                _gate.Release();
                if (isToken) await Task.Delay(1, token);
            }

            async Task LocalFunctionAsync()
            {
                await {|CG6003:_gate.WaitAsync()|};
                CancellationToken Token() => CancellationToken.None;
                _gate.Release();
                await Task.Delay(1, Token());
            }

            void UsedByTheRelease(int n)
            {
                {|CG6003:_gate.Wait()|};
                var count = n;
                _gate.Release(count);
            }
        }
        """);
        test.FixedState.Sources.Add(Usings + "using System.Collections.Generic;\n" + """
        class C
        {
            private readonly SemaphoreSlim _gate = new(3);
            private readonly Dictionary<string, CancellationTokenSource> _map = new();

            async Task FixableAsync(CancellationToken ct)
            {
                await _gate.WaitAsync(ct);
                try
                {
                    _map.TryGetValue("a", out var unused);
                    await Task.Delay(1, ct);
                }
                finally
                {
                    _gate.Release();
                }
            }

            async Task OutVariableAsync(string key)
            {
                await {|CG6003:_gate.WaitAsync()|};
                _map.TryGetValue(key, out var source);
                _gate.Release();
                await Task.Delay(1, source!.Token);
            }

            async Task DeconstructionAsync((int, CancellationToken) pair)
            {
                await {|CG6003:_gate.WaitAsync()|};
                var (count, token) = pair;
                _gate.Release();
                await Task.Delay(count, token);
            }

            async Task PatternAsync(object state)
            {
                await {|CG6003:_gate.WaitAsync()|};
                var isToken = state is CancellationToken token;
                _gate.Release();
                if (isToken) await Task.Delay(1, token);
            }

            async Task LocalFunctionAsync()
            {
                await {|CG6003:_gate.WaitAsync()|};
                CancellationToken Token() => CancellationToken.None;
                _gate.Release();
                await Task.Delay(1, Token());
            }

            void UsedByTheRelease(int n)
            {
                {|CG6003:_gate.Wait()|};
                var count = n;
                _gate.Release(count);
            }
        }
        """);
        test.FixedState.MarkupHandling = Microsoft.CodeAnalysis.Testing.MarkupMode.Allow;
        return test.RunAsync();
    }

    // Spec: the guaranteed shapes, the `if (await sem.WaitAsync(timeout))` form, Monitor.Enter(obj, ref taken),
    // the AsyncLock releaser pattern, acquire and release split across methods.
    [Fact]
    public Task Does_not_flag_guaranteed_or_handed_on_releases() => VerifyCG6003.AnalyzerAsync(Usings + """
        class C
        {
            private readonly SemaphoreSlim _gate = new(1);
            private readonly object _sync = new();

            async Task GoodAsync(CancellationToken ct)
            {
                await _gate.WaitAsync(ct);
                try { await Task.Delay(1, ct); }
                finally { _gate.Release(); }
            }
            async Task<bool> TimedAsync()
            {
                if (await _gate.WaitAsync(TimeSpan.FromSeconds(1)))
                {
                    try { return true; }
                    finally { _gate.Release(); }
                }
                return false;
            }
            async Task<bool> EarlyOutAsync()
            {
                if (!await _gate.WaitAsync(100)) return false;
                try { return true; } finally { _gate.Release(); }
            }
            void MonitorTaken()
            {
                var taken = false;
                try { Monitor.Enter(_sync, ref taken); }
                finally { if (taken) Monitor.Exit(_sync); }
            }
            public async Task<IDisposable> LockAsync()
            {
                await _gate.WaitAsync();
                return new Releaser(_gate);
            }
            public async Task<IDisposable> LockThisAsync()
            {
                await _gate.WaitAsync();
                return new OwnerReleaser(this);
            }
            public void Enter() => _gate.Wait();
            public void Exit() => _gate.Release();
            public async Task EnterOnlyAsync() { await _gate.WaitAsync(); }
            internal void Release() => _gate.Release();

            private sealed class Releaser(SemaphoreSlim gate) : IDisposable { public void Dispose() => gate.Release(); }
            private sealed class OwnerReleaser(C owner) : IDisposable { public void Dispose() => owner.Release(); }
        }
        """);

    // The hand-over question is Escapes.IsHandedOn: a lock passed on through ?: or a switch expression is handed on
    // like one passed directly (the private copy it replaced only looked at the argument itself).
    [Fact]
    public Task Lock_handed_on_directly_or_through_a_conditional_is_not_flagged() => VerifyCG6003.AnalyzerAsync(Usings + """
        class C
        {
            private readonly SemaphoreSlim _gate = new(1);
            private readonly SemaphoreSlim _other = new(1);
            void Schedule(SemaphoreSlim toRelease) { }

            async Task DirectAsync(bool fast)
            {
                await _gate.WaitAsync();
                if (fast) { _gate.Release(); return; }
                Schedule(_gate);
            }
            async Task ConditionalAsync(bool fast, bool first)
            {
                await _gate.WaitAsync();
                if (fast) { _gate.Release(); return; }
                Schedule(first ? _gate : _other);
            }
            async Task SwitchAsync(bool fast, int which)
            {
                await _gate.WaitAsync();
                if (fast) { _gate.Release(); return; }
                Schedule(which switch { 0 => _gate, _ => _other });
            }
            async Task NotHandedOnAsync(bool fast)
            {
                await {|CG6003:_gate.WaitAsync()|};
                if (fast) { _gate.Release(); return; }
                Schedule(_other);
                _gate.Release();
            }
        }
        """);

    // Found on rabbitmq-dotnet-client (re-acquire in finally, catch-only try before the releasing try, acquisition flag)
    // and YARP (semaphore as a gate, release in a try inside a lock statement).
    [Fact]
    public Task Does_not_flag_shapes_found_in_real_code() => VerifyCG6003.AnalyzerAsync(Usings + """
        class C
        {
            private readonly SemaphoreSlim _gate = new(1);
            async Task ReacquireAsync(CancellationToken ct)
            {
                _gate.Release();
                try { await Task.Delay(1, ct); }
                finally { await _gate.WaitAsync(ct); }
            }
            async Task CloseAsync(CancellationToken ct)
            {
                try { await _gate.WaitAsync(ct); }
                catch { return; }
                try { await Task.Delay(1, ct); }
                finally { _gate.Release(); }
            }
            async Task TrackedAsync(CancellationToken ct)
            {
                var acquired = false;
                try
                {
                    await _gate.WaitAsync(ct);
                    acquired = true;
                }
                finally
                {
                    if (acquired) { _gate.Release(); }
                }
            }
            async Task ReadyAsync(CancellationToken ct)
            {
                await _gate.WaitAsync(ct);
                _gate.Release();
            }
            void Update(SemaphoreSlim updateLock)
            {
                updateLock.Wait();
                lock (updateLock)
                {
                    try { Console.WriteLine(); }
                    finally { updateLock.Release(); }
                }
            }
        }
        """);

    [Fact]
    public Task Broken_code_does_not_crash() => VerifyCG6003.AnalyzerAsync(Usings + """
        class C
        {
            async Task RunAsync(SemaphoreSlim gate)
            {
                await gate.WaitAsync({|CS1503:"x"|});
                {|CS0103:other|}.Wait();
                try { await {|CG6003:gate.WaitAsync()|}; }
                finally { gate.Release({|CS1026:{|CS1002:}|}|}
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_hand_over_hand_resizing_or_hand_off_to_a_work_item() => VerifyCG6003.AnalyzerAsync(Usings + """
        class Gate
        {
            private readonly object _outer = new object();
            private readonly object _inner = new object();
            private readonly SemaphoreSlim _permits = new SemaphoreSlim(4);
            private int _capacity = 4;
            private bool _alive;

            void HandOverHand()
            {
                lock (_outer)
                {
                    if (!_alive)
                        return;
                    Monitor.Enter(_inner);
                }

                try { _alive = false; }
                finally { Monitor.Exit(_inner); }
            }

            void HandOverHandInTry()
            {
                Monitor.Enter(_outer);
                try
                {
                    _alive = false;
                    Monitor.Enter(_inner);
                }
                finally
                {
                    Monitor.Exit(_outer);
                }

                try { _alive = true; }
                finally { Monitor.Exit(_inner); }
            }

            async Task Resize(int capacity)
            {
                if (capacity > _capacity)
                    _permits.Release(capacity - _capacity);
                else
                    for (var i = capacity; i < _capacity; i++)
                        await _permits.WaitAsync();
                _capacity = capacity;
            }

            async Task ReadLoop(CancellationToken ct)
            {
                while (!ct.IsCancellationRequested)
                {
                    await _permits.WaitAsync(ct);
                    _ = Task.Run(() => Work());
                }

                async Task Work()
                {
                    try { await Task.Delay(10); }
                    finally { _permits.Release(); }
                }
            }
        }
        """);

    [Fact]
    public Task Still_flags_a_release_outside_finally_on_the_same_path_of_a_member_object() => VerifyCG6003.AnalyzerAsync(Usings + """
        class Owner { public SemaphoreSlim Gate = new SemaphoreSlim(1); }
        class Gate
        {
            private readonly Owner _owner = new Owner();
            private readonly object _inner = new object();

            async Task Run(bool flag)
            {
                await {|CG6003:_owner.Gate.WaitAsync()|};
                if (flag)
                    await Task.Delay(10);
                _owner.Gate.Release();
            }

            void NotLast()
            {
                lock (_owner)
                {
                    {|CG6003:Monitor.Enter(_inner)|};
                    Work();
                }

                try { Work(); }
                finally { Monitor.Exit(_inner); }
            }

            void Work() { }
        }
        """);

    [Fact]
    public Task Early_exit_before_the_releasing_try_moves_into_it_and_fixes_all() => VerifyCG6003.FixAsync(Usings + """
        using System.Collections.Generic;

        class Cache
        {
            private readonly SemaphoreSlim _gate = new(1);
            private readonly Dictionary<string, int> _values = new();

            async Task<int> GetAsync(string key, CancellationToken ct)
            {
                await {|CG6003:_gate.WaitAsync(ct)|};
                if (_values.TryGetValue(key, out var known))
                {
                    return known;
                }

                try
                {
                    var loaded = await LoadAsync(key, ct);
                    _values[key] = loaded;
                    return loaded;
                }
                finally
                {
                    _gate.Release();
                }
            }

            void Put(string key, int value)
            {
                {|CG6003:_gate.Wait()|};
                if (value < 0)
                    throw new ArgumentOutOfRangeException(nameof(value));
                try
                {
                    _values[key] = value;
                }
                finally
                {
                    _gate.Release();
                }
            }

            async Task FillAsync(IEnumerable<string> keys, CancellationToken ct)
            {
                foreach (var key in keys)
                {
                    await {|CG6003:_gate.WaitAsync(ct)|};
                    if (key.Length == 0)
                        break;
                    if (_values.ContainsKey(key))
                        continue;
                    try
                    {
                        _values[key] = await LoadAsync(key, ct);
                    }
                    finally
                    {
                        _gate.Release();
                    }
                }
            }

            Task<int> LoadAsync(string key, CancellationToken ct) => Task.FromResult(key.Length);
        }
        """, Usings + """
        using System.Collections.Generic;

        class Cache
        {
            private readonly SemaphoreSlim _gate = new(1);
            private readonly Dictionary<string, int> _values = new();

            async Task<int> GetAsync(string key, CancellationToken ct)
            {
                await _gate.WaitAsync(ct);
                try
                {
                    if (_values.TryGetValue(key, out var known))
                    {
                        return known;
                    }
                    var loaded = await LoadAsync(key, ct);
                    _values[key] = loaded;
                    return loaded;
                }
                finally
                {
                    _gate.Release();
                }
            }

            void Put(string key, int value)
            {
                _gate.Wait();
                try
                {
                    if (value < 0)
                        throw new ArgumentOutOfRangeException(nameof(value));
                    _values[key] = value;
                }
                finally
                {
                    _gate.Release();
                }
            }

            async Task FillAsync(IEnumerable<string> keys, CancellationToken ct)
            {
                foreach (var key in keys)
                {
                    await _gate.WaitAsync(ct);
                    try
                    {
                        if (key.Length == 0)
                            break;
                        if (_values.ContainsKey(key))
                            continue;
                        _values[key] = await LoadAsync(key, ct);
                    }
                    finally
                    {
                        _gate.Release();
                    }
                }
            }

            Task<int> LoadAsync(string key, CancellationToken ct) => Task.FromResult(key.Length);
        }
        """);

    [Fact]
    public Task Early_exit_fix_not_offered_under_a_catch_or_when_a_local_is_used_after_the_try() => VerifyCG6003.NoFixAsync(Usings + """
        class C
        {
            private readonly SemaphoreSlim _gate = new(1);

            async Task<int> CatchingAsync(int n, CancellationToken ct)
            {
                await {|CG6003:_gate.WaitAsync(ct)|};
                if (n == 0) return 0;
                try { await Task.Delay(n, ct); }
                catch (OperationCanceledException) { return -1; }
                finally { _gate.Release(); }
                return n;
            }

            async Task<int> UsedAfterAsync(int n, CancellationToken ct)
            {
                await {|CG6003:_gate.WaitAsync(ct)|};
                var doubled = n * 2;
                if (doubled == 0) return 0;
                try { await Task.Delay(doubled, ct); }
                finally { _gate.Release(); }
                return doubled;
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_an_early_exit_that_releases_first_or_never_acquired() => VerifyCG6003.AnalyzerAsync(Usings + """
        using System.Collections.Generic;

        sealed class Releaser : IDisposable
        {
            private readonly SemaphoreSlim _gate;
            public Releaser(SemaphoreSlim gate) => _gate = gate;
            public void Dispose() => _gate.Release();
        }

        class C
        {
            private readonly SemaphoreSlim _gate = new(1);
            private readonly Dictionary<int, int> _values = new();

            async Task<int> ReleasesFirstAsync(int key, CancellationToken ct)
            {
                await _gate.WaitAsync(ct);
                if (_values.TryGetValue(key, out var known))
                {
                    _gate.Release();
                    return known;
                }

                try { return _values[key] = key; }
                finally { _gate.Release(); }
            }

            async Task<int> TimedOutAsync(int key, CancellationToken ct)
            {
                if (!await _gate.WaitAsync(100, ct))
                {
                    return -1;
                }

                try { return _values[key] = key; }
                finally { _gate.Release(); }
            }

            async Task<int> ExitsThatStayInsideAsync(IEnumerable<int> keys, CancellationToken ct)
            {
                await _gate.WaitAsync(ct);
                var sum = 0;
                foreach (var key in keys)
                {
                    if (key < 0) break;
                    if (key == 0) continue;
                    sum += key;
                }

                try { throw new InvalidOperationException(); }
                catch (InvalidOperationException) { sum = -sum; }
                Func<int, int> twice = x => { if (x == 0) return 0; return x * 2; };
                try { return twice(sum); }
                finally { _gate.Release(); }
            }

            async Task<IDisposable?> HandedOnAsync(bool fast, CancellationToken ct)
            {
                await _gate.WaitAsync(ct);
                if (fast) return new Releaser(_gate);
                try { await Task.Delay(1, ct); }
                finally { _gate.Release(); }
                return null;
            }
        }
        """);

    [Fact]
    public Task Early_exit_after_a_timed_wait_that_returned_true_is_flagged_without_a_fix() => VerifyCG6003.NoFixAsync(Usings + """
        using System.Collections.Generic;

        class C
        {
            private readonly SemaphoreSlim _gate = new(1);
            private readonly Dictionary<int, int> _values = new();

            async Task<int> GuardedAsync(int key, CancellationToken ct)
            {
                if (!await {|CG6003:_gate.WaitAsync(100, ct)|}.ConfigureAwait(false))
                {
                    return -1;
                }

                if (_values.TryGetValue(key, out var known))
                    return known;
                try { return _values[key] = key; }
                finally { _gate.Release(); }
            }

            int Entered(int key)
            {
                if ({|CG6003:_gate.Wait(TimeSpan.FromSeconds(1))|})
                {
                    if (key < 0)
                        throw new ArgumentOutOfRangeException(nameof(key));
                    try { return _values[key] = key; }
                    finally { _gate.Release(); }
                }

                return 0;
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_timed_waits_whose_exits_are_on_the_false_path_or_release_first() => VerifyCG6003.AnalyzerAsync(Usings + """
        class C
        {
            private readonly SemaphoreSlim _gate = new(1);

            async Task<bool> GuardedAsync(int n, CancellationToken ct)
            {
                if (!await _gate.WaitAsync(TimeSpan.FromSeconds(1), ct))
                    throw new TimeoutException();
                if (n == 0)
                {
                    _gate.Release();
                    return false;
                }

                try { await Task.Delay(n, ct); return true; }
                finally { _gate.Release(); }
            }

            bool NotAGuard(int n)
            {
                if (!_gate.Wait(10))
                    Console.WriteLine("slow");
                if (n == 0) return false;
                try { return true; }
                finally { _gate.Release(); }
            }
        }
        """);
}

using VerifyCG1005 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Tasks.EndlessBackgroundLoopAnalyzer,
    ConcurrencyGuard.CodeFixes.Tasks.EndlessBackgroundLoopFixer>;

namespace ConcurrencyGuard.Analyzers.Tests.Tasks;

public class EndlessBackgroundLoopTests
{
    private const string Usings = "using System;\nusing System.Threading;\nusing System.Threading.Tasks;\nusing Microsoft.Extensions.Hosting;\n";

    [Fact]
    public Task Flags_endless_loops_in_background_lambdas() => VerifyCG1005.AnalyzerAsync(Usings + """
        class C
        {
            int _ticks;
            Timer? _timer;
            void Start()
            {
                Task.Run(() =>
                {
                    {|CG1005:while|} (true)
                    {
                        Thread.Sleep(1000);
                        _ticks++;
                    }
                });
                _ = Task.Factory.StartNew(async () =>
                {
                    {|CG1005:for|} (;;)
                    {
                        await Task.Delay(1000);
                    }
                }, TaskCreationOptions.LongRunning);
                new Thread(() => { {|CG1005:do|} { _ticks++; } while (true); }).Start();
                ThreadPool.QueueUserWorkItem(_ =>
                {
                    var running = true;
                    {|CG1005:while|} (running) { _ticks++; }
                });
                _timer = new Timer(_ => { {|CG1005:while|} (true) { _ticks++; } }, null, 0, 1000);
            }
        }
        """);

    [Fact]
    public Task Flags_execute_async_local_functions_and_private_methods_only_started_in_background() => VerifyCG1005.AnalyzerAsync(Usings + """
        class Worker : BackgroundService
        {
            protected override async Task ExecuteAsync(CancellationToken stoppingToken)
            {
                {|CG1005:while|} (true)
                {
                    await Task.Delay(1000);
                }
            }
        }

        class Pump
        {
            int _n;
            public void Start()
            {
                _ = PumpAsync();
                new Thread(Spin).Start();
                Task.Run(Local);
                async Task Local()
                {
                    {|CG1005:while|} (true) { await Task.Delay(1); }
                }
            }

            private async Task PumpAsync()
            {
                {|CG1005:while|} (true) { await Task.Delay(10); _n++; }
            }

            private void Spin()
            {
                {|CG1005:while|} (true) { Thread.Sleep(10); }
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_loops_with_exits_or_cancellation_checks() => VerifyCG1005.AnalyzerAsync(Usings + """
        class C
        {
            volatile bool _stopping;
            int _n;
            void Start(CancellationToken token, CancellationTokenSource cts)
            {
                Task.Run(async () =>
                {
                    while (true) { await Task.Delay(1000, token); }
                });
                Task.Run(() =>
                {
                    while (true) { token.ThrowIfCancellationRequested(); }
                });
                Task.Run(() =>
                {
                    while (!_stopping) { _n++; }
                });
                Task.Run(() =>
                {
                    while (true) { if (_n > 10) break; _n++; }
                });
                Task.Run(() =>
                {
                    while (true) { if (_n > 10) return; _n++; }
                });
                Task.Run(() =>
                {
                    while (true) { if (_n > 10) throw new InvalidOperationException(); _n++; }
                });
                Task.Run(() =>
                {
                    while (true) { if (cts.IsCancellationRequested) { } _n++; }
                });
                Task.Run(() =>
                {
                    var more = true;
                    while (more) { more = _n++ < 10; }
                });
                var stop = false;
                Task.Run(() => { while (!stop) { _n++; } });
                stop = true;
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_foreground_loops_and_methods_with_normal_callers() => VerifyCG1005.AnalyzerAsync(Usings + """
        class C
        {
            int _n;
            void Run()
            {
                while (true) { _n++; }
            }

            public async Task ServeAsync()
            {
                _ = LoopAsync();
                await LoopAsync();
                await Task.Run(() => { for (var i = 0; i < 10; i++) { _n++; } });
                Task.Run(() => { while (true) { switch (_n) { case 1: break; } if (_n == 2) break; } });
            }

            private async Task LoopAsync()
            {
                while (true) { await Task.Delay(10); }
            }

            public async Task PublicLoopAsync()
            {
                while (true) { await Task.Delay(10); }
            }

            void Start() => _ = PublicLoopAsync();
        }
        """);

    [Fact]
    public Task Fix_turns_a_sync_task_run_loop_into_a_cancellable_one() => VerifyCG1005.FixAsync(Usings + """
        class Pump
        {
            void Start(CancellationToken ct)
            {
                Task.Run(() => { {|CG1005:while|} (true) { Thread.Sleep(1); } });
            }
        }
        """, Usings + """
        class Pump
        {
            void Start(CancellationToken ct)
            {
                Task.Run(() => { while (!ct.IsCancellationRequested) { Thread.Sleep(1); } });
            }
        }
        """);

    [Fact]
    public Task Fix_loops_until_cancelled_and_fix_all() => VerifyCG1005.FixAsync(Usings + """
        class Worker : BackgroundService
        {
            int _n;
            protected override async Task ExecuteAsync(CancellationToken stoppingToken)
            {
                _ = Task.Run(async () =>
                {
                    var running = true;
                    {|CG1005:while|} (running) // keep
                    {
                        await Task.Delay(10);
                    }
                });
                {|CG1005:while|} (true)
                {
                    await Task.Delay(1000);
                    _n++;
                }
            }
        }

        class Pump
        {
            void Start(CancellationToken ct)
            {
                Task.Run(() => { {|CG1005:do|} { Thread.Sleep(1); } while (true); });
                Task.Run(() => { {|CG1005:for|} (;;) { Thread.Sleep(1); } });
            }
        }
        """, Usings + """
        class Worker : BackgroundService
        {
            int _n;
            protected override async Task ExecuteAsync(CancellationToken stoppingToken)
            {
                _ = Task.Run(async () =>
                {
                    var running = true;
                    while (running && !stoppingToken.IsCancellationRequested) // keep
                    {
                        await Task.Delay(10);
                    }
                });
                while (!stoppingToken.IsCancellationRequested)
                {
                    await Task.Delay(1000);
                    _n++;
                }
            }
        }

        class Pump
        {
            void Start(CancellationToken ct)
            {
                Task.Run(() => { do { Thread.Sleep(1); } while (!ct.IsCancellationRequested); });
                Task.Run(() => { while (!ct.IsCancellationRequested) { Thread.Sleep(1); } });
            }
        }
        """);

    [Fact]
    public Task No_fix_without_a_token_or_when_the_function_must_return_a_value() => VerifyCG1005.NoFixAsync(Usings + """
        class C
        {
            int _n;
            void Start(CancellationToken ct)
            {
                Task.Factory.StartNew<int>(() => { {|CG1005:while|} (true) { _n++; } });
                Task.Run(() => Nothing());
            }

            void Nothing()
            {
                Task.Run(() => { {|CG1005:while|} (true) { _n++; } });
            }
        }
        """);

    [Fact]
    public Task Broken_code_does_not_crash() => VerifyCG1005.AnalyzerAsync(Usings + """
        class C
        {
            void Start()
            {
                Task.Run(() => { while ({|CS0103:missing|}) { } });
                Task.Run(() => { while (true) { {|CS0103:Undefined|}(); } });
                Task.Run(() => { {|CS0246:Missing|} m = null!; while (true) { m.Go(); } });
            }
        }
        """);
}

using VerifyCG6004 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Blocking.BlockingLoopOnThreadPoolAnalyzer,
    ConcurrencyGuard.CodeFixes.Blocking.BlockingLoopOnThreadPoolFixer>;

namespace ConcurrencyGuard.Analyzers.Tests.Blocking;

public class BlockingLoopOnThreadPoolTests
{
    private const string Usings = "using System;\nusing System.Collections.Concurrent;\nusing System.IO;\nusing System.Threading;\nusing System.Threading.Tasks;\n";

    [Fact]
    public Task Flags_blocking_loops_and_fixes_all_with_LongRunning() => VerifyCG6004.FixAsync(Usings + """
        class C
        {
            private readonly BlockingCollection<string> _queue = new();
            void Start(CancellationToken ct, Stream stream)
            {
                Task.{|CG6004:Run|}(() =>
                {
                    while (!ct.IsCancellationRequested)
                    {
                        Thread.Sleep(1000);
                    }
                }, ct);
                Task.{|CG6004:Run|}(() =>
                {
                    foreach (var item in _queue.GetConsumingEnumerable())
                    {
                        Console.WriteLine(item);
                    }
                });
                Task.Factory.{|CG6004:StartNew|}(() =>
                {
                    var buffer = new byte[10];
                    for (;;)
                    {
                        stream.Read(buffer, 0, buffer.Length);
                    }
                });
                Task.Factory.{|CG6004:StartNew|}(Pump, TaskCreationOptions.DenyChildAttach);
                void Pump()
                {
                    do { _queue.Take(); } while (true);
                }
            }
        }
        """, Usings + """
        class C
        {
            private readonly BlockingCollection<string> _queue = new();
            void Start(CancellationToken ct, Stream stream)
            {
                Task.Factory.StartNew(() =>
                {
                    while (!ct.IsCancellationRequested)
                    {
                        Thread.Sleep(1000);
                    }
                }, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                Task.Factory.StartNew(() =>
                {
                    foreach (var item in _queue.GetConsumingEnumerable())
                    {
                        Console.WriteLine(item);
                    }
                }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                Task.Factory.StartNew(() =>
                {
                    var buffer = new byte[10];
                    for (;;)
                    {
                        stream.Read(buffer, 0, buffer.Length);
                    }
                }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                Task.Factory.StartNew(Pump, TaskCreationOptions.DenyChildAttach | TaskCreationOptions.LongRunning);
                void Pump()
                {
                    do { _queue.Take(); } while (true);
                }
            }
        }
        """);

    [Fact]
    public Task Generic_Run_and_state_overload() => VerifyCG6004.FixAsync(Usings + """
        class C
        {
            Task<int> Count(BlockingCollection<int> q) => Task.{|CG6004:Run|}(() =>
            {
                var n = 0;
                while (q.TryTake(out var item, Timeout.Infinite)) { n += item; }
                return n;
            });
            Task Poll(object state, ManualResetEventSlim signal) => Task.Factory.{|CG6004:StartNew|}(s =>
            {
                while (true) { signal.Wait(); }
            }, state);
        }
        """, Usings + """
        class C
        {
            Task<int> Count(BlockingCollection<int> q) => Task.Factory.StartNew(() =>
            {
                var n = 0;
                while (q.TryTake(out var item, Timeout.Infinite)) { n += item; }
                return n;
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            Task Poll(object state, ManualResetEventSlim signal) => Task.Factory.StartNew(s =>
            {
                while (true) { signal.Wait(); }
            }, state, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        """);

    [Fact]
    public Task Does_not_flag_async_loops_LongRunning_finite_loops_or_other_threads() => VerifyCG6004.AnalyzerAsync(Usings + """
        class C
        {
            void Start(CancellationToken ct, string[] files, TaskCreationOptions options)
            {
                Task.Run(async () =>
                {
                    while (!ct.IsCancellationRequested) { await Task.Delay(1000, ct); }
                });
                Task.Factory.StartNew(() =>
                {
                    while (true) { Thread.Sleep(1000); }
                }, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                Task.Factory.StartNew(() => { while (true) { Thread.Sleep(10); } }, options);
                Task.Run(() =>
                {
                    foreach (var f in files) { File.ReadAllText(f); }
                    for (var i = 0; i < 3; i++) { Thread.Sleep(10); }
                });
                Task.Run(() =>
                {
                    var n = 0;
                    while (n < 10) { n++; }
                    Thread.Sleep(100);
                });
                Task.Run(() =>
                {
                    while (true) { Thread.Sleep(0); }
                });
                new Thread(() => { while (true) { Thread.Sleep(1000); } }).Start();
                Task.Run(() =>
                {
                    while (true)
                    {
                        Action later = () => Thread.Sleep(1000);
                        later.Invoke();
                        break;
                    }
                });
            }
        }
        """);

    [Fact]
    public Task Task_returning_delegate_gets_no_fix() => VerifyCG6004.NoFixAsync(Usings + """
        class C
        {
            Task Start() => Task.{|CG6004:Run|}(() =>
            {
                while (true) { Thread.Sleep(100); }
                return Task.CompletedTask;
            });
        }
        """);

    [Fact]
    public Task Broken_code_does_not_crash() => VerifyCG6004.AnalyzerAsync(Usings + """
        class C
        {
            void Start()
            {
                Task.Run(() => { while ({|CS0103:missing|}) { Thread.Sleep(1); } });
                Task.Factory.StartNew(() => { while (true) { {|CS0103:Unknown|}.Block(); } }, {|CS0103:opts|});
                Task.{|CG6004:Run|}(() => { while (true) { Thread.Sleep(1{|CS1026:;|} } }{|CS1026:|}{|CS1002:|}
            }
        }
        """);

    [Fact]
    public Task Flags_StartNew_of_a_method_whose_loop_blocks_and_fixes_all() => VerifyCG6004.FixAsync(Usings + """
        using System.Net.Sockets;

        class Receiver
        {
            private readonly Socket _socket;
            private readonly BlockingCollection<byte[]> _frames = new(100);
            private readonly ManualResetEventSlim _ready = new();

            public Receiver(Socket socket) => _socket = socket;

            public void Start(CancellationToken ct)
            {
                Task.Factory.{|CG6004:StartNew|}(ReceiveLoop, ct, TaskCreationOptions.DenyChildAttach, TaskScheduler.Default);
                Task.Factory.{|CG6004:StartNew|}(() => Drain(ct), ct, TaskCreationOptions.None, TaskScheduler.Default);
                Task.{|CG6004:Run|}(() => { WaitLoop(ct); }, ct);
            }

            private void ReceiveLoop()
            {
                var buffer = new byte[4096];
                while (true)
                {
                    var read = _socket.Receive(buffer);
                    _frames.Add(buffer[..read]);
                }
            }

            private void Drain(CancellationToken ct)
            {
                while (!ct.IsCancellationRequested)
                {
                    Console.WriteLine(_frames.Take(ct).Length);
                }
            }

            private void WaitLoop(CancellationToken ct)
            {
                while (!ct.IsCancellationRequested)
                {
                    _ready.Wait(ct);
                    _ready.Reset();
                }
            }
        }
        """, Usings + """
        using System.Net.Sockets;

        class Receiver
        {
            private readonly Socket _socket;
            private readonly BlockingCollection<byte[]> _frames = new(100);
            private readonly ManualResetEventSlim _ready = new();

            public Receiver(Socket socket) => _socket = socket;

            public void Start(CancellationToken ct)
            {
                Task.Factory.StartNew(ReceiveLoop, ct, TaskCreationOptions.DenyChildAttach | TaskCreationOptions.LongRunning, TaskScheduler.Default);
                Task.Factory.StartNew(() => Drain(ct), ct, TaskCreationOptions.None | TaskCreationOptions.LongRunning, TaskScheduler.Default);
                Task.Factory.StartNew(() => { WaitLoop(ct); }, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }

            private void ReceiveLoop()
            {
                var buffer = new byte[4096];
                while (true)
                {
                    var read = _socket.Receive(buffer);
                    _frames.Add(buffer[..read]);
                }
            }

            private void Drain(CancellationToken ct)
            {
                while (!ct.IsCancellationRequested)
                {
                    Console.WriteLine(_frames.Take(ct).Length);
                }
            }

            private void WaitLoop(CancellationToken ct)
            {
                while (!ct.IsCancellationRequested)
                {
                    _ready.Wait(ct);
                    _ready.Reset();
                }
            }
        }
        """);

    [Fact]
    public Task Does_not_flag_methods_that_run_long_async_or_out_of_sight() => VerifyCG6004.AnalyzerAsync(Usings + """
        abstract class Worker
        {
            private readonly BlockingCollection<int> _items = new(100);

            public void Start(CancellationToken ct)
            {
                Task.Factory.StartNew(Drain, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                Task.Factory.StartNew(PumpAsync, ct, TaskCreationOptions.None, TaskScheduler.Default);
                Task.Factory.StartNew(Once, ct, TaskCreationOptions.None, TaskScheduler.Default);
                Task.Factory.StartNew(Loop, ct, TaskCreationOptions.None, TaskScheduler.Default);
                Task.Factory.StartNew(() => { Once(); Drain(); }, ct, TaskCreationOptions.None, TaskScheduler.Default);
                Task.Run(() => Console.WriteLine(Count()), ct);
            }

            private void Drain()
            {
                while (true) { Console.WriteLine(_items.Take()); }
            }

            private async Task PumpAsync()
            {
                while (true) { await Task.Delay(100); }
            }

            private void Once() => Console.WriteLine(_items.Take());

            protected abstract void Loop();

            private int Count()
            {
                while (true) { return _items.Take(); }
            }
        }
        """);
}

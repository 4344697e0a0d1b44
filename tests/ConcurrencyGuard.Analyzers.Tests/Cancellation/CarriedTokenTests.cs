using Microsoft.CodeAnalysis.Testing;
using ConcurrencyGuard.Analyzers.Tests.Infrastructure;
using VerifyCG2001 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Cancellation.TokenNotForwardedAnalyzer,
    ConcurrencyGuard.CodeFixes.Cancellation.TokenNotForwardedFixer>;
using VerifyCG6002 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Blocking.BlockingCallInAsyncMethodAnalyzer,
    ConcurrencyGuard.CodeFixes.Blocking.BlockingCallInAsyncMethodFixer>;
using VerifyCG2002 = ConcurrencyGuard.Analyzers.Tests.Infrastructure.Verify<
    ConcurrencyGuard.Analyzers.Cancellation.NoneTokenPassedAnalyzer,
    ConcurrencyGuard.CodeFixes.Cancellation.NoneTokenPassedFixer>;

namespace ConcurrencyGuard.Analyzers.Tests.Cancellation;

/// <summary>
/// Issue #18, recall item 1: tokens carried by context objects (<see cref="TokenCarriers"/>), through CG2001. The
/// context types live in a referenced "framework" project, as they do for the services that receive them.
/// </summary>
public class CarriedTokenTests
{
    private const string Usings = "using System;\nusing System.Collections.Generic;\nusing System.Threading;\nusing System.Threading.Tasks;\n";

    private const string Framework = Usings + """
        #nullable enable
        public interface IWorkContext
        {
            CancellationToken CancellationToken { get; }
        }

        public interface IMessageContext : IWorkContext
        {
            Task Notify<T>(T message, CancellationToken cancellationToken = default);
        }

        public interface IFailureContext : IWorkContext
        {
            Exception Error { get; }
        }

        public interface IOutbox
        {
            Task Deliver(object item);
            Task Deliver(object item, CancellationToken cancellationToken);
        }

        public static class ContextExtensions
        {
            public static Task Announce(this IWorkContext context, string text, CancellationToken cancellationToken = default) => Task.CompletedTask;
        }

        public abstract class StepBase
        {
            protected IWorkContext Context { get; } = null!;
        }

        public class CallOptions
        {
            public CancellationToken CancelToken { get; set; }
        }

        public class Request
        {
            public CallOptions Options { get; } = new CallOptions();
        }

        public class LooseRequest
        {
            public CallOptions? Options { get; set; }
        }

        public class Envelope
        {
            public Request Request { get; } = new Request();
        }

        public class Lifetime
        {
            public CancellationToken Stopping { get; }
            public CancellationToken Stopped { get; }
        }

        public interface IAgent : IWorkContext
        {
            Task StopAsync(CancellationToken cancellationToken = default);
            Task CloseAsync(CancellationToken cancellationToken = default);
        }

        public abstract class Channel : IAsyncDisposable
        {
            public abstract CancellationToken Closed { get; }
            public ValueTask DisposeAsync() => default;
        }
        """;

    private static Task Verify(string source, string? fixedSource = null)
    {
        var test = VerifyCG2001.Create();
        test.TestState.Sources.Add(source);
        var framework = test.TestState.AdditionalProjects["Framework"];
        framework.Sources.Add(("/Framework.cs", Framework));
        framework.AdditionalReferences.AddRange(TestReferences.All);
        test.TestState.AdditionalProjectReferences.Add("Framework");
        if (fixedSource is not null)
        {
            test.FixedState.Sources.Add(fixedSource);
        }

        return test.RunAsync();
    }

    // ---- positives: the shapes of issue #18 ----

    [Fact]
    public Task Flags_a_call_on_the_context_that_leaves_its_optional_token_at_default() => Verify(Usings + """
        class Handler
        {
            public async Task Handle(IMessageContext context)
            {
                await {|CG2001:context.Notify("done")|};
            }
        }
        """, Usings + """
        class Handler
        {
            public async Task Handle(IMessageContext context)
            {
                await context.Notify("done", context.CancellationToken);
            }
        }
        """);

    [Fact]
    public Task Flags_an_overload_with_a_token_next_to_a_failure_context() => Verify(Usings + """
        class FailureStep
        {
            public Task Forward(IFailureContext context, IOutbox outbox)
            {
                return {|CG2001:outbox.Deliver(context.Error)|};
            }
        }
        """, Usings + """
        class FailureStep
        {
            public Task Forward(IFailureContext context, IOutbox outbox)
            {
                return outbox.Deliver(context.Error, context.CancellationToken);
            }
        }
        """);

    [Fact]
    public Task Flags_an_extension_call_on_a_context_property_of_the_base_class() => Verify(Usings + """
        class Step : StepBase
        {
            public async Task Run()
            {
                await {|CG2001:Context.Announce("started")|};
                await {|CG2001:Context.Announce("running")|};
            }
        }
        """, Usings + """
        class Step : StepBase
        {
            public async Task Run()
            {
                await Context.Announce("started", Context.CancellationToken);
                await Context.Announce("running", Context.CancellationToken);
            }
        }
        """);

    [Fact]
    public Task Flags_a_delay_whose_request_carries_the_token_two_properties_deep() => Verify(Usings + """
        class Throttle
        {
            public async Task Pause(Request request, int milliseconds)
            {
                await {|CG2001:Task.Delay(milliseconds)|};
            }
        }
        """, Usings + """
        class Throttle
        {
            public async Task Pause(Request request, int milliseconds)
            {
                await Task.Delay(milliseconds, request.Options.CancelToken);
            }
        }
        """);

    [Fact]
    public Task Flags_a_context_given_as_a_constrained_type_parameter_and_captured_by_a_lambda() => Verify(Usings + """
        class Pipeline
        {
            public Task Send<TContext>(TContext context) where TContext : class, IWorkContext
            {
                Func<Task> next = () => {|CG2001:Task.Delay(10)|};
                return next();
            }
        }
        """, Usings + """
        class Pipeline
        {
            public Task Send<TContext>(TContext context) where TContext : class, IWorkContext
            {
                Func<Task> next = () => Task.Delay(10, context.CancellationToken);
                return next();
            }
        }
        """);

    [Fact]
    public Task A_direct_token_parameter_outranks_a_carried_token() => Verify(Usings + """
        class Handler
        {
            public Task Handle(IWorkContext context, CancellationToken ct) => {|CG2001:Task.Delay(10)|};
        }
        """, Usings + """
        class Handler
        {
            public Task Handle(IWorkContext context, CancellationToken ct) => Task.Delay(10, ct);
        }
        """);

    [Fact]
    public Task A_parameter_carrier_outranks_a_context_of_the_base_class() => Verify(Usings + """
        class Handler : StepBase
        {
            public Task Handle(IMessageContext message) => {|CG2001:Task.Delay(10)|};
        }
        """, Usings + """
        class Handler : StepBase
        {
            public Task Handle(IMessageContext message) => Task.Delay(10, message.CancellationToken);
        }
        """);

    // ---- negatives: what stays silent ----

    [Fact]
    public Task Two_carried_tokens_of_the_same_rank_are_never_guessed() => Verify(Usings + """
        class Bridge
        {
            public Task Link(IWorkContext inbound, IFailureContext outbound) => Task.Delay(10);
            public Task Watch(Lifetime lifetime) => Task.Delay(10);
        }
        """);

    [Fact]
    public Task Does_not_forward_a_carried_token_in_cleanup_code() => Verify(Usings + """
        class Handler
        {
            public async Task Handle(IMessageContext context, IOutbox outbox)
            {
                try
                {
                    await {|CG2001:outbox.Deliver("work")|};
                }
                catch (InvalidOperationException)
                {
                    await context.Notify("failed");
                }
                finally
                {
                    await outbox.Deliver("audit");
                }
            }
        }
        """);

    [Fact]
    public Task Does_not_give_a_stop_call_the_token_of_the_object_it_stops() => Verify(Usings + """
        class Host
        {
            public async Task Shutdown(IAgent agent)
            {
                await agent.StopAsync();
                await agent.CloseAsync();
            }
        }
        """);

    [Fact]
    public Task Does_not_take_a_components_own_tokens_as_the_callers() => Verify(Usings + """
        class Poller
        {
            private readonly CancellationToken _stopping;
            protected CancellationToken Lifetime { get; }
            protected IWorkContext Own { get; } = null!;

            public Poller(CancellationToken stopping) { }

            public Task Tick() => Task.Delay(1000);
        }
        """);

    [Fact]
    public Task Does_not_take_the_token_of_a_disposable_resource() => Verify(Usings + """
        class Reader
        {
            public Task Pump(Channel channel) => Task.Delay(10);
        }
        """);

    [Fact]
    public Task Does_not_take_a_token_declared_by_the_compilation_itself() => Verify(Usings + """
        class Connector
        {
            public CancellationToken UserCancellationToken { get; }
        }

        class Query
        {
            public Task Send(Connector connector) => Task.Delay(10);
        }
        """);

    [Fact]
    public Task Does_not_take_the_token_of_a_context_the_method_stores() => Verify(Usings + """
        class Session
        {
            private IWorkContext? _context;

            public async Task Attach(IWorkContext context)
            {
                _context = context;
                await Task.Delay(10);
            }
        }
        """);

    [Fact]
    public Task Does_not_take_tokens_of_framework_types_that_are_the_tokens_machinery() => Verify(Usings + """
        class Reporter
        {
            public Task Report(OperationCanceledException error) => Task.Delay(10);
            public Task Linked(CancellationTokenSource source) => Task.Delay(10);
            public Task Registered(CancellationTokenRegistration registration) => Task.Delay(10);
        }
        """);

    [Fact]
    public Task Does_not_read_a_token_through_a_property_that_may_be_null_or_too_deep() => Verify(Usings + """
        class Throttle
        {
            public Task Pause(LooseRequest request) => Task.Delay(10);
            public Task Wrap(Envelope envelope) => Task.Delay(10);
        }
        """);

    [Fact]
    public Task Does_not_read_through_a_reference_whose_nullability_is_unknown() => Verify(Usings + """
        #nullable disable
        class Throttle
        {
            public Task Pause(Request request) => Task.Delay(10);
            public Task Handle(IMessageContext context) => context.Notify("done");
        }
        """);

    [Fact]
    public Task Does_not_cross_a_static_lambda_or_enter_a_register_callback() => Verify(Usings + """
        class Handler
        {
            public void Handle(IWorkContext context)
            {
                Func<Task> run = static () => Task.Delay(10);
            }

            public void OnCancel(IWorkContext context)
            {
                context.CancellationToken.Register(() => Task.Delay(10));
            }
        }
        """);

    [Fact]
    public Task CG6002s_fix_forwards_the_carried_token_but_not_in_cleanup_code()
    {
        var test = VerifyCG6002.Create();
        test.TestState.Sources.Add(Usings + """
            class Handler
            {
                public async Task Handle(IWorkContext context, SemaphoreSlim gate)
                {
                    Thread.{|CG6002:Sleep|}(100);
                    try
                    {
                        gate.{|CG6002:Wait|}();
                    }
                    finally
                    {
                        Thread.{|CG6002:Sleep|}(5);
                    }
                }
            }
            """);
        test.FixedState.Sources.Add(Usings + """
            class Handler
            {
                public async Task Handle(IWorkContext context, SemaphoreSlim gate)
                {
                    await Task.Delay(100, context.CancellationToken);
                    try
                    {
                        await gate.WaitAsync(context.CancellationToken);
                    }
                    finally
                    {
                        await Task.Delay(5);
                    }
                }
            }
            """);
        var framework = test.TestState.AdditionalProjects["Framework"];
        framework.Sources.Add(("/Framework.cs", Framework));
        framework.AdditionalReferences.AddRange(TestReferences.All);
        test.TestState.AdditionalProjectReferences.Add("Framework");
        return test.RunAsync();
    }

    [Fact]
    public Task CG2002_does_not_use_carried_tokens()
    {
        var test = VerifyCG2002.Create();
        test.TestState.Sources.Add(Usings + """
            class Handler
            {
                public Task Handle(IMessageContext context) => context.Notify("done", CancellationToken.None);
            }
            """);
        var framework = test.TestState.AdditionalProjects["Framework"];
        framework.Sources.Add(("/Framework.cs", Framework));
        framework.AdditionalReferences.AddRange(TestReferences.All);
        test.TestState.AdditionalProjectReferences.Add("Framework");
        return test.RunAsync();
    }
}

using ConcurrencyGuard.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace ConcurrencyGuard.Analyzers.Tests.Closures;

/// <summary>The shared classifier, tested directly: the lambda after <c>/*L*/</c> in each snippet.</summary>
public class DeferredCodeTests
{
    private const string Prefix = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Threading;
        using System.Threading.Tasks;
        class C
        {
            Action? _field;
            event EventHandler? Changed;
            Task RetryAsync(Func<Task> f) => f();
            int Apply(Func<int> f) => f();
            async Task<object?> M(int i, int[] items, List<Action> list, Task other, CancellationToken ct)
            {
        """;

    private const string Suffix = """

                return null;
            }
        }
        """;

    [Theory]
    [InlineData("_ = Task.Run(/*L*/() => i);", DeferralKind.BackgroundStart)]
    [InlineData("var t = Task.Factory.StartNew(/*L*/() => i);", DeferralKind.BackgroundStart)]
    [InlineData("ThreadPool.QueueUserWorkItem(/*L*/_ => { });", DeferralKind.BackgroundStart)]
    [InlineData("new Thread(/*L*/() => { }).Start();", DeferralKind.BackgroundStart)]
    [InlineData("var timer = new Timer(/*L*/_ => { }, null, 0, 10);", DeferralKind.BackgroundStart)]
    [InlineData("_ = other.ContinueWith(/*L*/t => i);", DeferralKind.Continuation)]
    [InlineData("var r = RetryAsync(/*L*/() => Task.CompletedTask);", DeferralKind.UnawaitedTaskCall)]
    [InlineData("list.Add(/*L*/() => { });", DeferralKind.AddedToCollection)]
    [InlineData("var l = new List<Action> { /*L*/() => { } }; return l;", DeferralKind.AddedToCollection)]
    [InlineData("_field = /*L*/() => { };", DeferralKind.StoredInMember)]
    [InlineData("Changed += /*L*/(s, e) => { };", DeferralKind.EventSubscription)]
    [InlineData("return (Func<int>)(/*L*/() => i);", DeferralKind.Returned)]
    [InlineData("var q = items.Where(/*L*/x => x > i); i++; _ = q.Count();", DeferralKind.DeferredQuery)]
    [InlineData("Action a = /*L*/() => { }; _field = a;", DeferralKind.StoredInLocal)]
    [InlineData("Action? keep = null; for (var k = 0; k < 2; k++) { keep = /*L*/() => { }; }", DeferralKind.StoredInLocal)]
    [InlineData("await Task.Run(/*L*/() => i);", DeferralKind.None)]
    [InlineData("await RetryAsync(/*L*/() => Task.CompletedTask);", DeferralKind.None)]
    [InlineData("await Task.WhenAll(items.Select(x => Task.Run(/*L*/() => x)));", DeferralKind.None)]
    [InlineData("Task.Run(/*L*/() => i).Wait();", DeferralKind.None)]
    [InlineData("_ = items.Where(/*L*/x => x > i).ToList();", DeferralKind.None)]
    [InlineData("foreach (var y in items.Select(/*L*/x => x + i)) { }", DeferralKind.None)]
    [InlineData("Parallel.For(0, 3, /*L*/j => { });", DeferralKind.None)]
    [InlineData("Apply(/*L*/() => i);", DeferralKind.None)]
    [InlineData("Action a = /*L*/() => { }; a();", DeferralKind.None)]
    [InlineData("_ = new List<int>(items.Where(/*L*/x => x > i));", DeferralKind.None)]
    public void Classifies(string statement, DeferralKind expected)
    {
        var (lambda, deferredCode) = Compile(statement);
        Assert.Equal(expected, deferredCode.Classify(lambda).Kind);
    }

    [Theory]
    [InlineData("_ = Task.Run(/*L*/() => i);", BackgroundStartKind.TaskRun)]
    [InlineData("await Task.Run(/*L*/() => i);", BackgroundStartKind.TaskRun)]
    [InlineData("_ = Task.Factory.StartNew(/*L*/() => { }, TaskCreationOptions.LongRunning);", BackgroundStartKind.TaskFactoryStartNew)]
    [InlineData("_ = Task<int>.Factory.StartNew(/*L*/() => i);", BackgroundStartKind.TaskFactoryStartNew)]
    [InlineData("ThreadPool.QueueUserWorkItem(/*L*/_ => { });", BackgroundStartKind.ThreadPoolQueueUserWorkItem)]
    [InlineData("new Thread(/*L*/() => { }).Start();", BackgroundStartKind.NewThread)]
    [InlineData("var timer = new Timer(/*L*/_ => { }, null, 0, 10);", BackgroundStartKind.NewTimer)]
    [InlineData("list.Add(/*L*/() => { });", BackgroundStartKind.None)]
    [InlineData("Parallel.For(0, 3, /*L*/j => { });", BackgroundStartKind.None)]
    public void Finds_background_starts(string statement, BackgroundStartKind expected)
    {
        var (lambda, deferredCode) = Compile(statement);
        var found = deferredCode.TryGetBackgroundStart(lambda, out var kind, out var call);
        Assert.Equal(expected != BackgroundStartKind.None, found);
        Assert.Equal(expected, kind);
        Assert.Equal(found, call is not null);
    }

    [Fact]
    public void Lists_captured_variables_with_their_references()
    {
        var (lambda, _) = Compile("int local = 1; _ = Task.Run(/*L*/() => { var inner = i; return local + i + inner; });");
        var captured = DeferredCode.GetCapturedVariables(DeferredCode.GetFunction(lambda)!);
        Assert.Equal(new[] { "i", "local" }, captured.Select(c => c.Symbol.Name).OrderBy(n => n));
        Assert.Equal(2, captured.Single(c => c.Symbol.Name == "i").References.Length);
        Assert.Single(captured.Single(c => c.Symbol.Name == "local").References);
    }

    [Fact]
    public void Task_awaited_later_through_its_local()
    {
        var (lambda, deferredCode) = Compile("var t = Task.Run(/*L*/() => i); i++; await t;");
        var deferral = deferredCode.Classify(lambda);
        var body = lambda.Parent!;
        while (body.Parent is not null)
        {
            body = body.Parent;
        }

        Assert.True(deferral.IsDeferred);
        var awaitPosition = lambda.Syntax.SyntaxTree.GetText().ToString().IndexOf("await t", StringComparison.Ordinal);
        Assert.False(deferredCode.IsTaskAwaitedBefore(deferral, body, awaitPosition));
        Assert.True(deferredCode.IsTaskAwaitedBefore(deferral, body, int.MaxValue));
    }

    private static (IOperation Lambda, DeferredCode DeferredCode) Compile(string statement)
    {
        var source = Prefix + statement + Suffix;
        var tree = CSharpSyntaxTree.ParseText(source);
        var compilation = CSharpCompilation.Create("T", new[] { tree }, TestReferences.All, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        var model = compilation.GetSemanticModel(tree);
        var marker = source.IndexOf("/*L*/", StringComparison.Ordinal) + 5;
        var lambda = tree.GetRoot().DescendantNodes().OfType<AnonymousFunctionExpressionSyntax>().First(l => l.SpanStart == marker);
        var operation = model.GetOperation(lambda)!;
        return (operation, DeferredCode.GetOrCreate(WellKnownTypes.GetOrCreate(compilation)));
    }
}

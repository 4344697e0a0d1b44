using ConcurrencyGuard.Corpus;
using ConcurrencyGuard.Corpus.Precision;
using Microsoft.CodeAnalysis;

// Usage (see tests/ConcurrencyGuard.Corpus/README.md):
//   dotnet run --project tests/ConcurrencyGuard.Corpus -c Release -- [--synthetic [lines]] [--folder DIR] [--project X.csproj|X.sln]
//        [--ref DIR] [--peer PackageId[@version] | --peer DIR | --peers] [--json out.json] [--list RULE_OR_PREFIX] [--seed N]
//   ... -- --ledger tests/ConcurrencyGuard.Corpus/precision --snapshots DIR [--set tune|check] [--unjudged out.tsv] | --docs-tables
var folders = new List<string>();
var msbuild = new List<string>();
var refs = new List<string>();
var peers = new List<string>();
string? json = null;
string? list = null;
string? ledgerDir = null;
string? snapshots = null;
string? setFilter = null;
string? unjudgedOut = null;
var docsTables = false;
int? synthetic = null;
var seed = SyntheticCorpus.DefaultSeed;

for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException("missing value after " + args[i]);
    switch (args[i])
    {
        case "--synthetic":
            synthetic = i + 1 < args.Length && int.TryParse(args[i + 1], out var lines) ? (++i > 0 ? lines : lines) : SyntheticCorpus.DefaultLines;
            break;
        case "--seed": seed = int.Parse(Next()); break;
        case "--folder": folders.Add(Next()); break;
        case "--project": msbuild.Add(Next()); break;
        case "--ref": refs.Add(Next()); break;
        case "--peer": peers.Add(Next()); break;
        case "--peers": peers.AddRange(PeerPackages.Defaults.Keys); break;
        case "--json": json = Next(); break;
        case "--list": list = Next(); break;
        case "--ledger": ledgerDir = Next(); break;
        case "--snapshots": snapshots = Next(); break;
        case "--set": setFilter = Next(); break;
        case "--unjudged": unjudgedOut = Next(); break;
        case "--docs-tables": docsTables = true; break;
        default:
            Console.Error.WriteLine("unknown argument " + args[i]);
            return 2;
    }
}

if (ledgerDir is not null)
{
    return await LedgerMode.RunAsync(ledgerDir, snapshots, setFilter, unjudgedOut, docsTables);
}

if (synthetic is null && folders.Count == 0 && msbuild.Count == 0)
{
    synthetic = SyntheticCorpus.DefaultLines;
}

var log = (string message) => Console.Error.WriteLine(message);
var compilations = new List<Compilation>();
var names = new List<string>();
if (synthetic is int target)
{
    compilations.Add(CorpusLoader.FromSources("synthetic", SyntheticCorpus.Generate(seed, target)));
    names.Add($"synthetic(seed {seed}, {target} lines)");
}

foreach (var folder in folders)
{
    compilations.Add(CorpusLoader.FromFolder(folder, refs));
    names.Add(folder);
}

foreach (var path in msbuild)
{
    compilations.AddRange(await CorpusLoader.FromMsBuildAsync(path, log));
    names.Add(path);
}

var sets = new List<AnalyzerSet> { AnalyzerSets.Ours() };
sets.AddRange(peers.Select(p => AnalyzerSets.Peer(p, log)));

// One warm-up pass so JIT time is not charged to whichever analyzer runs first.
await CorpusRun.RunAsync(new[] { CorpusLoader.FromSources("warmup", SyntheticCorpus.Generate(1, 2_000)) }, sets, Report.PeerRuleIds);

var run = await CorpusRun.RunAsync(compilations, sets, Report.PeerRuleIds);
var corpusName = string.Join(" + ", names);
Console.WriteLine(Report.Markdown(run, corpusName));
if (json is not null)
{
    File.WriteAllText(json, Report.Json(run, corpusName));
}

if (list is not null)
{
    foreach (var d in run.Diagnostics.Where(d => d.Id.StartsWith(list, StringComparison.Ordinal)).OrderBy(d => d.Location.SourceTree?.FilePath).ThenBy(d => d.Location.SourceSpan.Start))
    {
        var span = d.Location.GetLineSpan();
        var line = d.Location.SourceTree?.GetText().Lines[span.StartLinePosition.Line].ToString().Trim();
        Console.WriteLine($"{span.Path}:{span.StartLinePosition.Line + 1}: {d.Id} {d.GetMessage()}\n    {line}");
    }
}

return run.Exceptions.Count == 0 ? 0 : 1;

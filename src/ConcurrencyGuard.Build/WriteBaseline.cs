using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using ConcurrencyGuard.Analyzers.Baseline;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace ConcurrencyGuard.Build;

/// <summary>
/// Writes concurrencyguard.baseline.json after an update build (<c>-p:ConcurrencyGuardUpdateBaseline=true</c>).
/// An analyzer cannot write files and a suppressor cannot report, so the compiler hands over what it
/// knows through its SARIF log: every finding (suppressed for this build, so none fails it) and, per
/// file, the member index of the baseline analyzer (CG0000). This task joins the two into identities.
/// </summary>
public sealed class WriteBaseline : Task
{
    private const string IndexId = "CG0000";
    private const string MembersProperty = "members";

    /// <summary>The baseline suppressor's suppression ids are CGB + the rule's digits.</summary>
    private const string BaselineSuppressionId = "Suppression Id: CGB";

    [Required]
    public string ErrorLog { get; set; } = string.Empty;

    [Required]
    public string ProjectDirectory { get; set; } = string.Empty;

    [Required]
    public string BaselineFile { get; set; } = string.Empty;

    /// <summary>Number of entries written.</summary>
    [Output]
    public int EntryCount { get; set; }

    public override bool Execute()
    {
        var log = SarifLog.PathOf(ErrorLog, ProjectDirectory);
        List<SarifResult> results;
        try
        {
            results = SarifLog.Read(log, ProjectDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            Log.LogError(null, "CGBUILD03", null, null, 0, 0, 0, 0, "ConcurrencyGuard cannot update the baseline: the compiler's error log '{0}' cannot be read ({1}).", log, e.Message);
            return false;
        }

        var indexes = new Dictionary<string, List<IndexedMember>>(StringComparer.Ordinal);
        foreach (var result in results.Where(r => r.RuleId == IndexId && r.Path is not null))
        {
            if (result.CustomProperties.TryGetValue(MembersProperty, out var members))
            {
                indexes[result.Path!] = IndexedMember.Parse(members);
            }
        }

        var counts = new Dictionary<FindingKey, int>();
        var texts = new Dictionary<string, SourceLines>(StringComparer.Ordinal);
        foreach (var finding in results.Where(IsBaselinable))
        {
            var path = finding.Path!;
            if (!indexes.TryGetValue(path, out var members) || !File.Exists(path))
            {
                Log.LogWarning(null, "CGBUILD04", null, path, finding.StartLine, finding.StartColumn, 0, 0, "ConcurrencyGuard: {0} is not in the baseline: its file was not analyzed as source of this project.", finding.RuleId);
                continue;
            }

            if (!texts.TryGetValue(path, out var text))
            {
                texts[path] = text = new SourceLines(File.ReadAllText(path));
            }

            var start = new Position(finding.StartLine - 1, finding.StartColumn - 1);
            var end = new Position(finding.EndLine - 1, finding.EndColumn - 1);
            var key = new FindingKey(
                finding.RuleId,
                FindingIdentity.RelativePath(ProjectDirectory, path),
                IndexedMember.Find(members, start),
                FindingIdentity.NormalizeCode(text.Between(start, end)));
            counts.TryGetValue(key, out var count);
            counts[key] = count + 1;
        }

        EntryCount = counts.Count;
        var exists = File.Exists(BaselineFile);
        if (counts.Count == 0 && !exists)
        {
            Log.LogMessage(MessageImportance.High, "ConcurrencyGuard: no findings, no baseline written for {0}.", Path.GetFileName(ProjectDirectory.TrimEnd('/', '\\')));
            return !Log.HasLoggedErrors;
        }

        var content = Analyzers.Baseline.BaselineFile.Write(counts);
        try
        {
            // Rewritten only when it changes, so an unchanged baseline does not trigger a recompile.
            if (!exists || File.ReadAllText(BaselineFile) != content)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(BaselineFile))!);
                File.WriteAllText(BaselineFile, content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.LogError(null, "CGBUILD03", null, null, 0, 0, 0, 0, "ConcurrencyGuard cannot write the baseline '{0}' ({1}).", BaselineFile, e.Message);
            return false;
        }

        Log.LogMessage(MessageImportance.High, "ConcurrencyGuard: baseline {0} has {1} entries ({2} findings).", BaselineFile, counts.Count, counts.Values.Sum());
        return !Log.HasLoggedErrors;
    }

    /// <summary>
    /// A hazard finding the baseline records: any severity, not suppressed in source (pragma,
    /// SuppressMessage) but possibly by the baseline suppressor.
    /// </summary>
    private static bool IsBaselinable(SarifResult result) =>
        result.Path is not null
        && result.RuleId.Length == 6
        && result.RuleId.StartsWith("CG", StringComparison.Ordinal)
        && !result.RuleId.StartsWith("CG0", StringComparison.Ordinal)
        && result.Suppressions.All(s => s.IndexOf(BaselineSuppressionId, StringComparison.Ordinal) >= 0);
}

using System;
using System.IO;
using System.Text.RegularExpressions;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace ConcurrencyGuard.Build;

/// <summary>
/// The CI rule: every ConcurrencyGuard diagnostic the compiler reported as a warning, and did not
/// suppress, becomes a build error. The compiler has already resolved each diagnostic's effective
/// severity (preset, globalconfig, .editorconfig section, pragma, baseline suppression), and the SARIF
/// log records it, so suggestions stay suggestions and rules set to none stay off. Reading the log also
/// keeps an up-to-date (skipped) compile failing, which promoting warnings as they are logged would not.
/// </summary>
public sealed class CheckCiErrors : Task
{
    private static readonly Regex ConcurrencyGuardId = new("^CG[0-9]{4}$", RegexOptions.CultureInvariant);

    /// <summary>The compiler's ErrorLog value (path, optionally followed by ",version=2.1").</summary>
    [Required]
    public string ErrorLog { get; set; } = string.Empty;

    [Required]
    public string ProjectDirectory { get; set; } = string.Empty;

    public override bool Execute()
    {
        var path = SarifLog.PathOf(ErrorLog, ProjectDirectory);
        if (!File.Exists(path))
        {
            Log.LogError(null, "CGBUILD02", null, null, 0, 0, 0, 0, "ConcurrencyGuard cannot apply the CI rule: the compiler's error log '{0}' does not exist. Rebuild the project.", path);
            return false;
        }

        try
        {
            foreach (var result in SarifLog.Read(path, ProjectDirectory))
            {
                if (ConcurrencyGuardId.IsMatch(result.RuleId) && result.Level == "warning" && result.Suppressions.Count == 0)
                {
                    Log.LogError(null, result.RuleId, null, result.Path, result.StartLine, result.StartColumn, result.EndLine, result.EndColumn, "{0}", result.Message);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            Log.LogError(null, "CGBUILD02", null, null, 0, 0, 0, 0, "ConcurrencyGuard cannot apply the CI rule: the compiler's error log '{0}' cannot be read ({1}).", path, e.Message);
        }

        return !Log.HasLoggedErrors;
    }
}

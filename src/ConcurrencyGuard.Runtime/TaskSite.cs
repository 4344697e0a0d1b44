using System;

namespace ConcurrencyGuard;

/// <summary>
/// A creation site of tracked tasks: the source file, line and member that called
/// <see cref="TaskExtensions.Forget(System.Threading.Tasks.Task, string?, string, string, int)"/> or
/// <see cref="TaskTracker.Run(Func{System.Threading.Tasks.Task}, string?, string, string, int)"/>,
/// as captured by the caller-info attributes (no stack trace is taken).
/// </summary>
public sealed class TaskSite
{
    internal TaskSite(TaskTracker tracker, string file, int line, string member)
    {
        Tracker = tracker;
        File = file;
        Line = line;
        Member = member;
        FileName = GetFileName(file);
    }

    /// <summary>The full path of the source file, as the compiler saw it.</summary>
    public string File { get; }

    /// <summary>The file name part of <see cref="File"/> (works for paths written on Windows or Unix).</summary>
    public string FileName { get; }

    /// <summary>The line number of the call.</summary>
    public int Line { get; }

    /// <summary>The calling member (method, property or constructor name).</summary>
    public string Member { get; }

    internal TaskTracker Tracker { get; }

    internal bool Matches(string pattern)
    {
        if (string.IsNullOrEmpty(pattern))
        {
            return false;
        }

        if (string.Equals(pattern, Member, StringComparison.Ordinal)
            || string.Equals(pattern, FileName, StringComparison.OrdinalIgnoreCase)
            || string.Equals(pattern, File, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        int colon = pattern.LastIndexOf(':');
        if (colon > 0 && int.TryParse(pattern.AsSpan(colon + 1), out int line) && line == Line)
        {
            string filePart = pattern.Substring(0, colon);
            return string.Equals(filePart, FileName, StringComparison.OrdinalIgnoreCase)
                || string.Equals(filePart, File, StringComparison.OrdinalIgnoreCase);
        }

        return false;
    }

    /// <summary>Returns <c>FileName:Line (Member)</c>.</summary>
    public override string ToString() => $"{FileName}:{Line} ({Member})";

    private static string GetFileName(string path)
    {
        int slash = Math.Max(path.LastIndexOf('/'), path.LastIndexOf('\\'));
        return slash >= 0 ? path.Substring(slash + 1) : path;
    }
}

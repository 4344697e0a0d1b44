using System;
using System.Collections.Generic;

namespace ConcurrencyGuard;

/// <summary>Options of <see cref="TaskLeaks.VerifyNoneAsync(TaskLeakOptions?, System.Threading.CancellationToken)"/> (the goleak of .NET).</summary>
public sealed class TaskLeakOptions
{
    /// <summary>
    /// The one total time budget to wait for tracked tasks to complete (default 5 seconds). The wait
    /// ends as soon as nothing unexpected is outstanding: it is signalled by completions, it does not poll.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Creation sites to ignore: a file name (<c>Cache.cs</c>), a file name and line
    /// (<c>Cache.cs:41</c>), a full path, or a member name (<c>RefreshAsync</c>).
    /// </summary>
    public IList<string> IgnoredSites { get; } = new List<string>();

    /// <summary>Task names to ignore (exact, case-sensitive).</summary>
    public IList<string> IgnoredNames { get; } = new List<string>();

    /// <summary>
    /// Tasks already outstanding when this snapshot was taken are ignored (the <c>IgnoreCurrent</c> of goleak):
    /// take it with <see cref="TaskTracker.Snapshot(int)"/> before the code under test runs.
    /// </summary>
    public TaskTrackerSnapshot? Baseline { get; set; }

    /// <summary>The tracker to check when no scope applies (default <see cref="TaskTracker.Default"/>).</summary>
    public TaskTracker? Tracker { get; set; }

    /// <summary>
    /// The scope to check. When <see langword="null"/>, the ambient scope from <see cref="TaskLeaks.Scope"/>
    /// is used if there is one, else the whole tracker.
    /// </summary>
    public TaskLeakScope? Scope { get; set; }

    /// <summary>
    /// Fail when the checked scope never saw a tracked task (default <see langword="true"/>): such a check
    /// proves nothing, and usually means the scope did not flow to the code under test (for example it was
    /// opened inside an awaited helper). Set to <see langword="false"/> where no tracked work is expected.
    /// Checks of a whole tracker (no scope) are not affected.
    /// </summary>
    public bool FailOnEmptyScope { get; set; } = true;

    /// <summary>How many sites the failure message lists (default 20).</summary>
    public int MaxSitesInReport { get; set; } = 20;

    /// <summary>Adds a site to <see cref="IgnoredSites"/>.</summary>
    /// <param name="site">File name, file name and line, full path or member name.</param>
    /// <returns>These options.</returns>
    public TaskLeakOptions IgnoreSite(string site)
    {
        IgnoredSites.Add(site ?? throw new ArgumentNullException(nameof(site)));
        return this;
    }

    /// <summary>Adds a name to <see cref="IgnoredNames"/>.</summary>
    /// <param name="name">A task name.</param>
    /// <returns>These options.</returns>
    public TaskLeakOptions IgnoreName(string name)
    {
        IgnoredNames.Add(name ?? throw new ArgumentNullException(nameof(name)));
        return this;
    }

    /// <summary>Sets <see cref="Baseline"/> to a snapshot of what <paramref name="tracker"/> has outstanding now.</summary>
    /// <param name="tracker">The tracker (default <see cref="TaskTracker.Default"/>).</param>
    /// <returns>These options.</returns>
    public TaskLeakOptions IgnoreCurrent(TaskTracker? tracker = null)
    {
        Baseline = (tracker ?? TaskTracker.Default).Snapshot(0);
        return this;
    }
}

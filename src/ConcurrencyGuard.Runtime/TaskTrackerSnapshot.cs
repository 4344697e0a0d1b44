using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace ConcurrencyGuard;

/// <summary>One creation site in a <see cref="TaskTrackerSnapshot"/>.</summary>
public sealed class TaskSiteSnapshot
{
    internal TaskSiteSnapshot(TaskSite site, int count, TimeSpan oldestAge, IReadOnlyList<string> names)
    {
        Site = site;
        Count = count;
        OldestAge = oldestAge;
        Names = names;
    }

    /// <summary>The creation site.</summary>
    public TaskSite Site { get; }

    /// <summary>Outstanding tasks created there.</summary>
    public int Count { get; }

    /// <summary>Age of the oldest of them.</summary>
    public TimeSpan OldestAge { get; }

    /// <summary>Distinct task names seen among them (at most five).</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Returns one dump line: count, site, oldest age, names.</summary>
    public override string ToString()
    {
        string names = Names.Count == 0 ? string.Empty : "  names: " + string.Join(", ", Names);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{Count,7} @ {Site.FileName}:{Site.Line} ({Site.Member})  oldest {FormatAge(OldestAge)}{names}");
    }

    internal static string FormatAge(TimeSpan age)
        => age.TotalHours >= 1
            ? age.ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture)
            : age.ToString(@"mm\:ss\.f", CultureInfo.InvariantCulture);
}

/// <summary>
/// Outstanding tracked tasks grouped by creation site, ordered by count (the <c>created by</c> dump).
/// </summary>
public sealed class TaskTrackerSnapshot
{
    private readonly HashSet<TrackedTask>? _entries;

    private TaskTrackerSnapshot(
        DateTimeOffset timestamp,
        int outstanding,
        int siteCount,
        long started,
        long faulted,
        long dropped,
        IReadOnlyList<TaskSiteSnapshot> sites,
        HashSet<TrackedTask>? entries)
    {
        Timestamp = timestamp;
        Outstanding = outstanding;
        SiteCount = siteCount;
        Started = started;
        Faulted = faulted;
        Dropped = dropped;
        Sites = sites;
        _entries = entries;
    }

    /// <summary>When the snapshot was taken.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>Outstanding tasks counted in the snapshot (all sites).</summary>
    public int Outstanding { get; }

    /// <summary>Number of sites with outstanding tasks (all of them, not only the listed ones).</summary>
    public int SiteCount { get; }

    /// <summary>Tasks handed to the tracker since it was created (0 for a leak report).</summary>
    public long Started { get; }

    /// <summary>Tracked tasks that faulted so far.</summary>
    public long Faulted { get; }

    /// <summary>Registrations dropped at the cap so far.</summary>
    public long Dropped { get; }

    /// <summary>The top sites, most outstanding tasks first (ties: oldest first).</summary>
    public IReadOnlyList<TaskSiteSnapshot> Sites { get; }

    internal bool Contains(TrackedTask entry) => _entries is not null && _entries.Contains(entry);

    /// <summary>Prints the grouped dump: totals, then one line per site with count, file:line (member), oldest age and names.</summary>
    public override string ToString()
    {
        var builder = new StringBuilder();
        builder.Append(CultureInfo.InvariantCulture, $"tracked tasks: {Outstanding} outstanding in {SiteCount} site(s)");
        if (Started > 0 || Faulted > 0 || Dropped > 0)
        {
            builder.Append(CultureInfo.InvariantCulture, $" (started {Started}, faulted {Faulted}, dropped {Dropped})");
        }

        builder.Append(CultureInfo.InvariantCulture, $" at {Timestamp:O}");
        foreach (TaskSiteSnapshot site in Sites)
        {
            builder.AppendLine().Append(site.ToString());
        }

        if (SiteCount > Sites.Count)
        {
            builder.AppendLine().Append(CultureInfo.InvariantCulture, $"    ... and {SiteCount - Sites.Count} more site(s)");
        }

        return builder.ToString();
    }

    internal static TaskTrackerSnapshot Create(TaskTracker tracker, IEnumerable<TrackedTask> entries, int top, bool captureEntries)
        => Create(tracker, entries, top, captureEntries, tracker.Started, tracker.Faulted, tracker.Dropped);

    internal static TaskTrackerSnapshot Create(
        TaskTracker tracker,
        IEnumerable<TrackedTask> entries,
        int top,
        bool captureEntries,
        long started,
        long faulted,
        long dropped)
    {
        if (top < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(top));
        }

        var groups = new Dictionary<TaskSite, Group>();
        HashSet<TrackedTask>? captured = captureEntries ? new HashSet<TrackedTask>() : null;
        int total = 0;
        foreach (TrackedTask entry in entries)
        {
            captured?.Add(entry);
            total++;
            if (!groups.TryGetValue(entry.Site, out Group? group))
            {
                group = new Group(entry.StartTimestamp);
                groups.Add(entry.Site, group);
            }

            group.Count++;
            if (entry.StartTimestamp < group.OldestStart)
            {
                group.OldestStart = entry.StartTimestamp;
            }

            if (entry.Name is not null && group.Names.Count < 5 && !group.Names.Contains(entry.Name))
            {
                group.Names.Add(entry.Name);
            }
        }

        List<TaskSiteSnapshot> sites = groups
            .OrderByDescending(g => g.Value.Count)
            .ThenBy(g => g.Value.OldestStart)
            .Take(top)
            .Select(g => new TaskSiteSnapshot(
                g.Key,
                g.Value.Count,
                Max(g.Key.Tracker.ClockElapsed(g.Value.OldestStart, g.Key.Tracker.ClockNow()), TimeSpan.Zero), // a scope may hold sites of several trackers
                g.Value.Names.ToArray()))
            .ToList();

        return new TaskTrackerSnapshot(tracker.TimeProvider.GetUtcNow(), total, groups.Count, started, faulted, dropped, sites, captured);
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private sealed class Group
    {
        public Group(long start) => OldestStart = start;

        public int Count { get; set; }

        public long OldestStart { get; set; }

        public List<string> Names { get; } = new();
    }
}

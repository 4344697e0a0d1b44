using System;
using System.Collections.Generic;
using System.Threading;

namespace ConcurrencyGuard;

/// <summary>
/// A creation site of tracked tasks: the source file, line and member that called
/// <see cref="TaskExtensions.Forget(System.Threading.Tasks.Task, string?, string, string, int)"/> or
/// <see cref="TaskTracker.Run(Func{System.Threading.Tasks.Task}, string?, string, string, int)"/>,
/// as captured by the caller-info attributes (no stack trace is taken).
/// </summary>
public sealed class TaskSite
{
    private static readonly int s_stripeMask = StripeMask();
    private readonly Stripe[] _stripes;

    internal TaskSite(TaskTracker tracker, string file, int line, string member)
    {
        Tracker = tracker;
        File = file;
        Line = line;
        Member = member;
        FileName = GetFileName(file);
        _stripes = new Stripe[s_stripeMask + 1];
        for (int i = 0; i < _stripes.Length; i++)
        {
            _stripes[i] = new Stripe();
        }
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

    internal int Count
    {
        get
        {
            int count = 0;
            foreach (Stripe stripe in _stripes)
            {
                count += Volatile.Read(ref stripe.Count);
            }

            return count;
        }
    }

    /// <summary>Links the entry into the current processor's stripe: a short uncontended lock, no allocation.</summary>
    internal void Add(TrackedTask entry)
    {
        Stripe stripe = _stripes[Thread.GetCurrentProcessorId() & s_stripeMask];
        entry.Stripe = stripe;
        lock (stripe)
        {
            TrackedTask? head = stripe.Head;
            entry.Next = head;
            if (head is not null)
            {
                head.Prev = entry;
            }

            stripe.Head = entry;
            stripe.Count++;
        }
    }

    internal bool Remove(TrackedTask entry)
    {
        Stripe? stripe = entry.Stripe;
        if (stripe is null)
        {
            return false;
        }

        lock (stripe)
        {
            if (entry.Stripe is null)
            {
                return false;
            }

            if (entry.Prev is not null)
            {
                entry.Prev.Next = entry.Next;
            }
            else
            {
                stripe.Head = entry.Next;
            }

            if (entry.Next is not null)
            {
                entry.Next.Prev = entry.Prev;
            }

            entry.Prev = null;
            entry.Next = null;
            entry.Stripe = null;
            stripe.Count--;
        }

        return true;
    }

    /// <summary>Copies the outstanding entries (each stripe locked briefly).</summary>
    internal void CopyEntriesTo(List<TrackedTask> list)
    {
        foreach (Stripe stripe in _stripes)
        {
            lock (stripe)
            {
                for (TrackedTask? e = stripe.Head; e is not null; e = e.Next)
                {
                    list.Add(e);
                }
            }
        }
    }

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

    private static int StripeMask()
    {
        int stripes = 1;
        int wanted = Math.Min(Math.Max(Environment.ProcessorCount, 1), 16);
        while (stripes < wanted)
        {
            stripes <<= 1;
        }

        return stripes - 1;
    }

    private static string GetFileName(string path)
    {
        int slash = Math.Max(path.LastIndexOf('/'), path.LastIndexOf('\\'));
        return slash >= 0 ? path.Substring(slash + 1) : path;
    }

    /// <summary>One lock-protected intrusive list of entries.</summary>
    internal sealed class Stripe
    {
        public TrackedTask? Head;
        public int Count;
    }
}

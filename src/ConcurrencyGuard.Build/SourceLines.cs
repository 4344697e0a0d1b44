using System;
using System.Collections.Generic;
using System.Globalization;

namespace ConcurrencyGuard.Build;

/// <summary>A 0-based line and UTF-16 column, as Roslyn's LinePosition.</summary>
internal readonly struct Position : IComparable<Position>
{
    public Position(int line, int column)
    {
        Line = line;
        Column = column;
    }

    public int Line { get; }

    public int Column { get; }

    public int CompareTo(Position other) => Line != other.Line ? Line.CompareTo(other.Line) : Column.CompareTo(other.Column);
}

/// <summary>Source text split into lines where Roslyn splits them, so SARIF line/column pairs map back to text.</summary>
internal sealed class SourceLines
{
    private readonly string _text;
    private readonly List<int> _starts = new() { 0 };

    public SourceLines(string text)
    {
        _text = text;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                i++;
                _starts.Add(i + 1);
            }
            else if (c is '\r' or '\n' or '\u0085' or '\u2028' or '\u2029')
            {
                _starts.Add(i + 1);
            }
        }
    }

    public string Between(Position start, Position end)
    {
        var from = Offset(start);
        var to = Math.Max(from, Offset(end));
        return _text.Substring(from, to - from);
    }

    private int Offset(Position p)
    {
        if (p.Line < 0)
        {
            return 0;
        }

        if (p.Line >= _starts.Count)
        {
            return _text.Length;
        }

        return Math.Min(_text.Length, _starts[p.Line] + Math.Max(0, p.Column));
    }
}

/// <summary>One line of the CG0000 member index: a declaration's span and baseline name.</summary>
internal readonly struct IndexedMember
{
    public IndexedMember(Position start, Position end, string name)
    {
        Start = start;
        End = end;
        Name = name;
    }

    public Position Start { get; }

    public Position End { get; }

    public string Name { get; }

    /// <summary>Parses "startLine:startCol:endLine:endCol:name" lines (the name may contain ':').</summary>
    public static List<IndexedMember> Parse(string members)
    {
        var result = new List<IndexedMember>();
        foreach (var line in members.Split('\n'))
        {
            var parts = line.Split(new[] { ':' }, 5);
            if (parts.Length == 5
                && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var sl)
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var sc)
                && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var el)
                && int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var ec))
            {
                result.Add(new IndexedMember(new Position(sl, sc), new Position(el, ec), parts[4]));
            }
        }

        return result;
    }

    /// <summary>The innermost declaration around <paramref name="position"/> (declarations nest, so: the latest start).</summary>
    public static string Find(List<IndexedMember> members, Position position)
    {
        IndexedMember? best = null;
        foreach (var member in members)
        {
            if (member.Start.CompareTo(position) <= 0 && position.CompareTo(member.End) < 0
                && (best is null || member.Start.CompareTo(best.Value.Start) > 0
                    || (member.Start.CompareTo(best.Value.Start) == 0 && member.End.CompareTo(best.Value.End) < 0)))
            {
                best = member;
            }
        }

        return best?.Name ?? string.Empty;
    }
}

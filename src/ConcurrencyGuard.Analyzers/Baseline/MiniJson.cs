using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace ConcurrencyGuard.Analyzers.Baseline;

/// <summary>A JSON object with the 1-based line its opening brace is on (baseline entries are reported there).</summary>
internal sealed class JsonObject : Dictionary<string, object?>
{
    public JsonObject(int line)
        : base(StringComparer.Ordinal) => Line = line;

    public int Line { get; }

    public string? String(string key) => TryGetValue(key, out var value) ? value as string : null;

    public JsonObject? Object(string key) => TryGetValue(key, out var value) ? value as JsonObject : null;

    public List<object?>? Array(string key) => TryGetValue(key, out var value) ? value as List<object?> : null;

    public int? Int(string key) => TryGetValue(key, out var value) && value is double d ? (int)d : null;
}

/// <summary>
/// A small JSON reader and string writer. Compiled into both the analyzer assembly (which may not
/// depend on System.Text.Json under a Roslyn 4.8 host) and the MSBuild task assembly, which reads the
/// compiler's SARIF log with it; values are <see cref="JsonObject"/>, <c>List&lt;object?&gt;</c>,
/// <see cref="string"/>, <see cref="double"/>, <see cref="bool"/> or null.
/// </summary>
internal sealed class MiniJson
{
    private readonly string _text;
    private int _pos;
    private int _line = 1;

    private MiniJson(string text) => _text = text;

    /// <exception cref="FormatException">The text is not valid JSON.</exception>
    public static object? Parse(string text)
    {
        var reader = new MiniJson(text);
        var value = reader.ReadValue();
        reader.SkipWhitespace();
        if (reader._pos != text.Length)
        {
            throw reader.Error("unexpected text after the value");
        }

        return value;
    }

    public static void WriteString(StringBuilder builder, string value)
    {
        builder.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (c < ' ')
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        builder.Append('"');
    }

    private object? ReadValue()
    {
        SkipWhitespace();
        if (_pos >= _text.Length)
        {
            throw Error("unexpected end");
        }

        switch (_text[_pos])
        {
            case '{': return ReadObject();
            case '[': return ReadArray();
            case '"': return ReadString();
            case 't': Expect("true"); return true;
            case 'f': Expect("false"); return false;
            case 'n': Expect("null"); return null;
            default: return ReadNumber();
        }
    }

    private JsonObject ReadObject()
    {
        var result = new JsonObject(_line);
        _pos++;
        SkipWhitespace();
        if (Peek() == '}')
        {
            _pos++;
            return result;
        }

        while (true)
        {
            SkipWhitespace();
            if (Peek() != '"')
            {
                throw Error("expected a property name");
            }

            var key = ReadString();
            SkipWhitespace();
            if (Peek() != ':')
            {
                throw Error("expected ':'");
            }

            _pos++;
            result[key] = ReadValue();
            SkipWhitespace();
            var c = Peek();
            _pos++;
            if (c == '}')
            {
                return result;
            }

            if (c != ',')
            {
                throw Error("expected ',' or '}'");
            }
        }
    }

    private List<object?> ReadArray()
    {
        var result = new List<object?>();
        _pos++;
        SkipWhitespace();
        if (Peek() == ']')
        {
            _pos++;
            return result;
        }

        while (true)
        {
            result.Add(ReadValue());
            SkipWhitespace();
            var c = Peek();
            _pos++;
            if (c == ']')
            {
                return result;
            }

            if (c != ',')
            {
                throw Error("expected ',' or ']'");
            }
        }
    }

    private string ReadString()
    {
        _pos++;
        var builder = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length)
            {
                throw Error("unterminated string");
            }

            var c = _text[_pos++];
            if (c == '"')
            {
                return builder.ToString();
            }

            if (c != '\\')
            {
                builder.Append(c);
                continue;
            }

            if (_pos >= _text.Length)
            {
                throw Error("unterminated escape");
            }

            var e = _text[_pos++];
            switch (e)
            {
                case 'n': builder.Append('\n'); break;
                case 'r': builder.Append('\r'); break;
                case 't': builder.Append('\t'); break;
                case 'b': builder.Append('\b'); break;
                case 'f': builder.Append('\f'); break;
                case 'u':
                    if (_pos + 4 > _text.Length
                        || !int.TryParse(_text.Substring(_pos, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
                    {
                        throw Error("bad \\u escape");
                    }

                    builder.Append((char)code);
                    _pos += 4;
                    break;
                default: builder.Append(e); break;
            }
        }
    }

    private double ReadNumber()
    {
        var start = _pos;
        while (_pos < _text.Length && "+-0123456789.eE".IndexOf(_text[_pos]) >= 0)
        {
            _pos++;
        }

        if (!double.TryParse(_text.Substring(start, _pos - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            _pos = start;
            throw Error("unexpected character");
        }

        return value;
    }

    private void Expect(string word)
    {
        if (string.CompareOrdinal(_text, _pos, word, 0, word.Length) != 0)
        {
            throw Error("unexpected character");
        }

        _pos += word.Length;
    }

    private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

    private void SkipWhitespace()
    {
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            if (c == '\n')
            {
                _line++;
            }
            else if (c != ' ' && c != '\t' && c != '\r' && c != '\uFEFF')
            {
                return;
            }

            _pos++;
        }
    }

    private FormatException Error(string what) => new($"line {_line}: {what}");
}

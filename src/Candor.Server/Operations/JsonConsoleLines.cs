using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Candor.Server.Operations;

/// <summary>The console lines Candor writes outside the logger (the listening addresses, the one-CPU runtime settings,
/// demo mode's banner and key, an operator key shown once, recovered requests) when JSON logs are on: each line becomes
/// one JSON object in the JSON console formatter's shape — <c>Timestamp</c>, <c>LogLevel</c> (Information),
/// <c>Category</c> (<c>Candor</c>), <c>Message</c> — so that everything on standard output is JSON for a log shipper.
/// These lines are not log events: they never reach another logging provider.</summary>
internal sealed class JsonConsoleLines(TextWriter output, TimeProvider time) : TextWriter
{
    private readonly Lock _gate = new();
    private readonly StringBuilder _line = new();

    /// <inheritdoc />
    public override Encoding Encoding => output.Encoding;

    /// <inheritdoc />
    public override void Write(char value)
    {
        lock (_gate)
        {
            if (value == '\n')
            {
                Emit();
            }
            else if (value != '\r')
            {
                _line.Append(value);
            }
        }
    }

    /// <inheritdoc />
    public override void Write(string? value)
    {
        foreach (char c in value ?? "")
        {
            Write(c);
        }
    }

    /// <inheritdoc />
    public override void Flush()
    {
        lock (_gate)
        {
            if (_line.Length > 0)
            {
                Emit();
            }

            output.Flush();
        }
    }

    private void Emit()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("Timestamp", time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            json.WriteString("LogLevel", "Information");
            json.WriteString("Category", "Candor");
            json.WriteString("Message", _line.ToString());
            json.WriteEndObject();
        }

        _line.Clear();
        output.WriteLine(Encoding.UTF8.GetString(buffer.WrittenSpan));
        output.Flush();
    }
}

using System.Buffers;
using System.Text.Json;
using Candor.Core.Audit;

namespace Candor.Storage;

/// <summary>The private probe bank (<see cref="PrivateProbeBank"/>) in the data directory: <c>audit-probes.jsonl</c>,
/// one <c>{"prompt":"…"}</c> object per line — with <c>"long":true</c> for a prompt written as a long-answer request and
/// <c>"tool":{"name","description","parameters"}</c> for one the reference wrote a function tool for —, owner-only (0600),
/// rewritten whole (temporary file, fsync, move) each time prompts are taken or added. Only prompts not sent yet are
/// kept. An operator may put prompts of their own in it while Candor is stopped; a line that is not such an object
/// stops the start with its line number.</summary>
internal sealed class ProbeBankFile(string path) : IProbeBankStore
{
    /// <summary>The file's name in the data directory.</summary>
    public const string FileName = "audit-probes.jsonl";

    /// <summary>The bank stored in <paramref name="dataDirectory"/> (empty when there is no file yet).</summary>
    public static PrivateProbeBank Open(string dataDirectory)
    {
        var file = new ProbeBankFile(Path.Combine(DataDirectory.Ensure(dataDirectory), FileName));
        return new PrivateProbeBank(file.Read(), file);
    }

    /// <summary>The entries in the file, in order.</summary>
    public IReadOnlyList<ProbeBankEntry> Read()
    {
        if (!File.Exists(path))
        {
            return [];
        }

        var prompts = new List<ProbeBankEntry>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(line);
                if (document.RootElement.ValueKind == JsonValueKind.Object &&
                    document.RootElement.TryGetProperty("prompt", out var prompt) && prompt.ValueKind == JsonValueKind.String &&
                    prompt.GetString() is { Length: > 0 } text)
                {
                    var root = document.RootElement;
                    var longAnswer = root.TryGetProperty("long", out var flag) && flag.ValueKind == JsonValueKind.True;
                    ProbeTool? tool = null;
                    if (!root.TryGetProperty("tool", out var toolElement) || (tool = ProbeWriter.ReadTool(toolElement)) is not null)
                    {
                        prompts.Add(new ProbeBankEntry(text, longAnswer, tool));
                        continue;
                    }
                }
            }
            catch (JsonException)
            {
            }

            throw new InvalidOperationException($"{path}, line {number}: expected an object {{\"prompt\": \"…\"}} with a non-empty string (and a valid \"tool\" if any).");
        }

        return prompts;
    }

    /// <inheritdoc/>
    public void Save(IReadOnlyCollection<string> prompts) => Save([.. prompts.Select(static p => new ProbeBankEntry(p))]);

    /// <inheritdoc/>
    public void Save(IReadOnlyCollection<ProbeBankEntry> entries)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * (entries.Count + 1));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            foreach (var entry in entries)
            {
                writer.WriteStartObject();
                writer.WriteString("prompt", entry.Prompt);
                if (entry.LongAnswer)
                {
                    writer.WriteBoolean("long", true);
                }

                if (entry.Tool is { } tool)
                {
                    writer.WriteStartObject("tool");
                    writer.WriteString("name", tool.Name);
                    writer.WriteString("description", tool.Description);
                    writer.WritePropertyName("parameters");
                    using (var schema = JsonDocument.Parse(tool.Schema))
                    {
                        schema.RootElement.WriteTo(writer);
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
                writer.Flush();
                writer.Reset();
                buffer.Write("\n"u8);
            }
        }

        OwnerOnlyFile.Write(path, buffer.WrittenSpan, overwrite: true);
    }
}

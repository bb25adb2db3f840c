using System.Buffers;
using System.Text.Json;
using Candor.Protocols.Anthropic;

namespace Candor.UnitTests.Protocols.Anthropic;

public sealed class AnthropicModelsEncoderTests
{
    private static readonly DateTimeOffset Created = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void List_IsAnthropicsPage()
    {
        var buffer = new ArrayBufferWriter<byte>();
        AnthropicModelsEncoder.WriteList(["a", "b"], hasMore: true, Created, buffer);
        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        var root = doc.RootElement;
        var first = root.GetProperty("data")[0];
        Assert.Equal("model", first.GetProperty("type").GetString());
        Assert.Equal("a", first.GetProperty("id").GetString());
        Assert.Equal("a", first.GetProperty("display_name").GetString());
        Assert.Equal("2026-01-02T03:04:05Z", first.GetProperty("created_at").GetString());
        Assert.True(root.GetProperty("has_more").GetBoolean());
        Assert.Equal("a", root.GetProperty("first_id").GetString());
        Assert.Equal("b", root.GetProperty("last_id").GetString());
    }

    [Fact]
    public void EmptyList_HasNullIds()
    {
        var buffer = new ArrayBufferWriter<byte>();
        AnthropicModelsEncoder.WriteList([], hasMore: false, Created, buffer);
        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("first_id").ValueKind);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("last_id").ValueKind);
        Assert.Equal(0, doc.RootElement.GetProperty("data").GetArrayLength());
    }
}

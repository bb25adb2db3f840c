using System.Collections.Concurrent;
using System.Text.Json;

namespace Candor.Emulator.Vendors;

/// <summary>What the emulated OpenAI keeps of a response created with <c>store: true</c> (OpenAI's default): the response
/// itself (for <c>GET /v1/responses/{id}</c>), the conversation so far (input items then output items, for
/// <c>previous_response_id</c>) and every item by id (for <c>item_reference</c>). In memory, the newest
/// <see cref="Capacity"/> responses.</summary>
internal sealed class ResponseStore
{
    public const int Capacity = 1000;

    private readonly ConcurrentDictionary<string, Stored> _responses = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, JsonElement> _items = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();

    /// <summary>One stored response: its JSON and the whole conversation it ends.</summary>
    public sealed record Stored(byte[] Json, IReadOnlyList<JsonElement> Conversation);

    public void Add(string id, byte[] json, IReadOnlyList<JsonElement> conversation, IEnumerable<JsonElement> outputItems)
    {
        _responses[id] = new Stored(json, conversation);
        foreach (var item in conversation.Concat(outputItems))
        {
            if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("id", out var itemId) && itemId.ValueKind == JsonValueKind.String)
            {
                _items[itemId.GetString()!] = item;
            }
        }

        _order.Enqueue(id);
        while (_order.Count > Capacity && _order.TryDequeue(out var old))
        {
            _responses.TryRemove(old, out _);
        }
    }

    public Stored? Get(string id) => _responses.GetValueOrDefault(id);

    public bool Remove(string id) => _responses.TryRemove(id, out _);

    public JsonElement? Item(string id) => _items.TryGetValue(id, out var item) ? item : null;
}

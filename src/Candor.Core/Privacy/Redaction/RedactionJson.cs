using System.Text.Json.Serialization;

namespace Candor.Core.Privacy.Redaction;

/// <summary>Source-generated JSON for escaping restored values into JSON text.</summary>
[JsonSerializable(typeof(string))]
internal sealed partial class RedactionJson : JsonSerializerContext;

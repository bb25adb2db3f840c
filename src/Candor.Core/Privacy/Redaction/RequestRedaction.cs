using System.Text.Json.Nodes;
using Candor.Protocols.Canonical;

namespace Candor.Core.Privacy.Redaction;

/// <summary>Runs a <see cref="Redactor"/> over every text a canonical request carries.</summary>
/// <remarks>Covered: every message's text parts (system, user, assistant, tool), participant names, the
/// arguments of assistant tool calls (the JSON text, so values inside it), tool results (their text parts),
/// tool descriptions, the end-user id and metadata values, stop sequences, and string values among the
/// protocol fields Candor does not model (<see cref="ChatRequest.Unmapped"/>). Left as they are: reasoning
/// parts (signed by the upstream; changing a byte invalidates them), tool names and JSON schemas (the
/// contract the model must call by), images and files (binary), and ids.</remarks>
internal static class RequestRedaction
{
    /// <summary>Redacts the chat request in place.</summary>
    public static void Apply(ChatRequest request, Redactor redactor)
    {
        if (!redactor.Active)
        {
            return;
        }

        foreach (var message in request.Messages)
        {
            if (message.Name is { } name)
            {
                message.Name = redactor.Redact(name);
            }

            Parts(message.Parts, redactor);
        }

        foreach (var tool in request.Tools)
        {
            if (tool.Description is { } description)
            {
                tool.Description = redactor.Redact(description);
            }
        }

        for (int i = 0; i < request.Stop.Count; i++)
        {
            request.Stop[i] = redactor.Redact(request.Stop[i]);
        }

        if (request.User is { } user)
        {
            request.User = redactor.Redact(user);
        }

        if (request.Metadata is { } metadata)
        {
            foreach (var key in metadata.Keys.ToArray())
            {
                metadata[key] = redactor.Redact(metadata[key]);
            }
        }

        if (request.Unmapped is { } unmapped)
        {
            Node(unmapped, redactor);
        }
    }

    /// <summary>Redacts the embedding inputs in place.</summary>
    public static void Apply(EmbeddingRequest request, Redactor redactor)
    {
        if (!redactor.Active)
        {
            return;
        }

        for (int i = 0; i < request.Inputs.Count; i++)
        {
            request.Inputs[i] = redactor.Redact(request.Inputs[i]);
        }

        if (request.User is { } user)
        {
            request.User = redactor.Redact(user);
        }
    }

    private static void Parts(List<ContentPart> parts, Redactor redactor)
    {
        foreach (var part in parts)
        {
            switch (part)
            {
                case TextPart text:
                    text.Text = redactor.Redact(text.Text);
                    break;
                case ToolCallPart call:
                    call.ArgumentsJson = redactor.Redact(call.ArgumentsJson);
                    break;
                case ToolResultPart result:
                    Parts(result.Content, redactor);
                    break;
            }
        }
    }

    private static void Node(JsonNode node, Redactor redactor)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(static p => p.Key).ToArray())
                {
                    if (obj[key] is { } child)
                    {
                        if (child is JsonValue value && value.TryGetValue<string>(out var s))
                        {
                            string redacted = redactor.Redact(s);
                            if (!ReferenceEquals(redacted, s))
                            {
                                obj[key] = redacted;
                            }
                        }
                        else
                        {
                            Node(child, redactor);
                        }
                    }
                }

                break;
            case JsonArray array:
                for (int i = 0; i < array.Count; i++)
                {
                    if (array[i] is JsonValue value && value.TryGetValue<string>(out var s))
                    {
                        string redacted = redactor.Redact(s);
                        if (!ReferenceEquals(redacted, s))
                        {
                            array[i] = redacted;
                        }
                    }
                    else if (array[i] is { } child)
                    {
                        Node(child, redactor);
                    }
                }

                break;
        }
    }
}

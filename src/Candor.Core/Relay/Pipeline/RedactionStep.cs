using Candor.Core.Privacy.Redaction;
using Candor.Protocols.Canonical;

namespace Candor.Core.Relay.Pipeline;

/// <summary>Admission step 4: redact every text before anything leaves (<see cref="RedactionStage"/>); a blocked entity
/// type refuses the request (400). What changed is listed on the receipt: entity types and counts, never values.</summary>
internal static class RedactionStep
{
    public static Refusal? Admit(RelayContext context, ChatRequest request) => Done(context, RedactionStage.Apply(context, request));

    public static Refusal? Admit(RelayContext context, EmbeddingRequest request) => Done(context, RedactionStage.Apply(context, request));

    private static Refusal? Done(RelayContext context, RelayError? blocked)
    {
        if (blocked is not null)
        {
            return Refusal.Refused(blocked);
        }

        RelayReceipts.NoteRedactions(context);
        return null;
    }
}

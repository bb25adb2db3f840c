using Candor.Core.Admission;
using Candor.Protocols.Canonical;

namespace Candor.Core.Relay.Pipeline;

/// <summary>Admission step 1b, chat only: every choice is reserved and billed, so <c>server.max_choices</c> bounds them
/// (<see cref="ChoiceLimit"/>: 400 in the surface's own parameter name).</summary>
internal static class ChoiceStep
{
    public static Refusal? Admit(ChatRequest request, int maxChoices, WireProtocol surface) =>
        ChoiceLimit.Check(request, maxChoices, surface) is { } tooMany ? Refusal.Refused(tooMany) : null;
}

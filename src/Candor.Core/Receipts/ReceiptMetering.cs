using Candor.Core.Accounting;
using Candor.Protocols.Canonical;

namespace Candor.Core.Receipts;

/// <summary>What a billed request's receipt says about metering: Candor's own counts, the figures billed, the
/// charge and the price applied (taken from the request's meter after settlement).</summary>
/// <param name="CountedInput">Candor's prompt count.</param>
/// <param name="CountedOutput">Candor's count of the output delivered.</param>
/// <param name="Billed">The figures charged; null when nothing was charged.</param>
/// <param name="ChargeMicros">The charge; null when settlement failed.</param>
/// <param name="Price">The price applied; null when nothing was charged.</param>
/// <param name="Units">A media request's units (images, audio, characters, search units); null for token-priced requests.</param>
internal readonly record struct ReceiptMetering(int CountedInput, long CountedOutput, Usage? Billed, long? ChargeMicros, ModelPrice? Price, MediaUsage? Units = null);

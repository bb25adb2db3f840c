using Candor.Core.Accounting;
using Candor.Core.Admission;
using Candor.Core.Configuration;
using Candor.Protocols.Canonical;

namespace Candor.Core.Relay.Pipeline;

/// <summary>Admission steps 4 and 5 for the media endpoints (docs/endpoints.md): redaction of the request's texts (prompt,
/// input, query, documents; never audio or image bytes) through the same stage as embeddings' inputs, and billing in the
/// request's units (<see cref="BillingGate.AdmitMediaAsync"/>).</summary>
internal static class MediaStep
{
    /// <summary>Redacts <see cref="MediaRequest.Texts"/> in place (the encoder writes them back into the body).</summary>
    public static Refusal? Redact(RelayContext context, MediaRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Texts.Count == 0)
        {
            return null;
        }

        var texts = new EmbeddingRequest { Model = request.Model };
        texts.Inputs.AddRange(request.Texts);
        var refusal = RedactionStep.Admit(context, texts);
        if (refusal is null)
        {
            for (int i = 0; i < request.Texts.Count; i++)
            {
                request.Texts[i] = texts.Inputs[i];
            }
        }

        return refusal;
    }

    /// <summary>Reserves the request's units for a stored key (nothing happens for a configuration key or without a gate)
    /// and puts the meter on the context.</summary>
    public static async Task<Refusal?> BillAsync(RelayContext context, BillingGate? billing, ModelRoute route, MediaRequest request)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (billing is null || context.Caller?.Key is not { } key)
        {
            return null;
        }

        var (meter, refused) = await billing.AdmitMediaAsync(context, key, request.Model, Reserve(request), route).ConfigureAwait(false);
        if (refused is not null)
        {
            return Refusal.Refused(refused);
        }

        context.Meter = meter;
        return null;
    }

    /// <summary>The units a request reserves: the images asked for; the speech input's characters; the upload's measured
    /// duration, or without one a bound of one millisecond per byte (8 kbit/s, below any speech codec in use); one search
    /// unit per 100 documents (rounded up); one moderation call.</summary>
    public static MediaUsage Reserve(MediaRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Kind switch
        {
            MediaKind.ImageGeneration or MediaKind.ImageEdit => new MediaUsage(MediaUsage.Image, request.Images, request.Quality, request.Size),
            MediaKind.Speech => new MediaUsage(MediaUsage.Characters, request.Characters),
            MediaKind.Transcription => new MediaUsage(MediaUsage.AudioMilliseconds, request.MeasuredMilliseconds ?? request.AudioBytes),
            MediaKind.Rerank => new MediaUsage(MediaUsage.SearchUnit, (request.Documents + 99) / 100),
            _ => new MediaUsage(MediaUsage.Request, 1),
        };
    }
}

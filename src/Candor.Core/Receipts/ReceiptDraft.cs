using System.Buffers;
using System.Security.Cryptography;
using Candor.Core.Configuration;
using Candor.Protocols.Canonical;

namespace Candor.Core.Receipts;

/// <summary>What one request's receipt will say, gathered while the request runs: hashes of the client's body,
/// of the forwarded body and of both sides of the response (incremental, nothing buffered), the route, the
/// models and ids the upstream reported, the listed transformations and the audit flags. Sealed exactly once by
/// <see cref="ReceiptService"/>; holds no user content.</summary>
internal sealed class ReceiptDraft : IDisposable
{
    private readonly List<Transformation> _transformations = [];
    private readonly List<Transformation> _attemptTransformations = [];
    private readonly List<string> _flags = [];
    private IncrementalHash? _upstream;
    /// <summary>Failure kinds as receipts name them: snake case (<c>UpstreamUnavailable</c> → <c>upstream_unavailable</c>).</summary>
    private static readonly Dictionary<RelayErrorKind, string> ErrorNames = Enum.GetValues<RelayErrorKind>().Distinct()
        .ToDictionary(static k => k, static k => string.Concat(k.ToString().Select(static (c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString())));

    private List<FailedAttempt>? _failedAttempts;
    private bool _attemptOpen;
    private byte[]? _upstreamWhole;
    private HashingBufferWriter? _delivered;
    private int _sealed;

    internal ReceiptDraft(string id, string requestId, string surface, string ownerId, string? accountId, string pseudonym, ReadOnlySpan<byte> clientBody)
    {
        Id = id;
        RequestId = requestId;
        Surface = surface;
        OwnerId = ownerId;
        AccountId = accountId;
        Pseudonym = pseudonym;
        RequestSha256 = SHA256.HashData(clientBody);
        RequestBytes = clientBody.Length;
    }

    /// <summary>The draft of a request recovered after a crash, from its admission record (nothing forwarded or
    /// delivered is known: those members stay empty).</summary>
    internal ReceiptDraft(AdmittedReceipt admitted)
    {
        Id = admitted.ReceiptId;
        RequestId = admitted.RequestId;
        Surface = admitted.Surface;
        OwnerId = admitted.OwnerId;
        AccountId = admitted.AccountId;
        Pseudonym = admitted.Pseudonym;
        RequestSha256 = admitted.RequestSha256;
        RequestBytes = admitted.RequestBytes;
        RequestedModel = admitted.RequestedModel;
        Kind = admitted.Kind;
    }

    /// <summary>The receipt id (<c>rcpt_…</c>), sent in the <c>x-candor-receipt</c> header.</summary>
    public string Id { get; }

    /// <summary>Candor's request id.</summary>
    public string RequestId { get; }

    /// <summary>The client surface.</summary>
    public string Surface { get; }

    /// <summary>Who may read the receipt: <c>key:ID</c> for a stored key, <c>config:NAME</c> for a configuration key.</summary>
    public string OwnerId { get; }

    /// <summary>The stored key's account; null for configuration keys.</summary>
    public string? AccountId { get; }

    /// <summary>The pseudonymous key id printed on the receipt (HMAC of <see cref="OwnerId"/> under the server secret).</summary>
    public string Pseudonym { get; }

    /// <summary>SHA-256 of the client's body as received.</summary>
    public byte[] RequestSha256 { get; }

    /// <summary>Length of the client's body.</summary>
    public int RequestBytes { get; }

    /// <summary>SHA-256 of the body forwarded on the last attempt; null when nothing was forwarded.</summary>
    public byte[]? ForwardedSha256 { get; private set; }

    /// <summary>Length of the forwarded body.</summary>
    public int ForwardedBytes { get; private set; }

    /// <summary>The requested public model.</summary>
    public string? RequestedModel { get; set; }

    /// <summary>Which endpoint the receipt is for (<see cref="ReceiptKind"/>); chat unless the endpoint says otherwise.</summary>
    public string Kind { get; set; } = ReceiptKind.Chat;

    /// <summary>The channel of the last attempt.</summary>
    public ChannelSettings? Channel { get; private set; }

    /// <summary>The upstream model the deployment names (what should have served).</summary>
    public string? UpstreamModel { get; private set; }

    /// <summary>The model the deployment declares it serves (<c>served_model</c>; for Azure, whose deployment names
    /// are not model names); null when none is declared. Set per attempt by the relay, after <see cref="BeginAttempt"/>.</summary>
    public string? ExpectedModel { get; set; }

    /// <summary>The model the upstream reported.</summary>
    public string? ReportedModel { get; private set; }

    /// <summary>The upstream's response id.</summary>
    public string? UpstreamResponseId { get; private set; }

    /// <summary>The upstream's system fingerprint.</summary>
    public string? SystemFingerprint { get; private set; }

    /// <summary>The HTTP status the last attempt's upstream answered with (an error status included); null when no
    /// response arrived. Set by <see cref="Relay.UpstreamCall.SendAsync"/>.</summary>
    public int? UpstreamStatus { get; set; }

    /// <summary>The upstream usage, merged over the stream; null when none arrived.</summary>
    public Usage? ReportedUsage { get; private set; }

    /// <summary>fast, translated or -.</summary>
    public string Path { get; set; } = "-";

    /// <summary>Upstream attempts made.</summary>
    public int Attempts { get; set; }

    /// <summary>Bytes read from the upstream for the answering attempt.</summary>
    public long UpstreamBytes { get; private set; }

    /// <summary>The transformations listed so far (request-wide ones, then the last attempt's).</summary>
    public IEnumerable<Transformation> Transformations => _transformations.Concat(_attemptTransformations);

    /// <summary>The audit flags raised so far.</summary>
    public IReadOnlyList<string> Flags => _flags;

    /// <summary>The request-wide transformations (listed first on the receipt).</summary>
    internal List<Transformation> RequestTransformations => _transformations;

    /// <summary>The last attempt's transformations (listed after the request-wide ones).</summary>
    internal List<Transformation> AttemptTransformations => _attemptTransformations;

    /// <summary>The audit flags, for iteration without an enumerator allocation.</summary>
    internal List<string> FlagList => _flags;

    /// <summary>True once sealed.</summary>
    public bool IsSealed => Volatile.Read(ref _sealed) != 0;

    /// <summary>Lists a request-wide transformation (for example redaction counts from the privacy stage).</summary>
    public void AddTransformation(Transformation transformation) => _transformations.Add(transformation);

    /// <summary>The channels routing left out of this request because an audit quarantined them (docs/audits.md), in
    /// the order the route lists them; empty when none was.</summary>
    public IReadOnlyList<string> QuarantineAvoided => _quarantineAvoided ?? (IReadOnlyList<string>)[];

    private List<string>? _quarantineAvoided;

    /// <summary>Records a channel that admission removed from the request's deployments because it is quarantined.</summary>
    public void AvoidedQuarantined(string channelId)
    {
        _quarantineAvoided ??= [];
        if (!_quarantineAvoided.Contains(channelId))
        {
            _quarantineAvoided.Add(channelId);
        }
    }

    /// <summary>Raises an audit flag (once).</summary>
    public void Flag(string flag)
    {
        if (!_flags.Contains(flag))
        {
            _flags.Add(flag);
        }
    }

    /// <summary>The attempts that failed before the one the receipt describes (failover): each upstream that received
    /// the request is named on the receipt, with what it was sent and what it answered (hashes and status, never bodies).</summary>
    public IReadOnlyList<FailedAttempt> FailedAttempts => _failedAttempts ?? (IReadOnlyList<FailedAttempt>)[];

    /// <summary>Ends the current attempt as failed (the attempt loop calls it when it tries another deployment): its
    /// channel, upstream model, forwarded hash, the upstream's status and answer hash and the failure's kind are kept for
    /// the receipt. Nothing is kept for an attempt that sent nothing (no <see cref="BeginAttempt"/> since the last one).</summary>
    public void AttemptFailed(RelayError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (!_attemptOpen || Channel is not { } channel || ForwardedSha256 is not { } forwarded)
        {
            return;
        }

        _attemptOpen = false;
        (_failedAttempts ??= []).Add(new FailedAttempt(
            channel, UpstreamModel, forwarded, ForwardedBytes, UpstreamStatus, UpstreamBytes, UpstreamSha256(), ErrorNames[error.Kind]));
    }

    /// <summary>Starts an attempt: its channel, upstream model, forwarded body and transformations replace the previous attempt's.</summary>
    public void BeginAttempt(ChannelSettings channel, string upstreamModel, ReadOnlySpan<byte> forwarded, IEnumerable<Transformation> transformations)
    {
        _attemptOpen = true;
        Channel = channel;
        UpstreamModel = upstreamModel;
        ForwardedSha256 = SHA256.HashData(forwarded);
        ForwardedBytes = forwarded.Length;
        _attemptTransformations.Clear();
        _attemptTransformations.AddRange(transformations);
        _flags.RemoveAll(static f => f.StartsWith(AuditFlags.ParameterChangedPrefix, StringComparison.Ordinal) || f == AuditFlags.ForwardedUnreadable);
        ReportedModel = UpstreamResponseId = SystemFingerprint = ExpectedModel = null;
        UpstreamStatus = null;
        ReportedUsage = null;
        UpstreamBytes = 0;
        _upstream?.Dispose();
        _upstream = null;
        _upstreamWhole = null;
    }

    /// <summary>Wraps the upstream's body so that what is read through it is hashed.</summary>
    public Stream HashUpstream(Stream body)
    {
        _upstream?.Dispose();
        _upstreamWhole = null;
        _upstream = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        return new HashingReadStream(body, _upstream, n => UpstreamBytes += n);
    }

    /// <summary>Hashes a whole upstream body that was read at once.</summary>
    public void HashUpstream(ReadOnlySpan<byte> body)
    {
        _upstream?.Dispose();
        _upstream = null;
        _upstreamWhole = SHA256.HashData(body);
        UpstreamBytes = body.Length;
    }

    /// <summary>The writer for every byte sent to the client: it hashes as it passes them on.</summary>
    public IBufferWriter<byte> Output(IBufferWriter<byte> client) => _delivered ??= new HashingBufferWriter(client);

    /// <summary>Hashes bytes held back from the client until the receipt is stored (the bytes that complete the
    /// answer); the caller writes them to <paramref name="client"/> itself, past this hash, once the seal succeeded.</summary>
    public void HashHeld(IBufferWriter<byte> client, ReadOnlySpan<byte> held)
    {
        if (!held.IsEmpty)
        {
            ((HashingBufferWriter)Output(client)).Hash(held);
        }
    }

    /// <summary>Notes an event from the upstream (ids, served model, usage).</summary>
    public void Observe(ChatEvent ev)
    {
        switch (ev)
        {
            case ResponseStarted started:
                UpstreamResponseId ??= started.Id;
                ReportedModel ??= started.Model;
                SystemFingerprint ??= started.SystemFingerprint;
                break;
            case UsageReported usage:
                ReportedUsage = Usage.Merge(ReportedUsage, usage.Usage);
                break;
        }
    }

    /// <summary>Notes what a whole-JSON auxiliary answer reported (embeddings: the model and usage; they carry no
    /// response id).</summary>
    public void ObserveReported(string? model, Usage? usage)
    {
        ReportedModel ??= model;
        if (usage is not null)
        {
            ReportedUsage = Usage.Merge(ReportedUsage, usage);
        }
    }

    /// <summary>SHA-256 of the upstream response as read; null when nothing was read.</summary>
    internal byte[]? UpstreamSha256()
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        return UpstreamSha256(digest) ? digest.ToArray() : null;
    }

    /// <summary>Writes the SHA-256 of the upstream response as read into <paramref name="digest"/> (32 bytes);
    /// false when nothing was read.</summary>
    internal bool UpstreamSha256(Span<byte> digest)
    {
        if (_upstreamWhole is { } whole)
        {
            whole.CopyTo(digest);
            return true;
        }

        if (_upstream is { } running)
        {
            running.GetCurrentHash(digest);
            return true;
        }

        return false;
    }

    /// <summary>SHA-256 of the bytes written for the client (empty-input hash when none were).</summary>
    internal byte[] DeliveredSha256()
    {
        var digest = new byte[SHA256.HashSizeInBytes];
        DeliveredSha256(digest);
        return digest;
    }

    /// <summary>Writes the SHA-256 of the bytes written for the client into <paramref name="digest"/> (32 bytes).</summary>
    internal void DeliveredSha256(Span<byte> digest)
    {
        if (_delivered is { } delivered)
        {
            delivered.CurrentHash(digest);
        }
        else
        {
            SHA256.HashData([], digest);
        }
    }

    /// <summary>Bytes written for the client.</summary>
    internal long DeliveredBytes => _delivered?.Length ?? 0;

    /// <summary>True once the sealed receipt is durably stored.</summary>
    public bool Stored { get; internal set; }

    /// <summary>Marks the draft sealed; false when it already was.</summary>
    internal bool TrySeal() => Interlocked.Exchange(ref _sealed, 1) == 0;

    /// <inheritdoc/>
    public void Dispose()
    {
        _upstream?.Dispose();
        _delivered?.Dispose();
    }
}

/// <summary>An attempt that failed before the answering one: the channel that received the request, the model it was
/// asked for, the forwarded body's hash and size, the upstream's status and the hash and size of what it answered (when
/// a response arrived), and the failure's kind (a <see cref="RelayErrorKind"/> in snake case).</summary>
internal sealed record FailedAttempt(
    ChannelSettings Channel, string? UpstreamModel, byte[] ForwardedSha256, long ForwardedBytes, int? UpstreamStatus, long UpstreamBytes, byte[]? UpstreamSha256,
    string Error);

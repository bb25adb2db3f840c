using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Candor.Core.Receipts;

/// <summary>What is counted and logged once a receipt is stored: receipts signed (by outcome), the time to build, sign
/// and store one, and each audit flag raised (a metric by flag and channel, and a log event). Nothing is recorded without
/// a meter factory; the flags are still logged.</summary>
internal sealed class ReceiptMetrics : IDisposable
{
    private readonly ILogger _logger;
    private readonly Meter? _meter;
    private readonly Counter<long>? _signed;
    private readonly Counter<long>? _flags;
    private readonly Histogram<double>? _sealTime;

    public ReceiptMetrics(IMeterFactory? meterFactory, ILogger logger)
    {
        _logger = logger;
        if (meterFactory is not null)
        {
            _meter = meterFactory.Create("Candor.Receipts");
            _signed = _meter.CreateCounter<long>("candor.receipts.signed", description: "Receipts signed and stored, by outcome");
            _flags = _meter.CreateCounter<long>("candor.audit.flags", description: "Audit flags raised on receipts, by flag and channel");
            _sealTime = _meter.CreateHistogram<double>("candor.receipts.seal.duration", "ms", "Time to build, sign and durably store a receipt");
        }
    }

    /// <summary>Records a stored receipt: its outcome, how long sealing took, and its audit flags.</summary>
    public void Stored(ReceiptDraft draft, string outcome, TimeSpan elapsed)
    {
        if (_signed is { Enabled: true })
        {
            _signed.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        }

        if (_sealTime is { Enabled: true })
        {
            _sealTime.Record(elapsed.TotalMilliseconds);
        }

        foreach (string flag in draft.Flags)
        {
            _flags?.Add(1, new("flag", flag), new("channel", draft.Channel?.Id ?? "-"));
            _logger.AuditFlagRaised(draft.RequestId, draft.Channel?.Id ?? "-", flag, draft.Id);
        }
    }

    public void Dispose() => _meter?.Dispose();
}

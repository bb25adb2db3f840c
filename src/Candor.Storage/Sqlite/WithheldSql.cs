namespace Candor.Storage.Sqlite;

/// <summary>The statements that settle the money of a request whose answer was withheld (<see cref="RelationalStore.ResolveWithheldAsync"/>).</summary>
internal static class WithheldSql
{
    /// <summary>The request's usage record, if any: account, key and charge (an <c>interrupted</c> record is recovery's and
    /// charged nothing).</summary>
    public const string SelectUsage = "SELECT account_id, key_id, charge_micros FROM usage_records WHERE request_id = @request_id";

    /// <summary>How many refunds the request already has (a void is written once).</summary>
    public const string CountRefunds = "SELECT COUNT(*) FROM ledger_entries WHERE request_id = @request_id AND kind = 'refund'";
}

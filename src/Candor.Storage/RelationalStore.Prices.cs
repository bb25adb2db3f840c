using Candor.Core.Accounting;
using Candor.Storage.Sqlite;
using System.Data.Common;

namespace Candor.Storage;

internal abstract partial class RelationalStore : IPriceStore
{
    /// <inheritdoc/>
    public Task<StoredPrices> GetPricesAsync(CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            long version;
            using (var select = Command(c, tx, CountersSql.Select).Add("@name", CountersSql.PricesVersion))
            {
                version = await ScalarInt64Async(select, cancellationToken).ConfigureAwait(false);
            }

            List<PriceOverride> overrides;
            using (var select = Command(c, tx, PricesSql.SelectAll))
            {
                overrides = await QueryAsync(select, PricesSql.Read, cancellationToken).ConfigureAwait(false);
            }

            var groups = new Dictionary<string, PriceMultiplier>(StringComparer.Ordinal);
            using (var select = Command(c, tx, PricesSql.SelectGroups))
            {
                foreach (var (group, ppm) in await QueryAsync(select, static r => (r.GetString(0), r.GetInt64(1)), cancellationToken).ConfigureAwait(false))
                {
                    groups[group] = new PriceMultiplier(ppm);
                }
            }

            return new StoredPrices(overrides, groups, version);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<long> GetPricesVersionAsync(CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            using var select = Command(c, tx, CountersSql.Select).Add("@name", CountersSql.PricesVersion);
            return await ScalarInt64Async(select, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task SetPriceAsync(PriceOverride price, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(price);
        if (price.Validate() is { } problem)
        {
            throw new ArgumentException(problem.Message, problem.Field);
        }

        return _db.WriteAsync(async (c, tx) =>
        {
            using (var upsert = Command(c, tx, PricesSql.Upsert))
            {
                PricesSql.Bind(upsert, price, DbValues.ToMillis(Now()));
                await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await BumpPricesVersionAsync(c, tx, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<bool> RemovePriceAsync(string model, string? channel, CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            using var delete = Command(c, tx, PricesSql.Delete).Add("@model", model).Add("@channel", channel ?? "");
            if (await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                return false;
            }

            await BumpPricesVersionAsync(c, tx, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task SetGroupMultiplierAsync(string group, PriceMultiplier multiplier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(group);
        if (multiplier.PartsPerMillion is < 0 or > PriceMultiplier.MaxPartsPerMillion)
        {
            throw new ArgumentOutOfRangeException(nameof(multiplier), $"a multiplier is between 0 and {PriceMultiplier.MaxPartsPerMillion} parts per million");
        }

        return _db.WriteAsync(async (c, tx) =>
        {
            using (var upsert = Command(c, tx, PricesSql.UpsertGroup).Add("@group", group).Add("@ppm", multiplier.PartsPerMillion).Add("@updated_at", DbValues.ToMillis(Now())))
            {
                await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await BumpPricesVersionAsync(c, tx, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<bool> RemoveGroupMultiplierAsync(string group, CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            using var delete = Command(c, tx, PricesSql.DeleteGroup).Add("@group", group);
            if (await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                return false;
            }

            await BumpPricesVersionAsync(c, tx, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    private static async Task BumpPricesVersionAsync(DbConnection c, DbTransaction tx, CancellationToken cancellationToken)
    {
        using var increment = Command(c, tx, CountersSql.Increment).Add("@name", CountersSql.PricesVersion);
        await increment.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }
}

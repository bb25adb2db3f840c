using Candor.Core.Import;
using Candor.Storage.Sqlite;

namespace Candor.Storage;

internal abstract partial class RelationalStore : IImportStore
{
    /// <inheritdoc/>
    public Task<IReadOnlyDictionary<string, string>> GetImportedAsync(string source, CancellationToken cancellationToken) =>
        _db.ReadAsync<IReadOnlyDictionary<string, string>>(async (c, tx) =>
        {
            using var select = Command(c, tx, ImportSql.SelectBySource).Add("@source", source);
            var rows = await QueryAsync(select, static r => (Key: r.GetString(0) + ":" + r.GetString(1), Id: r.GetString(2)), cancellationToken).ConfigureAwait(false);
            return rows.ToDictionary(static r => r.Key, static r => r.Id, StringComparer.Ordinal);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<ImportResult> ApplyAsync(ImportPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return _db.WriteAsync(async (c, tx) =>
        {
            var imported = new Dictionary<string, int>(StringComparer.Ordinal);
            var skipped = new Dictionary<string, int>(StringComparer.Ordinal);
            long now = DbValues.ToMillis(Now());

            // Claims the row's mapping record; false when an earlier (or concurrent) run already imported it.
            async Task<bool> ClaimAsync(string kind, string sourceId, string candorId)
            {
                using var record = Command(c, tx, ImportSql.Record)
                    .Add("@source", plan.Source).Add("@kind", kind).Add("@source_id", sourceId).Add("@candor_id", candorId).Add("@now", now);
                bool fresh = await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
                var counts = fresh ? imported : skipped;
                counts[kind] = counts.GetValueOrDefault(kind) + 1;
                return fresh;
            }

            foreach (var planned in plan.Accounts)
            {
                if (!await ClaimAsync(ImportKind.User, planned.SourceId, planned.Account.Id).ConfigureAwait(false))
                {
                    continue;
                }

                await InsertAccountAsync(c, tx, planned.Account, cancellationToken).ConfigureAwait(false);
                if (planned.Account.Disabled)
                {
                    using var disable = Command(c, tx, ImportSql.DisableAccount).Add("@id", planned.Account.Id);
                    await disable.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                if (planned.Owner is { } owner)
                {
                    using var member = Command(c, tx, MembersSql.Upsert)
                        .Add("@account_id", planned.Account.Id).Add("@principal", owner)
                        .Add("@role", MembersSql.RoleName(Core.Accounts.AccountRole.Owner)).Add("@created_at", now);
                    await member.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                if (planned.Opening is { } opening)
                {
                    await ApplyEntryAsync(c, tx, opening, cancellationToken).ConfigureAwait(false);
                }
            }

            foreach (var key in plan.Keys)
            {
                if (!await ClaimAsync(ImportKind.Token, key.SourceId, key.Id).ConfigureAwait(false))
                {
                    continue;
                }

                ThrowIfInvalid(key.Limits);
                long version = await NextKeyVersionAsync(c, tx, cancellationToken).ConfigureAwait(false);
                using var insert = Command(c, tx, ApiKeysSql.Insert)
                    .Add("@id", key.Id).Add("@account_id", key.AccountId).Add("@name", key.Name).Add("@display_prefix", key.DisplayPrefix)
                    .Add("@key_hash", key.Hash).Add("@created_at", DbValues.ToMillis(key.CreatedAt)).Add("@is_operator", 0).Add("@version", version);
                ApiKeysSql.BindLimits(insert, key.Limits);
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            bool channels = false;
            foreach (var planned in plan.Channels)
            {
                if (!await ClaimAsync(ImportKind.Channel, planned.SourceId, planned.Channel.Id).ConfigureAwait(false))
                {
                    continue;
                }

                using (var exists = Command(c, tx, ChannelsSql.Exists).Add("@id", planned.Channel.Id))
                {
                    if (await ScalarInt64Async(exists, cancellationToken).ConfigureAwait(false) > 0)
                    {
                        throw new InvalidOperationException($"A channel named '{planned.Channel.Id}' exists already; import under another --source label.");
                    }
                }

                using (var insert = ChannelsSql.BindChannel(Command(c, tx, ChannelsSql.Insert), planned.Channel))
                {
                    await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                foreach (var deployment in planned.Deployments)
                {
                    using var add = ChannelsSql.BindDeployment(Command(c, tx, ChannelsSql.InsertDeployment), deployment);
                    await add.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                channels = true;
            }

            if (channels)
            {
                await BumpChannelsVersionAsync(c, tx, cancellationToken).ConfigureAwait(false);
            }

            bool prices = false;
            foreach (var planned in plan.Prices)
            {
                if (await ClaimAsync(ImportKind.ModelPrice, planned.SourceId, planned.Price.Model).ConfigureAwait(false))
                {
                    using var upsert = Command(c, tx, PricesSql.Upsert);
                    PricesSql.Bind(upsert, planned.Price, now);
                    await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    prices = true;
                }
            }

            foreach (var planned in plan.Groups)
            {
                if (await ClaimAsync(ImportKind.GroupRatio, planned.SourceId, planned.Group).ConfigureAwait(false))
                {
                    using var upsert = Command(c, tx, PricesSql.UpsertGroup)
                        .Add("@group", planned.Group).Add("@ppm", planned.Multiplier.PartsPerMillion).Add("@updated_at", now);
                    await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    prices = true;
                }
            }

            if (prices)
            {
                await BumpPricesVersionAsync(c, tx, cancellationToken).ConfigureAwait(false);
            }

            foreach (var planned in plan.Codes)
            {
                if (await ClaimAsync(ImportKind.Redemption, planned.SourceId, planned.Code.Id).ConfigureAwait(false))
                {
                    using var insert = RedemptionsSql.Bind(Command(c, tx, RedemptionsSql.Insert), planned.Code, planned.Hash);
                    await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            return new ImportResult(imported, skipped);
        }, cancellationToken);
    }
}

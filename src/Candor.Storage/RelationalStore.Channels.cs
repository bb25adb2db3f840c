using Candor.Core.Channels;
using Candor.Core.Security;
using Candor.Storage.Sqlite;
using System.Data.Common;

namespace Candor.Storage;

internal abstract partial class RelationalStore : IChannelStore
{
    /// <inheritdoc/>
    public Task<StoredChannels> LoadChannelsAsync(CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            long version = await SelectChannelsVersionAsync(c, tx, cancellationToken).ConfigureAwait(false);
            using var channels = Command(c, tx, ChannelsSql.SelectAll);
            var channelRows = await QueryAsync(channels, ChannelsSql.ReadChannel, cancellationToken).ConfigureAwait(false);
            using var deployments = Command(c, tx, ChannelsSql.SelectDeployments);
            var deploymentRows = await QueryAsync(deployments, ChannelsSql.ReadDeployment, cancellationToken).ConfigureAwait(false);
            return new StoredChannels(version, channelRows, deploymentRows);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<long> GetChannelsVersionAsync(CancellationToken cancellationToken) =>
        _db.ReadAsync((c, tx) => SelectChannelsVersionAsync(c, tx, cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public Task<StoredChannel?> GetChannelAsync(string id, CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            using var select = Command(c, tx, ChannelsSql.SelectById).Add("@id", id);
            return await QuerySingleAsync(select, ChannelsSql.ReadChannel, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> AddChannelAsync(StoredChannel channel, IReadOnlyList<StoredDeployment> deployments, CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            using (var exists = Command(c, tx, ChannelsSql.Exists).Add("@id", channel.Id))
            {
                if (await ScalarInt64Async(exists, cancellationToken).ConfigureAwait(false) > 0)
                {
                    return false;
                }
            }

            using (var insert = ChannelsSql.BindChannel(Command(c, tx, ChannelsSql.Insert), channel))
            {
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            foreach (var deployment in deployments)
            {
                using var add = ChannelsSql.BindDeployment(Command(c, tx, ChannelsSql.InsertDeployment), deployment);
                await add.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await BumpChannelsVersionAsync(c, tx, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> UpdateChannelAsync(StoredChannel channel, CancellationToken cancellationToken) =>
        ChannelWriteAsync(ChannelsSql.BindChannel, ChannelsSql.Update, channel, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> DeleteChannelAsync(string id, CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            using (var delete = Command(c, tx, ChannelsSql.Delete).Add("@id", id))
            {
                if (await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                {
                    return false;
                }
            }

            using (var deployments = Command(c, tx, ChannelsSql.DeleteDeploymentsOfChannel).Add("@channel_id", id))
            {
                await deployments.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await BumpChannelsVersionAsync(c, tx, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task AddDeploymentAsync(StoredDeployment deployment, CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            using (var insert = ChannelsSql.BindDeployment(Command(c, tx, ChannelsSql.InsertDeployment), deployment))
            {
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await BumpChannelsVersionAsync(c, tx, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> UpdateDeploymentAsync(StoredDeployment deployment, CancellationToken cancellationToken) =>
        ChannelWriteAsync(ChannelsSql.BindDeployment, ChannelsSql.UpdateDeployment, deployment, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> DeleteDeploymentAsync(string id, CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            using var delete = Command(c, tx, ChannelsSql.DeleteDeployment).Add("@id", id);
            if (await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                return false;
            }

            await BumpChannelsVersionAsync(c, tx, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<int> ResealCredentialsAsync(MasterKeyRing ring, CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            List<(string Id, string Credential)> rows;
            using (var select = Command(c, tx, ChannelsSql.SelectCredentials))
            {
                rows = await QueryAsync(select, static r => (r.GetString(0), r.GetString(1)), cancellationToken).ConfigureAwait(false);
            }

            // Every envelope is opened and re-sealed before anything is written: one that does not open aborts the
            // whole transaction, and the old key must then not be retired.
            var resealed = rows.Select(row => (row.Id, Envelope: ChannelCredentials.Reseal(ring, row.Id, Convert.FromBase64String(row.Credential)))).ToList();
            foreach (var (id, envelope) in resealed)
            {
                using var update = Command(c, tx, ChannelsSql.UpdateCredential)
                    .Add("@credential", Convert.ToBase64String(envelope))
                    .Add("@credential_key_id", (long)MasterKeyRing.KeyIdOf(envelope))
                    .Add("@id", id);
                await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // Channel header values are sealed like credentials (values an older version stored in the clear get sealed).
            List<(string Id, string Headers)> headerRows;
            using (var select = Command(c, tx, ChannelsSql.SelectHeaders))
            {
                headerRows = await QueryAsync(select, static r => (r.GetString(0), r.GetString(1)), cancellationToken).ConfigureAwait(false);
            }

            var resealedHeaders = headerRows.Select(row => (row.Id, Json: ChannelsSql.HeadersToJson(ChannelHeaders.Seal(ring, row.Id, ChannelsSql.HeadersFromJson(row.Headers))))).ToList();
            foreach (var (id, json) in resealedHeaders)
            {
                using var update = Command(c, tx, ChannelsSql.UpdateHeaders).Add("@headers", json).Add("@id", id);
                await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // The accounts' history data keys are sealed under the same ring: re-sealed in the same transaction, so
            // retiring the old key never leaves a history unreadable (docs/privacy.md, "History").
            List<(string Id, string AccountId, string Sealed)> keys;
            using (var select = Command(c, tx, PrivacySql.SelectAllKeys))
            {
                keys = await QueryAsync(select, static r => (r.GetString(0), r.GetString(1), r.GetString(2)), cancellationToken).ConfigureAwait(false);
            }

            var resealedKeys = keys.Select(k => (k.Id, Envelope: ResealDataKey(ring, k.Id, k.AccountId, Convert.FromBase64String(k.Sealed)))).ToList();
            foreach (var (id, envelope) in resealedKeys)
            {
                using var update = Command(c, tx, PrivacySql.UpdateKeySeal)
                    .Add("@sealed_key", Convert.ToBase64String(envelope))
                    .Add("@id", id);
                await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            int resealedTotp = await ResealTotpAsync(c, tx, ring, cancellationToken).ConfigureAwait(false);
            await BumpChannelsVersionAsync(c, tx, cancellationToken).ConfigureAwait(false);
            return resealed.Count + resealedKeys.Count + resealedTotp;
        }, cancellationToken);

    private static byte[] ResealDataKey(MasterKeyRing ring, string id, string accountId, byte[] envelope)
    {
        var stored = new Candor.Core.Privacy.HistoryDataKey(id, accountId, envelope);
        byte[] key = Candor.Core.Privacy.HistoryCipher.OpenDataKey(ring, stored);
        try
        {
            return ring.Seal(key, Candor.Core.Privacy.HistoryCipher.KeyBinding(accountId, id));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
        }
    }

    private Task<bool> ChannelWriteAsync<T>(Func<DbCommand, T, DbCommand> bind, string sql, T value, CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            using var update = bind(Command(c, tx, sql), value);
            if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                return false;
            }

            await BumpChannelsVersionAsync(c, tx, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    private static async Task BumpChannelsVersionAsync(DbConnection c, DbTransaction tx, CancellationToken cancellationToken)
    {
        using var increment = Command(c, tx, CountersSql.Increment).Add("@name", ChannelsSql.Version);
        await ScalarInt64Async(increment, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<long> SelectChannelsVersionAsync(DbConnection c, DbTransaction tx, CancellationToken cancellationToken)
    {
        using var select = Command(c, tx, CountersSql.Select).Add("@name", ChannelsSql.Version);
        return await ScalarInt64Async(select, cancellationToken).ConfigureAwait(false);
    }
}

using System.Buffers.Binary;
using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Candor.Storage.Relational;

/// <summary>Moves an installation's store to another database (<c>candor copy</c>: SQLite to PostgreSQL, or to another
/// SQLite): every row of every table, in one transaction of the target that commits only after each table's row count and
/// checksum read back from the target equal the source's (docs/storage.md, "Moving an installation"). Both stores are
/// opened by this Candor, so they have the same schema version; a target holding any row of its own is refused.</summary>
internal static class StoreCopy
{
    /// <summary>Tables whose rows the target has from its own creation, replaced by the source's: the migrations' counters and
    /// the store's metadata (the secret's check value, equal on both since the target is opened with the source's secret).</summary>
    private static readonly HashSet<string> Replaced = new(StringComparer.Ordinal) { "counters", "store_meta" };

    /// <summary>Tables not copied: the schema's own record (equal on both: same migrations) and the running nodes' leases
    /// (runtime state of the source's nodes, which do not run on the target).</summary>
    private static readonly HashSet<string> Skipped = new(StringComparer.Ordinal) { "schema_migrations", "cluster_nodes" };

    /// <summary>What was copied of one table: its rows and their checksum (the same on both sides).</summary>
    public sealed record TableCopy(string Table, long Rows, string Checksum);

    /// <summary>Copies every table of <paramref name="source"/> into <paramref name="target"/>. Throws, having changed
    /// nothing, when the target holds rows, when the two schemas differ, or when a table read back differs.</summary>
    public static async Task<IReadOnlyList<TableCopy>> CopyAsync(RelationalStore source, RelationalStore target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        var sourceDb = source.Database;
        var targetDb = target.Database;
        var tables = await sourceDb.ReadAsync((c, tx) => ListTablesAsync(sourceDb, c, tx, cancellationToken), cancellationToken).ConfigureAwait(false);
        return await targetDb.WriteAsync(async (tc, ttx) =>
        {
            var targetTables = await ListTablesAsync(targetDb, tc, ttx, cancellationToken).ConfigureAwait(false);
            if (!targetTables.Order(StringComparer.Ordinal).SequenceEqual(tables.Order(StringComparer.Ordinal), StringComparer.Ordinal))
            {
                throw new InvalidOperationException(
                    $"{targetDb.Path} and {sourceDb.Path} have different tables ({string.Join(", ", targetTables.Except(tables).Concat(tables.Except(targetTables)))}).");
            }

            foreach (string table in tables.Where(t => !Replaced.Contains(t) && !Skipped.Contains(t)))
            {
                using var count = StoreDatabase.Command(tc, ttx, $"SELECT COUNT(*) FROM {table}");
                if (Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) > 0)
                {
                    throw new InvalidOperationException($"{targetDb.Path} is not empty ({table} has rows): copy only into a new database.");
                }
            }

            // The source is read in one snapshot while the target's transaction is open; the target commits only if every
            // table reads back equal.
            return await sourceDb.ReadAsync(async (sc, stx) =>
            {
                var copied = new List<TableCopy>();
                foreach (string table in tables.Where(t => !Skipped.Contains(t)))
                {
                    if (Replaced.Contains(table))
                    {
                        using var clear = StoreDatabase.Command(tc, ttx, $"DELETE FROM {table}");
                        await clear.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    await CopyTableAsync(table, sc, stx, tc, ttx, cancellationToken).ConfigureAwait(false);
                    var (rows, checksum) = await SumAsync(table, sc, stx, cancellationToken).ConfigureAwait(false);
                    var (copiedRows, copiedChecksum) = await SumAsync(table, tc, ttx, cancellationToken).ConfigureAwait(false);
                    if (rows != copiedRows || checksum != copiedChecksum)
                    {
                        throw new InvalidOperationException(
                            $"{table}: the copy reads back {copiedRows} row(s), checksum {copiedChecksum}; the source has {rows}, checksum {checksum}. Nothing was copied.");
                    }

                    copied.Add(new TableCopy(table, rows, checksum));
                }

                return copied;
            }, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The row count and checksum of one table, as <see cref="CopyAsync"/> compares them (for a report or a check).</summary>
    public static Task<(long Rows, string Checksum)> SumAsync(RelationalStore store, string table, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.Database.ReadAsync((c, tx) => SumAsync(table, c, tx, cancellationToken), cancellationToken);
    }

    private static async Task<List<string>> ListTablesAsync(StoreDatabase db, DbConnection c, DbTransaction tx, CancellationToken cancellationToken)
    {
        using var select = StoreDatabase.Command(c, tx, db.ListTablesSql);
        using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var tables = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tables.Add(reader.GetString(0));
        }

        return tables;
    }

    private static async Task CopyTableAsync(string table, DbConnection sc, DbTransaction stx, DbConnection tc, DbTransaction ttx, CancellationToken cancellationToken)
    {
        // In the order the rows were stored (the source is always SQLite, every table a rowid table): receipts are found
        // unlogged from a watermark in that order, and receipt_leaves' rows are in log order (ReceiptLeavesSql).
        using var select = StoreDatabase.Command(sc, stx, $"SELECT * FROM {table} ORDER BY rowid");
        using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        string[] columns = [.. Enumerable.Range(0, reader.FieldCount).Select(reader.GetName)];
        using var insert = StoreDatabase.Command(tc, ttx,
            $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select(static (_, i) => "@p" + i.ToString(CultureInfo.InvariantCulture)))})");
        var parameters = new DbParameter[columns.Length];
        for (int i = 0; i < columns.Length; i++)
        {
            parameters[i] = insert.CreateParameter();
            parameters[i].ParameterName = "@p" + i.ToString(CultureInfo.InvariantCulture);
            insert.Parameters.Add(parameters[i]);
        }

        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            for (int i = 0; i < columns.Length; i++)
            {
                parameters[i].Value = Normalize(reader.GetValue(i));
            }

            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Counts the rows and sums their hashes: SHA-256 of each row's columns in name order, each as name, type and
    /// value (integers as 64-bit whatever the engine's width, text as UTF-8, bytes as they are, NULL as NULL); the first 16
    /// bytes of every row's hash are added modulo 2^128, so the sum does not depend on the order rows are read in.</summary>
    private static async Task<(long Rows, string Checksum)> SumAsync(string table, DbConnection c, DbTransaction tx, CancellationToken cancellationToken)
    {
        using var select = StoreDatabase.Command(c, tx, $"SELECT * FROM {table}");
        using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        int[] order = [.. Enumerable.Range(0, reader.FieldCount).OrderBy(reader.GetName, StringComparer.Ordinal)];
        UInt128 sum = 0;
        long rows = 0;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] digest = new byte[32];
        byte[] number = new byte[8];
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (int i in order)
            {
                hash.AppendData(Encoding.UTF8.GetBytes(reader.GetName(i) + "\0"));
                switch (Normalize(reader.GetValue(i)))
                {
                    case DBNull:
                        hash.AppendData("N"u8);
                        break;
                    case long l:
                        BinaryPrimitives.WriteInt64BigEndian(number, l);
                        hash.AppendData("I"u8);
                        hash.AppendData(number);
                        break;
                    case string s:
                        byte[] text = Encoding.UTF8.GetBytes(s);
                        BinaryPrimitives.WriteInt64BigEndian(number, text.Length);
                        hash.AppendData("T"u8);
                        hash.AppendData(number);
                        hash.AppendData(text);
                        break;
                    case byte[] b:
                        BinaryPrimitives.WriteInt64BigEndian(number, b.Length);
                        hash.AppendData("B"u8);
                        hash.AppendData(number);
                        hash.AppendData(b);
                        break;
                    case var other:
                        throw new InvalidOperationException($"{table}.{reader.GetName(i)} holds a {other.GetType().Name}, which the portable schema does not use.");
                }
            }

            hash.GetHashAndReset(digest);
            sum += BinaryPrimitives.ReadUInt128BigEndian(digest.AsSpan(0, 16));
            rows++;
        }

        return (rows, sum.ToString("x32", CultureInfo.InvariantCulture));
    }

    /// <summary>One value as the portable schema has it: 64-bit integers whatever the engine's width.</summary>
    private static object Normalize(object value) => value switch
    {
        int i => (long)i,
        short s => (long)s,
        _ => value,
    };
}

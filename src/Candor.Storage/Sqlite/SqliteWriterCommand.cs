using System.Collections;
using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Candor.Storage.Sqlite;

/// <summary>One of the writer's prepared statements (<see cref="Relational.StoreDatabase.Prepared"/>) on SQLite: a single
/// statement compiled once per writer connection and run with SQLite's own calls. Microsoft.Data.Sqlite's command looks
/// every parameter up by name at every execution (<c>sqlite3_bind_parameter_index</c>, the name transcoded to UTF-8 each
/// time), allocates a binder per parameter and a data reader per execution; here the statement's parameter names are read
/// once, a parameter added in the statement's order binds to its position after one string comparison, and the parameter
/// objects are reused from one execution to the next. Only what the writer's statements need: <see cref="ExecuteNonQuery"/>
/// and <see cref="ExecuteScalar"/>, inside the writer's transaction (no reader, no busy retry: the writer holds SQLite's
/// write lock from BEGIN IMMEDIATE on, and the connection's busy_timeout still applies). Errors are the
/// <see cref="SqliteException"/>s Microsoft.Data.Sqlite throws. Not thread-safe: the writer's lock guards it.</summary>
internal sealed class SqliteWriterCommand : DbCommand
{
    // Text up to this many UTF-8 bytes is encoded on the stack; longer text in a pooled array.
    private const int StackTextBytes = 512;

    private readonly SqliteConnection _connection;
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _stmt;
    private readonly string[] _names;
    private readonly bool _returnsRows;
    private readonly bool _readOnly;
    private readonly WriterParameterCollection _parameters = new();
    private readonly string _sql;

    private SqliteWriterCommand(SqliteConnection connection, sqlite3 db, sqlite3_stmt stmt, string sql)
    {
        _connection = connection;
        _db = db;
        _stmt = stmt;
        _sql = sql;
        _names = new string[raw.sqlite3_bind_parameter_count(stmt)];
        for (int i = 0; i < _names.Length; i++)
        {
            _names[i] = raw.sqlite3_bind_parameter_name(stmt, i + 1).utf8_to_string()
                ?? throw new InvalidOperationException($"Parameter {i + 1} of a writer's statement has no name: '{sql}'.");
        }

        _returnsRows = raw.sqlite3_column_count(stmt) != 0;
        _readOnly = raw.sqlite3_stmt_readonly(stmt) != 0;
    }

    /// <summary>Compiles <paramref name="sql"/> on the writer's <paramref name="connection"/>; null when it holds more than
    /// one statement (the caller then uses an ordinary command).</summary>
    public static SqliteWriterCommand? TryCreate(SqliteConnection connection, string sql)
    {
        var db = connection.Handle ?? throw new InvalidOperationException("The writer's connection is not open.");
        byte[] utf8 = Encoding.UTF8.GetBytes(sql);
        int rc = raw.sqlite3_prepare_v2(db, utf8, out sqlite3_stmt stmt, out ReadOnlySpan<byte> tail);
        SqliteException.ThrowExceptionForRC(rc, db);
        if (stmt.IsInvalid || !IsBlank(tail))
        {
            stmt.Dispose();
            return null;
        }

        return new SqliteWriterCommand(connection, db, stmt, sql);
    }

    private static bool IsBlank(ReadOnlySpan<byte> tail)
    {
        foreach (byte b in tail)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)';' or 0))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The statement's parameter names in SQLite's order (tests).</summary>
    internal IReadOnlyList<string> ParameterNames => _names;

    /// <inheritdoc/>
    [AllowNull]
    public override string CommandText
    {
        get => _sql;
        set
        {
            if (!string.Equals(value, _sql, StringComparison.Ordinal))
            {
                throw new NotSupportedException("A writer's prepared statement keeps its SQL.");
            }
        }
    }

    /// <inheritdoc/>
    public override int CommandTimeout { get; set; }

    /// <inheritdoc/>
    public override CommandType CommandType
    {
        get => CommandType.Text;
        set
        {
            if (value != CommandType.Text)
            {
                throw new NotSupportedException("Only text commands.");
            }
        }
    }

    /// <inheritdoc/>
    public override bool DesignTimeVisible { get; set; }

    /// <inheritdoc/>
    public override UpdateRowSource UpdatedRowSource { get; set; }

    /// <inheritdoc/>
    protected override DbConnection? DbConnection
    {
        get => _connection;
        set
        {
            if (!ReferenceEquals(value, _connection))
            {
                throw new NotSupportedException("A writer's prepared statement belongs to its connection.");
            }
        }
    }

    /// <inheritdoc/>
    protected override DbParameterCollection DbParameterCollection => _parameters;

    /// <inheritdoc/>
    protected override DbTransaction? DbTransaction { get; set; }

    /// <inheritdoc/>
    public override void Cancel()
    {
    }

    /// <inheritdoc/>
    public override void Prepare()
    {
    }

    /// <summary>The next parameter object: reused from the previous execution (the collection was cleared since), so that
    /// binding allocates nothing but the values' boxes. Add it before creating another.</summary>
    protected override DbParameter CreateDbParameter() => _parameters.Next();

    /// <inheritdoc/>
    public override int ExecuteNonQuery()
    {
        try
        {
            Bind();
            int rc = raw.sqlite3_step(_stmt);
            while (rc == raw.SQLITE_ROW)
            {
                rc = raw.sqlite3_step(_stmt);
            }

            Check(rc, raw.SQLITE_DONE);

            // The rows the statement changed (a DELETE … RETURNING too, once stepped to its end); -1 for a query.
            return _readOnly && _returnsRows ? -1 : raw.sqlite3_changes(_db);
        }
        finally
        {
            Release();
        }
    }

    /// <inheritdoc/>
    public override object? ExecuteScalar()
    {
        try
        {
            Bind();
            int rc = raw.sqlite3_step(_stmt);
            if (rc == raw.SQLITE_DONE || !_returnsRows)
            {
                Check(rc, raw.SQLITE_DONE);
                return null;
            }

            Check(rc, raw.SQLITE_ROW);
            return raw.sqlite3_column_type(_stmt, 0) switch
            {
                raw.SQLITE_INTEGER => raw.sqlite3_column_int64(_stmt, 0),
                raw.SQLITE_FLOAT => raw.sqlite3_column_double(_stmt, 0),
                raw.SQLITE_TEXT => raw.sqlite3_column_text(_stmt, 0).utf8_to_string(),
                raw.SQLITE_BLOB => raw.sqlite3_column_blob(_stmt, 0).ToArray(),
                _ => DBNull.Value,
            };
        }
        finally
        {
            Release();
        }
    }

    /// <inheritdoc/>
    protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) =>
        throw new NotSupportedException("A writer's prepared statement is executed without a reader (ExecuteNonQuery, ExecuteScalar).");

    /// <summary>Resets the statement after an execution and lets go of what it was given: SQLite's copies of the bound
    /// values (<c>sqlite3_clear_bindings</c>) and the parameter objects' values, which are reused by the next execution
    /// and would otherwise keep the last request's keys, ids and amounts alive until then.</summary>
    private void Release()
    {
        raw.sqlite3_reset(_stmt);
        raw.sqlite3_clear_bindings(_stmt);
        _parameters.ReleaseValues();
    }

    /// <summary>Whether any parameter object or bound value still holds a value (tests: nothing outlives an execution).</summary>
    internal bool HoldsValues()
    {
        for (int i = 0; i < _parameters.Capacity; i++)
        {
            if (_parameters.Slot(i).Value is not null)
            {
                return true;
            }
        }

        return false;
    }

    private void Check(int rc, int expected)
    {
        if (rc != expected)
        {
            // An error code throws; any other code here (a row where none was expected) is a misuse.
            SqliteException.ThrowExceptionForRC(rc, _db);
            throw new InvalidOperationException($"SQLite returned {rc} where {expected} was expected: '{_sql}'.");
        }
    }

    /// <summary>Binds every parameter of the collection to its position: the one the collection gives it when the names
    /// agree (the callers add them in the statement's order), else found by name. Every parameter of the statement must
    /// be bound, as Microsoft.Data.Sqlite requires.</summary>
    private void Bind()
    {
        int count = _parameters.Count;
        if (count != _names.Length)
        {
            throw new InvalidOperationException(
                $"The statement has {_names.Length} parameters ({string.Join(", ", _names)}), {count} were given: '{_sql}'.");
        }

        for (int i = 0; i < count; i++)
        {
            var parameter = _parameters.At(i);
            string name = parameter.ParameterName;
            int index = ReferenceEquals(name, _names[i]) || string.Equals(name, _names[i], StringComparison.Ordinal) ? i + 1 : IndexOf(name);
            BindValue(index, parameter.Value);
        }
    }

    private int IndexOf(string name)
    {
        for (int i = 0; i < _names.Length; i++)
        {
            string candidate = _names[i];
            if (string.Equals(candidate, name, StringComparison.Ordinal)
                || (candidate.Length == name.Length + 1 && candidate.AsSpan(1).SequenceEqual(name) && candidate[0] is '@' or '$' or ':'))
            {
                return i + 1;
            }
        }

        throw new InvalidOperationException($"The statement has no parameter '{name}': '{_sql}'.");
    }

    private void BindValue(int index, object? value)
    {
        int rc = value switch
        {
            null or DBNull => raw.sqlite3_bind_null(_stmt, index),
            string text => BindText(index, text),
            long number => raw.sqlite3_bind_int64(_stmt, index, number),
            int number => raw.sqlite3_bind_int64(_stmt, index, number),
            short number => raw.sqlite3_bind_int64(_stmt, index, number),
            byte number => raw.sqlite3_bind_int64(_stmt, index, number),
            bool flag => raw.sqlite3_bind_int64(_stmt, index, flag ? 1 : 0),
            byte[] bytes => raw.sqlite3_bind_blob(_stmt, index, bytes),
            ReadOnlyMemory<byte> bytes => raw.sqlite3_bind_blob(_stmt, index, bytes.Span),
            double real => raw.sqlite3_bind_double(_stmt, index, real),
            float real => raw.sqlite3_bind_double(_stmt, index, real),
            _ => throw new NotSupportedException(
                $"A writer's prepared statement binds text, integers, reals, blobs and null, not {value.GetType().Name}: '{_sql}'."),
        };
        SqliteException.ThrowExceptionForRC(rc, _db);
    }

    private int BindText(int index, string text)
    {
        int max = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (max <= StackTextBytes)
        {
            Span<byte> buffer = stackalloc byte[StackTextBytes];
            int length = Encoding.UTF8.GetBytes(text, buffer);
            return raw.sqlite3_bind_text(_stmt, index, buffer[..length]);
        }

        byte[] rented = System.Buffers.ArrayPool<byte>.Shared.Rent(max);
        try
        {
            int length = Encoding.UTF8.GetBytes(text, rented);
            return raw.sqlite3_bind_text(_stmt, index, rented.AsSpan(0, length));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stmt.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>A parameter of <see cref="SqliteWriterCommand"/>: a name and a value, nothing converted.</summary>
    private sealed class WriterParameter : DbParameter
    {
        public override DbType DbType { get; set; } = DbType.String;

        public override ParameterDirection Direction
        {
            get => ParameterDirection.Input;
            set
            {
                if (value != ParameterDirection.Input)
                {
                    throw new NotSupportedException("Only input parameters.");
                }
            }
        }

        public override bool IsNullable { get; set; }

        [AllowNull]
        public override string ParameterName { get; set; } = "";

        public override int Size { get; set; }

        [AllowNull]
        public override string SourceColumn { get; set; } = "";

        public override bool SourceColumnNullMapping { get; set; }

        public override object? Value { get; set; }

        public override void ResetDbType() => DbType = DbType.String;
    }

    /// <summary>The parameters of one execution, in the order added; cleared by the next user, whose parameters reuse the
    /// same objects position by position.</summary>
    private sealed class WriterParameterCollection : DbParameterCollection
    {
        private readonly List<WriterParameter> _items = [];
        private int _count;

        public WriterParameter Next()
        {
            if (_count == _items.Count)
            {
                _items.Add(new WriterParameter());
            }

            return _items[_count];
        }

        public WriterParameter At(int index) => _items[index];

        public int Capacity => _items.Count;

        public WriterParameter Slot(int index) => _items[index];

        /// <summary>Drops every parameter object's value; the objects stay for the next execution.</summary>
        public void ReleaseValues()
        {
            for (int i = 0; i < _count; i++)
            {
                _items[i].Value = null;
            }
        }

        public override int Count => _count;

        public override object SyncRoot => _items;

        public override int Add(object value)
        {
            // Parameters come from Next(): the one at the end of the collection is expected; any other is taken in its place.
            var parameter = value as WriterParameter ?? throw new ArgumentException("Parameters come from the command's CreateParameter.", nameof(value));
            if (_count == _items.Count)
            {
                _items.Add(parameter);
            }
            else
            {
                _items[_count] = parameter;
            }

            return _count++;
        }

        public override void AddRange(Array values)
        {
            ArgumentNullException.ThrowIfNull(values);
            foreach (object value in values)
            {
                Add(value);
            }
        }

        public override void Clear() => _count = 0;

        public override bool Contains(object value) => IndexOf(value) >= 0;

        public override bool Contains(string value) => IndexOf(value) >= 0;

        public override void CopyTo(Array array, int index)
        {
            ArgumentNullException.ThrowIfNull(array);
            for (int i = 0; i < _count; i++)
            {
                array.SetValue(_items[i], index + i);
            }
        }

        public override IEnumerator GetEnumerator() => _items.Take(_count).GetEnumerator();

        public override int IndexOf(object value)
        {
            for (int i = 0; i < _count; i++)
            {
                if (ReferenceEquals(_items[i], value))
                {
                    return i;
                }
            }

            return -1;
        }

        public override int IndexOf(string parameterName)
        {
            for (int i = 0; i < _count; i++)
            {
                if (string.Equals(_items[i].ParameterName, parameterName, StringComparison.Ordinal))
                {
                    return i;
                }
            }

            return -1;
        }

        public override void Insert(int index, object value) =>
            throw new NotSupportedException("Parameters are added in order.");

        public override void Remove(object value) =>
            throw new NotSupportedException("Parameters are cleared, not removed.");

        public override void RemoveAt(int index) =>
            throw new NotSupportedException("Parameters are cleared, not removed.");

        public override void RemoveAt(string parameterName) =>
            throw new NotSupportedException("Parameters are cleared, not removed.");

        protected override DbParameter GetParameter(int index) =>
            (uint)index < (uint)_count ? _items[index] : throw new ArgumentOutOfRangeException(nameof(index));

        protected override DbParameter GetParameter(string parameterName) =>
            IndexOf(parameterName) is var i and >= 0 ? _items[i] : throw new ArgumentException($"No parameter '{parameterName}'.", nameof(parameterName));

        protected override void SetParameter(int index, DbParameter value)
        {
            if ((uint)index >= (uint)_count)
            {
                throw new ArgumentOutOfRangeException(nameof(index));
            }

            _items[index] = value as WriterParameter ?? throw new ArgumentException("Parameters come from the command's CreateParameter.", nameof(value));
        }

        protected override void SetParameter(string parameterName, DbParameter value) => SetParameter(IndexOf(parameterName), value);
    }
}

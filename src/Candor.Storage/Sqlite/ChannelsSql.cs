using System.Buffers;
using System.Text.Json;
using Candor.Core.Channels;
using System.Data.Common;

namespace Candor.Storage.Sqlite;

/// <summary>Every statement on <c>channels</c> and <c>channel_deployments</c>, and their row mappings. The credential
/// column holds the master-key envelope in base64 (portable TEXT), never a plaintext credential.</summary>
internal static class ChannelsSql
{
    public const string Version = "channels_version";

    private const string Columns = """
        id, provider, base_url, region, retention, training, api_version, headers, connect_timeout_ms, first_byte_timeout_ms,
        idle_timeout_ms, disabled, disabled_reason, credential, credential_key_id, created_at, updated_at
        """;

    public const string SelectAll = $"SELECT {Columns} FROM channels ORDER BY id";

    public const string SelectById = $"SELECT {Columns} FROM channels WHERE id = @id";

    public const string Exists = "SELECT COUNT(*) FROM channels WHERE id = @id";

    public const string Insert = $"""
        INSERT INTO channels ({Columns})
        VALUES (@id, @provider, @base_url, @region, @retention, @training, @api_version, @headers, @connect_timeout_ms, @first_byte_timeout_ms,
                @idle_timeout_ms, @disabled, @disabled_reason, @credential, @credential_key_id, @created_at, @updated_at)
        """;

    public const string Update = """
        UPDATE channels SET provider = @provider, base_url = @base_url, region = @region, retention = @retention, training = @training,
               api_version = @api_version, headers = @headers, connect_timeout_ms = @connect_timeout_ms,
               first_byte_timeout_ms = @first_byte_timeout_ms, idle_timeout_ms = @idle_timeout_ms, disabled = @disabled,
               disabled_reason = @disabled_reason, credential = @credential, credential_key_id = @credential_key_id, updated_at = @updated_at
        WHERE id = @id
        """;

    public const string UpdateCredential = "UPDATE channels SET credential = @credential, credential_key_id = @credential_key_id WHERE id = @id";

    public const string SelectCredentials = "SELECT id, credential FROM channels WHERE credential IS NOT NULL ORDER BY id";

    public const string SelectHeaders = "SELECT id, headers FROM channels WHERE headers <> '{}' ORDER BY id";

    public const string UpdateHeaders = "UPDATE channels SET headers = @headers WHERE id = @id";

    public const string Delete = "DELETE FROM channels WHERE id = @id";

    public const string DeleteDeploymentsOfChannel = "DELETE FROM channel_deployments WHERE channel_id = @channel_id";

    private const string DeploymentColumns = "id, model, channel_id, upstream_model, priority, weight, created_at";

    public const string SelectDeployments = $"SELECT {DeploymentColumns} FROM channel_deployments ORDER BY model, priority, created_at, id";

    public const string InsertDeployment = $"""
        INSERT INTO channel_deployments ({DeploymentColumns})
        VALUES (@id, @model, @channel_id, @upstream_model, @priority, @weight, @created_at)
        """;

    public const string UpdateDeployment = "UPDATE channel_deployments SET upstream_model = @upstream_model, priority = @priority, weight = @weight WHERE id = @id";

    public const string DeleteDeployment = "DELETE FROM channel_deployments WHERE id = @id";

    public static DbCommand BindChannel(DbCommand command, StoredChannel c) => command
        .Add("@id", c.Id)
        .Add("@provider", c.Provider)
        .Add("@base_url", c.BaseUrl.ToString().TrimEnd('/'))
        .Add("@region", c.Region)
        .Add("@retention", ChannelAttributes.Name(c.Retention))
        .Add("@training", ChannelAttributes.Name(c.Training))
        .Add("@api_version", DbValues.ToDb(c.ApiVersion))
        .Add("@headers", HeadersToJson(c.Headers))
        .Add("@connect_timeout_ms", (long)c.ConnectTimeout.TotalMilliseconds)
        .Add("@first_byte_timeout_ms", (long)c.FirstByteTimeout.TotalMilliseconds)
        .Add("@idle_timeout_ms", (long)c.IdleTimeout.TotalMilliseconds)
        .Add("@disabled", c.Disabled ? 1 : 0)
        .Add("@disabled_reason", DbValues.ToDb(c.DisabledReason))
        .Add("@credential", c.SealedCredential is { } s ? Convert.ToBase64String(s) : DBNull.Value)
        .Add("@credential_key_id", c.CredentialKeyId is { } k ? (long)k : DBNull.Value)
        .Add("@created_at", DbValues.ToMillis(c.CreatedAt))
        .Add("@updated_at", DbValues.ToMillis(c.UpdatedAt));

    public static StoredChannel ReadChannel(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        Provider = r.GetString(1),
        BaseUrl = new Uri(r.GetString(2)),
        Region = r.GetString(3),
        Retention = ChannelAttributes.ParseRetention(r.GetString(4)) ?? Candor.Core.Privacy.UpstreamRetention.Unknown,
        Training = ChannelAttributes.ParseTraining(r.GetString(5)) ?? Candor.Core.Privacy.TrainingUse.Unknown,
        ApiVersion = r.GetStringOrNull(6),
        Headers = HeadersFromJson(r.GetString(7)),
        ConnectTimeout = TimeSpan.FromMilliseconds(r.GetInt64(8)),
        FirstByteTimeout = TimeSpan.FromMilliseconds(r.GetInt64(9)),
        IdleTimeout = TimeSpan.FromMilliseconds(r.GetInt64(10)),
        Disabled = r.GetFlag(11),
        DisabledReason = r.GetStringOrNull(12),
        SealedCredential = r.GetStringOrNull(13) is { } b64 ? Convert.FromBase64String(b64) : null,
        CreatedAt = r.GetTime(15),
        UpdatedAt = r.GetTime(16),
    };

    public static DbCommand BindDeployment(DbCommand command, StoredDeployment d) => command
        .Add("@id", d.Id)
        .Add("@model", d.Model)
        .Add("@channel_id", d.ChannelId)
        .Add("@upstream_model", d.UpstreamModel)
        .Add("@priority", d.Priority)
        .Add("@weight", d.Weight)
        .Add("@created_at", DbValues.ToMillis(d.CreatedAt));

    public static StoredDeployment ReadDeployment(DbDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt32(4), r.GetInt32(5), r.GetTime(6));

    public static string HeadersToJson(IReadOnlyDictionary<string, string> headers)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in headers.OrderBy(static h => h.Key, StringComparer.Ordinal))
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static Dictionary<string, string> HeadersFromJson(string json)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        using var document = JsonDocument.Parse(json);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            headers[property.Name] = property.Value.GetString() ?? "";
        }

        return headers;
    }
}

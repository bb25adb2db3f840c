using System.Data.Common;
using YamlDotNet.RepresentationModel;

namespace Candor.Core.Configuration;

/// <summary>The <c>storage</c> section: where the store lives. Absent, it is SQLite in the data directory; with
/// <c>postgres</c>, an Npgsql connection string without its password, which comes from <c>CANDOR_POSTGRES_PASSWORD</c>
/// (docs/configuration.md, docs/scale-out.md).</summary>
internal sealed class StorageSectionReader(ConfigReader yaml)
{
    public CandorConfig Read(YamlNode node, CandorConfig config)
    {
        yaml.Each(node, "storage", (key, k, v, path) => config = key switch
        {
            "postgres" => config with { PostgresConnection = Connection(v, path) },
            _ => throw yaml.Fail(k, path, "unknown setting (expected postgres)"),
        });
        return config;
    }

    private string Connection(YamlNode node, string path)
    {
        string text = yaml.Scalar(node, path).Trim();
        var builder = new DbConnectionStringBuilder();
        try
        {
            builder.ConnectionString = text;
        }
        catch (ArgumentException)
        {
            throw yaml.Fail(node, path, "expected a connection string such as Host=db;Username=candor;Database=candor");
        }

        if (builder.ContainsKey("password") || builder.ContainsKey("pwd"))
        {
            throw yaml.Fail(node, path, "the password does not belong in the file: set it in CANDOR_POSTGRES_PASSWORD");
        }

        return builder.ContainsKey("host") || builder.ContainsKey("server")
            ? text
            : throw yaml.Fail(node, path, "expected a connection string with Host=, such as Host=db;Username=candor;Database=candor");
    }
}

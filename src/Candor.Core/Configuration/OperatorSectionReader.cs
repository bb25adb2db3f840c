using YamlDotNet.RepresentationModel;

namespace Candor.Core.Configuration;

/// <summary>The <c>operator</c> section: the identity published at <c>/.well-known/candor</c>.</summary>
internal sealed class OperatorSectionReader(ConfigReader yaml)
{
    public OperatorInfo Read(YamlNode node)
    {
        var info = new OperatorInfo();
        yaml.Each(node, "operator", (key, k, v, path) => info = key switch
        {
            "name" => info with { Name = yaml.Scalar(v, path) },
            "contact" => info with { Contact = yaml.Scalar(v, path) },
            "url" => info with { Url = yaml.Scalar(v, path) },
            "domain" => info with { Domain = Domain(v, path) },
            "registrations" => info with { Registrations = Registrations(v, path) },
            _ => throw yaml.Fail(k, path, "unknown operator setting (expected name, domain, contact, url, registrations)"),
        });
        return info;
    }

    private string Domain(YamlNode node, string path)
    {
        string domain = yaml.Scalar(node, path);
        return domain.Length == 0 || domain.AsSpan().IndexOfAny([' ', '+', '\t']) >= 0
            ? throw yaml.Fail(node, path, "must be a name without spaces or '+' (it names the receipt key)")
            : domain;
    }

    private IReadOnlyList<KeyValuePair<string, string>> Registrations(YamlNode node, string path)
    {
        var registrations = new List<KeyValuePair<string, string>>();
        yaml.Items(node, path, (item, at) =>
        {
            string? authority = null, number = null;
            yaml.Each(item, at, (key, k, v, field) =>
            {
                switch (key)
                {
                    case "authority": authority = yaml.Scalar(v, field); break;
                    case "number": number = yaml.Scalar(v, field); break;
                    default: throw yaml.Fail(k, at, "unknown registration field (expected authority, number)");
                }
            });
            if (authority is null || number is null)
            {
                throw yaml.Fail(item, at, "a registration needs 'authority' and 'number'");
            }

            registrations.Add(new(authority, number));
        });
        return [.. registrations];
    }
}

using Candor.Core.WebConsole;
using YamlDotNet.RepresentationModel;

namespace Candor.Core.Configuration;

/// <summary>The <c>registration</c> section (<see cref="RegistrationSettings"/>). Open sign-up needs both a public URL
/// (links in mail never take the request's Host) and an SMTP server; the SMTP password comes from
/// <see cref="SmtpSettings.PasswordVariable"/>, never the file.</summary>
internal sealed class RegistrationSectionReader(ConfigReader yaml)
{
    public RegistrationSettings Read(YamlNode node)
    {
        var settings = new RegistrationSettings();
        yaml.Each(node, "registration", (key, k, v, path) => settings = key switch
        {
            "mode" => settings with { Mode = Mode(v, path) },
            "public_url" => settings with { PublicUrl = PublicUrl(v, path) },
            "initial_grant_micros" => settings with { InitialGrantMicros = yaml.Long(v, path, 0, 1_000_000_000_000) },
            "account_group" => settings with { AccountGroup = NonEmpty(v, path) },
            "per_address" => settings with { PerAddress = yaml.Int(v, path, 1, 1_000_000) },
            "per_domain" => settings with { PerDomain = yaml.Int(v, path, 1, 1_000_000) },
            "window" => settings with { LimitWindow = yaml.Duration(v, path) },
            "link_lifetime" => settings with { LinkLifetime = yaml.Duration(v, path) },
            "smtp" => settings with { Smtp = Smtp(v, path) },
            _ => throw yaml.Fail(k, path, "unknown setting (expected mode, public_url, initial_grant_micros, account_group, per_address, per_domain, window, link_lifetime, smtp)"),
        });
        if (settings.Mode == RegistrationMode.Open && (settings.Smtp is null || settings.PublicUrl is null))
        {
            throw yaml.Fail(node, "registration", "mode: open needs public_url and smtp (the verification link is mailed)");
        }

        return settings;
    }

    private RegistrationMode Mode(YamlNode node, string path) => yaml.Scalar(node, path) switch
    {
        "closed" => RegistrationMode.Closed,
        "invitation" => RegistrationMode.Invitation,
        "open" => RegistrationMode.Open,
        _ => throw yaml.Fail(node, path, "expected closed, invitation or open"),
    };

    private string PublicUrl(YamlNode node, string path)
    {
        string value = yaml.Scalar(node, path).Trim().TrimEnd('/');
        return Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            && uri.PathAndQuery == "/" && uri.Fragment.Length == 0
            ? value
            : throw yaml.Fail(node, path, "expected the console's origin, such as https://relay.example.com (no path)");
    }

    private string NonEmpty(YamlNode node, string path)
    {
        string value = yaml.Scalar(node, path).Trim();
        return value.Length > 0 ? value : throw yaml.Fail(node, path, "must not be empty");
    }

    private SmtpSettings Smtp(YamlNode node, string path)
    {
        string? host = null, from = null, user = null;
        int? port = null;
        var security = SmtpSecurity.StartTls;
        yaml.Each(node, path, (key, k, v, at) =>
        {
            switch (key)
            {
                case "host": host = NonEmpty(v, at); break;
                case "port": port = yaml.Int(v, at, 1, 65535); break;
                case "security": security = Security(v, at); break;
                case "user": user = NonEmpty(v, at); break;
                case "from": from = NonEmpty(v, at); break;
                case "password":
                    throw yaml.Fail(k, at, $"the SMTP password never goes in the file: set {SmtpSettings.PasswordVariable}");
                default:
                    throw yaml.Fail(k, at, "unknown smtp setting (expected host, port, security, user, from)");
            }
        });
        if (host is null || from is null)
        {
            throw yaml.Fail(node, path, "smtp needs host and from");
        }

        return new SmtpSettings
        {
            Host = host,
            From = from,
            User = user,
            Security = security,
            Port = port ?? (security == SmtpSecurity.Tls ? 465 : 587),
        };
    }

    private SmtpSecurity Security(YamlNode node, string path) => yaml.Scalar(node, path) switch
    {
        "starttls" => SmtpSecurity.StartTls,
        "tls" => SmtpSecurity.Tls,
        "none" => SmtpSecurity.None,
        _ => throw yaml.Fail(node, path, "expected starttls, tls or none"),
    };
}

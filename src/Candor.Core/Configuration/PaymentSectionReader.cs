using Candor.Core.Accounting;
using YamlDotNet.RepresentationModel;

namespace Candor.Core.Configuration;

/// <summary>The <c>payments</c> section (<see cref="PaymentSettings"/>).</summary>
internal sealed class PaymentSectionReader(ConfigReader yaml)
{
    public PaymentSettings Read(YamlNode node)
    {
        string? success = null, cancel = null;
        long min = 1_000_000, max = 10_000_000_000;
        StripeSettings? stripe = null;
        yaml.Each(node, "payments", (key, k, v, path) =>
        {
            switch (key)
            {
                case "success_url":
                    success = Url(v, path);
                    break;
                case "cancel_url":
                    cancel = Url(v, path);
                    break;
                case "min_usd":
                    min = Usd(v, path);
                    break;
                case "max_usd":
                    max = Usd(v, path);
                    break;
                case "stripe":
                    stripe = Stripe(v, path);
                    break;
                default:
                    throw yaml.Fail(k, path, "unknown setting (expected success_url, cancel_url, min_usd, max_usd, stripe)");
            }
        });

        if (success is null || cancel is null)
        {
            throw yaml.Fail(node, "payments", "success_url and cancel_url are required (where the payer's browser goes after the checkout)");
        }

        if (min > max)
        {
            throw yaml.Fail(node, "payments", "min_usd is above max_usd");
        }

        return new PaymentSettings { SuccessUrl = success, CancelUrl = cancel, MinMicros = min, MaxMicros = max, Stripe = stripe };
    }

    private StripeSettings Stripe(YamlNode node, string at)
    {
        string keyEnv = "STRIPE_SECRET_KEY", secretEnv = "STRIPE_WEBHOOK_SECRET", product = "Prepaid credit";
        string? apiBase = null;
        var tolerance = TimeSpan.FromMinutes(5);
        yaml.Each(node, at, (key, k, v, path) =>
        {
            switch (key)
            {
                case "secret_key_env":
                    keyEnv = yaml.Scalar(v, path).Trim();
                    break;
                case "webhook_secret_env":
                    secretEnv = yaml.Scalar(v, path).Trim();
                    break;
                case "api_base":
                    apiBase = Url(v, path).TrimEnd('/');
                    break;
                case "tolerance":
                    tolerance = yaml.Duration(v, path);
                    if (tolerance <= TimeSpan.Zero || tolerance > TimeSpan.FromHours(1))
                    {
                        throw yaml.Fail(v, path, "expected a duration above 0 and at most 1h");
                    }

                    break;
                case "product_name":
                    product = yaml.Scalar(v, path).Trim();
                    break;
                case "secret_key" or "webhook_secret":
                    throw yaml.Fail(k, path, $"secrets are not written in the file; name an environment variable with {key}_env");
                default:
                    throw yaml.Fail(k, path, "unknown setting (expected secret_key_env, webhook_secret_env, api_base, tolerance, product_name)");
            }
        });

        return new StripeSettings
        {
            SecretKey = Secret(node, at, keyEnv),
            WebhookSecret = Secret(node, at, secretEnv),
            ApiBase = apiBase,
            Tolerance = tolerance,
            ProductName = product.Length > 0 ? product : "Prepaid credit",
        };
    }

    private string Secret(YamlNode node, string path, string variable) =>
        yaml.Environment(variable) is { Length: > 0 } value && !value.Any(static c => c is '\r' or '\n' or ' ')
            ? value
            : throw yaml.Fail(node, path, $"environment variable '{variable}' is not set (or holds a space or line break)");

    private string Url(YamlNode node, string path)
    {
        string value = yaml.Scalar(node, path).Trim();
        return Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"
            ? value
            : throw yaml.Fail(node, path, "expected an absolute http(s) URL");
    }

    private long Usd(YamlNode node, string path)
    {
        string text = yaml.Scalar(node, path).Trim();
        return Micros.TryParse(text, out long micros, out string? error) && micros > 0 && WholeCents(micros)
            ? micros
            : throw yaml.Fail(node, path, error ?? "expected a positive amount in whole cents, e.g. \"5\" or \"2.50\"");
    }

    private static bool WholeCents(long micros) => Payments.UsdMinorUnits.ToCents(micros) is not null;
}

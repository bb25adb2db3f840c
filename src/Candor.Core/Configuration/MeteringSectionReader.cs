using Candor.Core.Accounting;
using YamlDotNet.RepresentationModel;

namespace Candor.Core.Configuration;

/// <summary>The <c>metering</c> section (docs/billing.md): the billing policy for a usage discrepancy and the tolerance
/// per tokenizer family.
/// <code>
/// metering:
///   policy: lesser_of_reported_and_counted   # default: reported
///   tolerance:
///     anthropic: { percent: 30, tokens: 24 }
/// </code></summary>
internal sealed class MeteringSectionReader(ConfigReader yaml)
{
    public MeteringSettings Read(YamlNode node)
    {
        var policy = BillingFigures.Reported;
        var tolerances = new Dictionary<string, MeteringTolerance>(MeteringSettings.Defaults, StringComparer.Ordinal);
        yaml.Each(node, "metering", (key, k, v, path) =>
        {
            switch (key)
            {
                case "policy":
                    policy = yaml.Scalar(v, path) switch
                    {
                        "reported" => BillingFigures.Reported,
                        "lesser_of_reported_and_counted" => BillingFigures.LesserOfReportedAndCounted,
                        _ => throw yaml.Fail(v, path, "expected reported or lesser_of_reported_and_counted"),
                    };
                    break;
                case "tolerance":
                    yaml.Each(v, path, (family, f, value, at) =>
                    {
                        if (!TokenizerFamily.All.Contains(family))
                        {
                            throw yaml.Fail(f, at, $"unknown tokenizer family (expected {string.Join(", ", TokenizerFamily.All)})");
                        }

                        tolerances[family] = Tolerance(value, at, tolerances[family]);
                    });
                    break;
                default:
                    throw yaml.Fail(k, path, "unknown setting");
            }
        });

        return new MeteringSettings { Policy = policy, Tolerances = tolerances };
    }

    private MeteringTolerance Tolerance(YamlNode node, string path, MeteringTolerance current)
    {
        int percent = current.Percent, tokens = current.AbsoluteTokens;
        yaml.Each(node, path, (key, k, v, at) =>
        {
            switch (key)
            {
                case "percent": percent = yaml.Int(v, at, min: 0, max: 1000); break;
                case "tokens": tokens = yaml.Int(v, at, min: 0, max: 1_000_000); break;
                default: throw yaml.Fail(k, at, "unknown setting (expected percent, tokens)");
            }
        });

        return new MeteringTolerance(percent, tokens);
    }
}

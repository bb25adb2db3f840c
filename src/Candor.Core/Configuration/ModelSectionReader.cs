using YamlDotNet.RepresentationModel;

namespace Candor.Core.Configuration;

/// <summary>The <c>models</c> section: public model names, their deployments (channel, upstream model, tier, weight,
/// limits) and how one is chosen (docs/routing.md).</summary>
internal sealed class ModelSectionReader(ConfigReader yaml)
{
    /// <summary>Reads every model. Channels may be declared after models, so each deployment's channel reference is
    /// added to <paramref name="channelReferences"/> for the loader to check once every channel is known.</summary>
    public IReadOnlyList<ModelRoute> Read(YamlNode node, List<(string Channel, YamlNode Node, string Path)> channelReferences)
    {
        var models = new List<ModelRoute>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        yaml.Items(node, "models", (item, at) =>
        {
            if (Model(item, at, names, channelReferences) is { } model)
            {
                models.Add(model);
            }
        });
        return [.. models];
    }

    private ModelRoute? Model(YamlNode item, string at, HashSet<string> names, List<(string Channel, YamlNode Node, string Path)> channelReferences)
    {
        int errors = yaml.Errors.Count;
        string? name = null;
        var strategy = RoutingStrategy.Priority;
        IReadOnlyList<AffinitySource>? affinity = null;
        AllUnhealthyPolicy? allUnhealthy = null;
        bool named = false;
        int declaredDeployments = 0;
        var deployments = new List<(Deployment D, YamlNode Node, string Path)>();
        yaml.Each(item, at, (key, k, v, path) =>
        {
            switch (key)
            {
                case "name":
                    named = true;
                    name = yaml.Scalar(v, path);
                    if (!names.Add(name))
                    {
                        throw yaml.Fail(item, at, $"duplicate model name '{name}'");
                    }

                    break;
                case "strategy":
                    strategy = yaml.Scalar(v, path) switch
                    {
                        "priority" => RoutingStrategy.Priority,
                        "least_latency" => RoutingStrategy.LeastLatency,
                        "least_busy" => RoutingStrategy.LeastBusy,
                        "sticky" => RoutingStrategy.Sticky,
                        _ => throw yaml.Fail(v, path, "unknown strategy (expected priority, least_latency, least_busy, sticky)"),
                    };
                    break;
                case "affinity":
                    affinity = Affinity(v, path);
                    break;
                case "all_unhealthy":
                    allUnhealthy = yaml.AllUnhealthy(v, path);
                    break;
                case "deployments":
                    declaredDeployments = v is YamlSequenceNode list ? list.Children.Count : 1;
                    yaml.Items(v, path, (d, dat) =>
                    {
                        if (Deployment(d, dat) is { } deployment)
                        {
                            channelReferences.Add((deployment.D.ChannelId, deployment.Node, deployment.Path));
                            deployments.Add(deployment);
                        }
                    });
                    break;
                default:
                    throw yaml.Fail(k, path, "unknown model setting (expected name, strategy, affinity, all_unhealthy, deployments)");
            }
        });

        if (!named)
        {
            yaml.Errors.Report(item, at, "missing 'name'");
        }

        if (declaredDeployments == 0)
        {
            yaml.Errors.Report(item, at, "a model needs at least one deployment");
        }

        for (int a = 0; a < deployments.Count; a++)
        {
            for (int b = 0; b < a; b++)
            {
                if (deployments[a].D.ChannelId == deployments[b].D.ChannelId && deployments[a].D.UpstreamModel == deployments[b].D.UpstreamModel)
                {
                    yaml.Errors.Report(deployments[a].Node, deployments[a].Path, $"duplicate deployment (channel '{deployments[a].D.ChannelId}', model '{deployments[a].D.UpstreamModel}')");
                }
            }
        }

        return yaml.Errors.Count != errors ? null : new ModelRoute
        {
            Name = name!,
            Deployments = [.. deployments.Select(static x => x.D)],
            Strategy = strategy,
            Affinity = affinity ?? [AffinitySource.Header, AffinitySource.User, AffinitySource.Conversation],
            AllUnhealthy = allUnhealthy,
        };
    }

    private (Deployment D, YamlNode Node, string Path)? Deployment(YamlNode d, string dat)
    {
        int errors = yaml.Errors.Count;
        string? channel = null, model = null, served = null;
        int priority = 0, weight = 1;
        var limits = DeploymentLimits.None;
        YamlNode? channelNode = null;
        yaml.Each(d, dat, (key, k, v, path) =>
        {
            switch (key)
            {
                case "channel": channel = yaml.Scalar(v, path); channelNode = v; break;
                case "model": model = yaml.Scalar(v, path); break;
                case "served_model": served = yaml.Scalar(v, path); break;
                case "priority": priority = yaml.Int(v, path, min: 0, max: 1000); break;
                case "weight": weight = yaml.Int(v, path, min: 1, max: 1_000_000); break;
                case "limits":
                    yaml.Each(v, path, (lkey, lk, lv, lpath) => limits = lkey switch
                    {
                        "max_concurrency" => limits with { MaxConcurrency = yaml.Int(lv, lpath, min: 1, max: 1_000_000) },
                        "rpm" => limits with { RequestsPerMinute = yaml.Int(lv, lpath, min: 1, max: 100_000_000) },
                        "tpm" => limits with { TokensPerMinute = yaml.Long(lv, lpath, min: 1) },
                        _ => throw yaml.Fail(lk, lpath, "unknown limit (expected max_concurrency, rpm, tpm)"),
                    });
                    break;
                default: throw yaml.Fail(k, path, "unknown deployment setting (expected channel, model, served_model, priority, weight, limits)");
            }
        });

        if (yaml.Errors.Count != errors)
        {
            return null;
        }

        if (channel is null || model is null)
        {
            throw yaml.Fail(d, dat, "a deployment needs 'channel' and 'model'");
        }

        return (new Deployment { ChannelId = channel, UpstreamModel = model, ServedModel = served, Priority = priority, Weight = weight, Limits = limits }, channelNode!, $"{dat}.channel");
    }

    private IReadOnlyList<AffinitySource> Affinity(YamlNode node, string path)
    {
        var sources = new List<AffinitySource>();
        IEnumerable<YamlNode> items = node is YamlSequenceNode seq ? seq.Children : [node];
        foreach (var item in items)
        {
            var source = yaml.Scalar(item, path) switch
            {
                "header" => AffinitySource.Header,
                "user" => AffinitySource.User,
                "conversation" => AffinitySource.Conversation,
                _ => throw yaml.Fail(item, path, "unknown affinity source (expected header, user, conversation)"),
            };
            if (!sources.Contains(source))
            {
                sources.Add(source);
            }
        }

        if (sources.Count == 0)
        {
            throw yaml.Fail(node, path, "name at least one affinity source (header, user, conversation)");
        }

        return [.. sources];
    }
}

using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;
using Candor.Core.Audit;
using Candor.Core.Configuration;

namespace Candor.UnitTests.Core.Configuration;

/// <summary>Every request of a snapshot shares its <see cref="CandorConfig"/>, so nothing may change it after load:
/// its properties and its parts' are get or init only, and its collections are read-only types.</summary>
public sealed class ConfigImmutabilityTests
{
    public static TheoryData<Type> ConfigTypes() =>
    [
        typeof(CandorConfig), typeof(AdmissionSettings), typeof(RoutingOptions), typeof(HealthOptions), typeof(ProbeOptions),
        typeof(OperatorInfo), typeof(ChannelSettings), typeof(ModelRoute), typeof(Deployment), typeof(ClientKey),
        typeof(AuditSettings), typeof(AuditTarget),
    ];

    [Theory]
    [MemberData(nameof(ConfigTypes))]
    public void ConfigPart_HasNoSetterButInit(Type type)
    {
        var settable = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(static p => p.SetMethod is { IsPublic: true } set && !set.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit)))
            .Select(static p => p.Name);
        Assert.Empty(settable);
    }

    [Theory]
    [MemberData(nameof(ConfigTypes))]
    public void ConfigPart_ExposesOnlyReadOnlyCollections(Type type)
    {
        var mutable = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(static p => p.PropertyType != typeof(string) && typeof(IEnumerable).IsAssignableFrom(p.PropertyType) && !IsReadOnly(p.PropertyType))
            .Select(static p => $"{p.Name}: {p.PropertyType}");
        Assert.Empty(mutable);
    }

    [Fact]
    public void LoadedConfig_CollectionsCannotBeChangedThroughACast()
    {
        var config = new ConfigLoader(new HashSet<string> { "openai" }, static _ => "sk-client-0123456789abcdef").Load("""
            server: { prices: [p.yaml], trusted_proxies: [10.0.0.0/8] }
            operator: { registrations: [{ authority: a, number: "1" }] }
            channels: [{ id: oa, provider: openai, base_url: "https://x/v1", api_key_env: K, headers: { X-A: b } }]
            models: [{ name: m, deployments: [{ channel: oa, model: x }] }]
            keys: [{ name: dev, key_env: C }]
            """, "t.yaml");

        IEnumerable[] collections = [config.Channels, config.Models, config.Keys, config.PriceFiles, config.TrustedProxies, config.Operator.Registrations];
        Assert.All(collections, static c => Assert.True(c is IList { IsReadOnly: true }, c.GetType().Name));
        Assert.IsNotType<Dictionary<string, string>>(config.Channels[0].Headers);
        Assert.Throws<NotSupportedException>(() => ((IDictionary<string, string>)config.Channels[0].Headers).Add("X-B", "c"));
    }

    private static bool IsReadOnly(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() is var definition
        && (definition == typeof(IReadOnlyList<>) || definition == typeof(IReadOnlyCollection<>) || definition == typeof(IReadOnlyDictionary<,>)
            || definition == typeof(IReadOnlySet<>) || definition == typeof(IEnumerable<>))
        || type.Namespace is "System.Collections.Frozen" or "System.Collections.Immutable";
}

using System.Security.Cryptography;
using System.Text.Json;
using Candor.Core.Channels;
using Candor.Core.Security;
using Candor.Core.Upstream;
using Candor.Providers;
using Candor.Server.Admin;
using Candor.Storage;

namespace Candor.Server.Cli;

/// <summary>`candor channels …`, `candor deployments …` and `candor master-key rotate`: stored channels managed in the
/// data directory directly. A running server sees each change within a second (it polls the channel tables'
/// version). Options are turned into the admin API's JSON body and read by the same <see cref="ChannelInput"/>, so
/// the CLI and the API accept and refuse the same things. A credential is never taken on the command line (it would
/// show in the process list): <c>--credential-env NAME</c> names an environment variable, <c>--credential-stdin</c>
/// reads one line.</summary>
internal static class ChannelCommands
{
    public static async Task<int> ChannelsAsync(string verb, string[] rest, TextWriter output, CancellationToken cancellationToken)
    {
        var args = CliArgs.Parse($"channels {verb}", rest);
        string directory = DataDirectory.Resolve(args.Get("--data"));
        using var store = await AdminCommands.OpenAsync(args, cancellationToken).ConfigureAwait(false);
        var providers = new ProviderRegistry(ProviderCatalog.All());
        var now = TimeProvider.System.GetUtcNow();
        MasterKeyRing Ring() => MasterKeyFile.LoadOrCreate(directory);
        switch (verb)
        {
            case "add":
            {
                string id = args.Require("--id");
                if (ChannelAttributes.CheckId(id) is { } badId)
                {
                    throw new ArgumentException($"--id: {badId}");
                }

                using var body = Body(args, includeIdentity: true);
                var start = new StoredChannel { Id = id, Provider = "", BaseUrl = new Uri("http://placeholder"), CreatedAt = now, UpdatedAt = now };
                _ = args.Require("--provider");
                _ = args.Require("--base-url");
                var channel = ChannelInput.Apply(body.RootElement, start, providers.Names, Ring, now);
                var deployments = Deployments(args, id, now);
                if (!await store.AddChannelAsync(channel, deployments, cancellationToken).ConfigureAwait(false))
                {
                    throw new ArgumentException($"a stored channel '{id}' already exists");
                }

                await WriteChannelAsync(output, store, id, cancellationToken).ConfigureAwait(false);
                return 0;
            }

            case "update":
            {
                string id = args.Require("--id");
                var current = await store.GetChannelAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new ArgumentException($"no stored channel '{id}'");
                using var body = Body(args, includeIdentity: true);
                var next = ChannelInput.Apply(body.RootElement, current, providers.Names, Ring, now);
                await store.UpdateChannelAsync(next, cancellationToken).ConfigureAwait(false);
                await WriteChannelAsync(output, store, id, cancellationToken).ConfigureAwait(false);
                return 0;
            }

            case "disable" or "enable":
            {
                string id = args.Require("--id");
                var current = await store.GetChannelAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new ArgumentException($"no stored channel '{id}'");
                var next = verb == "disable"
                    ? current with { Disabled = true, DisabledReason = args.Get("--reason"), UpdatedAt = now }
                    : current with { Disabled = false, DisabledReason = null, UpdatedAt = now };
                await store.UpdateChannelAsync(next, cancellationToken).ConfigureAwait(false);
                await WriteChannelAsync(output, store, id, cancellationToken).ConfigureAwait(false);
                return 0;
            }

            case "list":
            {
                var stored = await store.LoadChannelsAsync(cancellationToken).ConfigureAwait(false);
                foreach (var channel in stored.Channels)
                {
                    await AdminCommands.WriteJsonAsync(output, w => ChannelJson.Channel(w, ChannelView.From(channel),
                        stored.Deployments.Where(d => d.ChannelId == channel.Id).Select(DeploymentView.From), null, null)).ConfigureAwait(false);
                }

                return 0;
            }

            case "remove":
            {
                string id = args.Require("--id");
                if (!await store.DeleteChannelAsync(id, cancellationToken).ConfigureAwait(false))
                {
                    throw new ArgumentException($"no stored channel '{id}'");
                }

                await output.WriteLineAsync($"removed {id}").ConfigureAwait(false);
                return 0;
            }

            case "test":
            {
                string id = args.Require("--id");
                var stored = await store.LoadChannelsAsync(cancellationToken).ConfigureAwait(false);
                var channel = stored.Channels.FirstOrDefault(c => c.Id == id) ?? throw new ArgumentException($"no stored channel '{id}' (configuration channels are tested through the admin API)");
                var settings = ChannelComposer.Activate(channel, new HashSet<string>(), Ring(), providers.Names, out string? reason, ignoreDisabled: true)
                    ?? throw new ArgumentException($"channel '{id}' cannot be used: {reason}");
                string model = args.Get("--model") ?? stored.Deployments.FirstOrDefault(d => d.ChannelId == id)?.UpstreamModel
                    ?? throw new ArgumentException($"channel '{id}' has no deployment; give the upstream model with --model");
                using var clients = new UpstreamClients();
                var runtime = new Core.Routing.ChannelRuntime(settings, providers.Get(settings.Provider), clients.For(settings.ConnectTimeout));
                var result = await ChannelTester.RunAsync(runtime, model, new Core.Configuration.CandorConfig().MaxUpstreamResponseBytes, cancellationToken).ConfigureAwait(false);
                await AdminCommands.WriteJsonAsync(output, w => ChannelJson.TestResult(w, id, result)).ConfigureAwait(false);
                return result.Ok ? 0 : 1;
            }

            default:
                throw new ArgumentException($"unknown verb 'channels {verb}' (add, list, update, disable, enable, test, remove)");
        }
    }

    public static async Task<int> DeploymentsAsync(string verb, string[] rest, TextWriter output, CancellationToken cancellationToken)
    {
        var args = CliArgs.Parse($"deployments {verb}", rest);
        using var store = await AdminCommands.OpenAsync(args, cancellationToken).ConfigureAwait(false);
        switch (verb)
        {
            case "add":
            {
                using var body = JsonDocument.Parse(JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["model"] = args.Require("--model"),
                    ["channel"] = args.Require("--channel"),
                    ["upstream_model"] = args.Require("--upstream"),
                    ["priority"] = args.Get("--priority") is { } p ? Number(p, "--priority") : 0,
                    ["weight"] = args.Get("--weight") is { } wt ? Number(wt, "--weight") : 1,
                }, CliJson.Default.DictionaryStringObject));
                var deployment = ChannelInput.ReadDeployment(body.RootElement, "", null, TimeProvider.System.GetUtcNow());
                await store.AddDeploymentAsync(deployment, cancellationToken).ConfigureAwait(false);
                await AdminCommands.WriteJsonAsync(output, w => ChannelJson.Deployment(w, DeploymentView.From(deployment))).ConfigureAwait(false);
                return 0;
            }

            case "list":
            {
                string? model = args.Get("--model");
                foreach (var d in (await store.LoadChannelsAsync(cancellationToken).ConfigureAwait(false)).Deployments.Where(d => model is null || d.Model == model))
                {
                    await AdminCommands.WriteJsonAsync(output, w => ChannelJson.Deployment(w, DeploymentView.From(d))).ConfigureAwait(false);
                }

                return 0;
            }

            case "remove":
            {
                string id = args.Require("--id");
                if (!await store.DeleteDeploymentAsync(id, cancellationToken).ConfigureAwait(false))
                {
                    throw new ArgumentException($"no stored deployment '{id}'");
                }

                await output.WriteLineAsync($"removed {id}").ConfigureAwait(false);
                return 0;
            }

            default:
                throw new ArgumentException($"unknown verb 'deployments {verb}' (add, list, remove)");
        }
    }

    /// <summary>`candor master-key rotate`: adds a key to <c>master.keys</c>, re-seals every stored credential and history data key under it
    /// in one transaction, then retires the older keys. With <c>CANDOR_MASTER_KEY</c> the ring is the operator's: the
    /// credentials are re-sealed under its highest id and the operator removes the older ids from the variable.</summary>
    public static async Task<int> MasterKeyAsync(string verb, string[] rest, TextWriter output, Func<string, string?> environment, CancellationToken cancellationToken)
    {
        if (verb != "rotate")
        {
            throw new ArgumentException($"unknown verb 'master-key {verb}' (rotate)");
        }

        var args = CliArgs.Parse("master-key rotate", rest);
        string directory = DataDirectory.Resolve(args.Get("--data"));
        using var store = await AdminCommands.OpenAsync(args, cancellationToken).ConfigureAwait(false);
        string? fromEnvironment = environment(MasterKeyFile.EnvironmentVariable);
        bool external = !string.IsNullOrWhiteSpace(fromEnvironment);
        var before = MasterKeyFile.LoadOrCreate(directory, fromEnvironment);
        var ring = external ? before : MasterKeyFile.AddKey(directory);
        int resealed;
        try
        {
            resealed = await store.ResealCredentialsAsync(ring, cancellationToken).ConfigureAwait(false);
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException($"a stored credential does not open with the master keys loaded ({e.Message}); nothing was re-sealed and no key was retired");
        }

        var retired = before.KeyIds.Where(id => id < ring.CurrentKeyId).Order().ToList();
        if (!external)
        {
            MasterKeyFile.RetireOlderThan(directory, ring.CurrentKeyId);
        }

        await AdminCommands.WriteJsonAsync(output, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("key_id", ring.CurrentKeyId);
            w.WriteNumber("resealed", resealed);
            w.WriteStartArray(external ? "retirable" : "retired");
            foreach (uint id in retired)
            {
                w.WriteNumberValue(id);
            }

            w.WriteEndArray();
            w.WriteString("source", external ? MasterKeyFile.EnvironmentVariable : MasterKeyFile.FileName);
            if (external)
            {
                w.WriteString("note", $"The keys come from {MasterKeyFile.EnvironmentVariable}: every credential is now sealed under key {ring.CurrentKeyId}; remove the retirable ids from the variable.");
            }

            w.WriteEndObject();
        }).ConfigureAwait(false);
        return 0;
    }

    /// <summary>The admin API body the options describe (only the options given).</summary>
    private static JsonDocument Body(CliArgs args, bool includeIdentity)
    {
        var body = new Dictionary<string, object?>();
        void Put(string option, string field)
        {
            if (args.Get(option) is { } value)
            {
                body[field] = value;
            }
        }

        if (includeIdentity)
        {
            Put("--provider", "provider");
            Put("--base-url", "base_url");
        }

        Put("--region", "region");
        Put("--api-version", "api_version");
        if (args.Get("--retention") is not null || args.Get("--training") is not null)
        {
            var policy = new Dictionary<string, object?>();
            if (args.Get("--retention") is { } retention)
            {
                policy["retention"] = retention;
            }

            if (args.Get("--training") is { } training)
            {
                policy["training"] = training;
            }

            body["data_policy"] = policy;
        }

        if (args.Get("--headers") is not null || args.Get("--header-env") is not null)
        {
            // --header-env NAME=VARIABLE keeps a header that carries a credential off the command line (the process list).
            body["headers"] = args.List("--headers").Select(static h => h.Split('=', 2))
                .Select(static p => (p[0].Trim(), p.Length == 2 ? p[1] : throw new ArgumentException("--headers takes NAME=VALUE,…")))
                .Concat(args.List("--header-env").Select(static h => h.Split('=', 2)).Select(static p => (p[0].Trim(),
                    p.Length == 2 && CliEnvironment.Get(p[1].Trim()) is { Length: > 0 } value
                        ? value
                        : throw new ArgumentException($"--header-env takes NAME=VARIABLE,… naming set environment variables ('{string.Join('=', p)}')"))))
                .ToDictionary(static p => p.Item1, static p => (object?)p.Item2, StringComparer.OrdinalIgnoreCase);
        }

        var timeouts = new Dictionary<string, object?>();
        foreach (var (option, field) in new[] { ("--connect-timeout-ms", "connect_ms"), ("--first-byte-timeout-ms", "first_byte_ms"), ("--idle-timeout-ms", "idle_ms") })
        {
            if (args.Get(option) is { } ms)
            {
                timeouts[field] = Number(ms, option);
            }
        }

        if (timeouts.Count > 0)
        {
            body["timeouts"] = timeouts;
        }

        if (args.Get("--credential-env") is { } variable)
        {
            body["credential"] = CliEnvironment.Get(variable) is { Length: > 0 } secret
                ? secret
                : throw new ArgumentException($"--credential-env: environment variable '{variable}' is not set");
        }
        else if (args.Has("--credential-stdin"))
        {
            body["credential"] = Console.In.ReadLine()?.Trim() is { Length: > 0 } line ? line : throw new ArgumentException("--credential-stdin: no credential on standard input");
        }
        else if (args.Has("--clear-credential"))
        {
            body["credential"] = null;
        }

        return JsonDocument.Parse(JsonSerializer.Serialize(body, CliJson.Default.DictionaryStringObject));
    }

    private static List<StoredDeployment> Deployments(CliArgs args, string channelId, DateTimeOffset now)
    {
        int priority = args.Get("--priority") is { } p ? Number(p, "--priority") : 0;
        int weight = args.Get("--weight") is { } w ? Number(w, "--weight") : 1;
        var list = new List<StoredDeployment>();
        foreach (string item in args.List("--deploy"))
        {
            string[] pair = item.Split('=', 2, StringSplitOptions.TrimEntries);
            string model = pair[0];
            string upstream = pair.Length == 2 ? pair[1] : pair[0];
            if (model.Length == 0 || upstream.Length == 0)
            {
                throw new ArgumentException("--deploy takes PUBLIC_MODEL[=UPSTREAM_MODEL],…");
            }

            list.Add(new StoredDeployment(Core.Accounts.EntityIds.New("dep"), model, channelId, upstream, priority, weight, now));
        }

        return list;
    }

    private static int Number(string value, string option) =>
        int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int n)
            ? n
            : throw new ArgumentException($"{option} must be an integer");

    private static async Task WriteChannelAsync(TextWriter output, RelationalStore store, string id, CancellationToken cancellationToken)
    {
        var stored = await store.LoadChannelsAsync(cancellationToken).ConfigureAwait(false);
        var channel = stored.Channels.First(c => c.Id == id);
        await AdminCommands.WriteJsonAsync(output, w => ChannelJson.Channel(w, ChannelView.From(channel),
            stored.Deployments.Where(d => d.ChannelId == id).Select(DeploymentView.From), null, null)).ConfigureAwait(false);
    }
}

/// <summary>Source-generated JSON for the CLI's option-to-body translation.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, object?>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(int))]
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class CliJson : System.Text.Json.Serialization.JsonSerializerContext;

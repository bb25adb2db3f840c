using System.Globalization;
using Candor.Core.Admission;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Protocols.Anthropic;
using Candor.Protocols.Canonical;
using Candor.Protocols.Gemini;
using Candor.Protocols.OpenAI;

namespace Candor.Server.Surfaces;

/// <summary>The model list on every surface, in each vendor's shape, naming only the public models the caller may call
/// (all of them, or a stored key's allowed models). OpenAI and Anthropic share <c>GET /v1/models</c>: a request that
/// carries <c>anthropic-version</c>, or <c>x-api-key</c> without <c>Authorization</c> (what the Anthropic SDKs send),
/// gets Anthropic's shape and envelope; one with Gemini's key (<see cref="IsGemini"/>) Gemini's; any other gets OpenAI's.
/// Gemini's own is <c>GET /v1beta/models</c>.</summary>
internal static class ModelEndpoints
{
    private const int AnthropicDefaultLimit = 20;
    private const int GeminiDefaultPageSize = 50;
    private const int MaxPage = 1000;

    public static IEndpointRouteBuilder MapModels(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/models", static (HttpContext http, SnapshotHolder snapshots) =>
            IsGemini(http.Request) ? GeminiListAsync(http, snapshots)
            : IsAnthropic(http.Request) ? AnthropicListAsync(http, snapshots) : OpenAIListAsync(http, snapshots));
        app.MapGet("/v1/models/{**id}", static (HttpContext http, string id, SnapshotHolder snapshots) =>
            IsGemini(http.Request) ? GeminiOneAsync(http, id, snapshots)
            : OneAsync(http, id, snapshots, IsAnthropic(http.Request) ? SurfaceRegistry.Anthropic : SurfaceRegistry.OpenAI));
        app.MapGet("/v1beta/models", static (HttpContext http, SnapshotHolder snapshots) => GeminiListAsync(http, snapshots));
        app.MapGet("/v1beta/models/{**name}", static (HttpContext http, string name, SnapshotHolder snapshots) => GeminiOneAsync(http, name, snapshots));
        return app;
    }

    /// <summary>Whether <c>/v1/models</c> answers in Gemini's shape: the Gemini API's v1 (the default of
    /// <c>@google/genai</c>) shares the path with OpenAI and Anthropic; a request that carries <c>x-goog-api-key</c> or
    /// <c>?key=</c> is a Gemini client's.</summary>
    public static bool IsGemini(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Headers.ContainsKey("x-goog-api-key") || request.Query.ContainsKey("key");
    }

    private static Task GeminiOneAsync(HttpContext http, string name, SnapshotHolder snapshots)
    {
        // models/{m}:method takes only POST: routing's 405, worded by UnknownRoutes, as before this route existed.
        if (name.Contains(':', StringComparison.Ordinal))
        {
            http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return Task.CompletedTask;
        }

        return OneAsync(http, name.StartsWith("models/", StringComparison.Ordinal) ? name["models/".Length..] : name, snapshots, SurfaceRegistry.Gemini);
    }

    /// <summary>Whether <c>/v1/models</c> answers in Anthropic's shape (see the class summary).</summary>
    public static bool IsAnthropic(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var headers = request.Headers;
        return headers.ContainsKey("anthropic-version") || (headers.ContainsKey("x-api-key") && !headers.ContainsKey("Authorization"));
    }

    /// <summary>The public models the authenticated caller may call, sorted by name.</summary>
    private static IReadOnlyList<string> Visible(HttpContext http, RuntimeSnapshot snapshot) =>
        http.Features.Get<Caller>()?.Key is { AllowedModels.Count: > 0 } key
            ? snapshot.ModelNames.Where(name => key.AllowedModels.Contains(name, StringComparer.Ordinal)).ToArray()
            : snapshot.ModelNames;

    private static DateTimeOffset Created(RuntimeSnapshot snapshot) => DateTimeOffset.FromUnixTimeSeconds(snapshot.Config.CreatedUnixSeconds);

    private static async Task OpenAIListAsync(HttpContext http, SnapshotHolder snapshots)
    {
        if (!await ApiKeys.AuthenticateAsync(http, SurfaceRegistry.OpenAI, snapshots).ConfigureAwait(false))
        {
            return;
        }

        var snapshot = snapshots.Current;
        http.Response.ContentType = "application/json";
        OpenAIModelsEncoder.WriteList(Visible(http, snapshot), snapshot.Config.CreatedUnixSeconds, http.Response.BodyWriter);
        await ResponseWriter.FlushAsync(http).ConfigureAwait(false);
    }

    /// <summary>Anthropic's page: <c>limit</c> (1–1000, default 20) models after <c>after_id</c> or, with <c>before_id</c>,
    /// the last <c>limit</c> before it, in the list's order (sorted by name).</summary>
    private static async Task AnthropicListAsync(HttpContext http, SnapshotHolder snapshots)
    {
        var surface = SurfaceRegistry.Anthropic;
        if (!await ApiKeys.AuthenticateAsync(http, surface, snapshots).ConfigureAwait(false))
        {
            return;
        }

        var query = http.Request.Query;
        if (!TryPageSize(query["limit"], AnthropicDefaultLimit, clamp: false, out int limit))
        {
            await ResponseWriter.WriteErrorAsync(http, surface, RelayError.BadRequest("limit: must be an integer from 1 to 1000.", "limit")).ConfigureAwait(false);
            return;
        }

        var snapshot = snapshots.Current;
        var models = Visible(http, snapshot);
        string? after = query["after_id"];
        string? before = query["before_id"];
        int start = after is null ? 0 : FirstAfter(models, after);
        int end = before is null ? models.Count : FirstAtOrAfter(models, before);
        if (before is not null && after is null)
        {
            start = Math.Max(0, end - limit);
        }

        int stop = Math.Min(end, start + limit);
        var page = start < stop ? models.Skip(start).Take(stop - start).ToArray() : [];
        bool hasMore = before is not null && after is null ? start > 0 : stop < end;
        http.Response.ContentType = "application/json";
        AnthropicModelsEncoder.WriteList(page, hasMore, Created(snapshot), http.Response.BodyWriter);
        await ResponseWriter.FlushAsync(http).ConfigureAwait(false);
    }

    /// <summary>Gemini's page: <c>pageSize</c> models (default 50, at most 1000) after the one <c>pageToken</c> names;
    /// <c>nextPageToken</c> names the page's last model when more follow.</summary>
    private static async Task GeminiListAsync(HttpContext http, SnapshotHolder snapshots)
    {
        var surface = SurfaceRegistry.Gemini;
        if (!await ApiKeys.AuthenticateAsync(http, surface, snapshots).ConfigureAwait(false))
        {
            return;
        }

        var query = http.Request.Query;
        if (!TryPageSize(query["pageSize"], GeminiDefaultPageSize, clamp: true, out int size))
        {
            await ResponseWriter.WriteErrorAsync(http, surface, RelayError.BadRequest("pageSize: must be a positive integer.", "pageSize")).ConfigureAwait(false);
            return;
        }

        var models = Visible(http, snapshots.Current);
        string? token = query["pageToken"];
        int start = string.IsNullOrEmpty(token) ? 0 : FirstAfter(models, token);
        int stop = Math.Min(models.Count, start + size);
        var page = models.Skip(start).Take(stop - start).ToArray();
        http.Response.ContentType = "application/json";
        GeminiModelsEncoder.WriteList(page, stop < models.Count ? page[^1] : null, http.Response.BodyWriter);
        await ResponseWriter.FlushAsync(http).ConfigureAwait(false);
    }

    /// <summary>One model in <paramref name="surface"/>'s shape, or that surface's 404 when the caller may not see it.</summary>
    private static async Task OneAsync(HttpContext http, string id, SnapshotHolder snapshots, Surface surface)
    {
        if (!await ApiKeys.AuthenticateAsync(http, surface, snapshots).ConfigureAwait(false))
        {
            return;
        }

        var snapshot = snapshots.Current;
        if (!Visible(http, snapshot).Contains(id, StringComparer.Ordinal))
        {
            await ResponseWriter.WriteErrorAsync(http, surface, RelayError.ModelNotFound(id)).ConfigureAwait(false);
            return;
        }

        http.Response.ContentType = "application/json";
        var output = http.Response.BodyWriter;
        if (surface == SurfaceRegistry.Gemini)
        {
            GeminiModelsEncoder.WriteModel(id, output);
        }
        else if (surface == SurfaceRegistry.Anthropic)
        {
            AnthropicModelsEncoder.WriteModel(id, Created(snapshot), output);
        }
        else
        {
            OpenAIModelsEncoder.WriteModel(id, snapshot.Config.CreatedUnixSeconds, output);
        }

        await ResponseWriter.FlushAsync(http).ConfigureAwait(false);
    }

    /// <summary>Reads a page size: absent is <paramref name="fallback"/>; above 1000 is an error, or 1000 when
    /// <paramref name="clamp"/> (Gemini's rule).</summary>
    private static bool TryPageSize(string? value, int fallback, bool clamp, out int size)
    {
        size = fallback;
        if (string.IsNullOrEmpty(value))
        {
            return true;
        }

        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size < 1 || (size > MaxPage && !clamp))
        {
            return false;
        }

        size = Math.Min(size, MaxPage);
        return true;
    }

    /// <summary>The index of the first name ordered after <paramref name="id"/> (the list is sorted ordinally).</summary>
    private static int FirstAfter(IReadOnlyList<string> models, string id)
    {
        int i = 0;
        while (i < models.Count && string.CompareOrdinal(models[i], id) <= 0)
        {
            i++;
        }

        return i;
    }

    /// <summary>The index of the first name not ordered before <paramref name="id"/>.</summary>
    private static int FirstAtOrAfter(IReadOnlyList<string> models, string id)
    {
        int i = 0;
        while (i < models.Count && string.CompareOrdinal(models[i], id) < 0)
        {
            i++;
        }

        return i;
    }
}

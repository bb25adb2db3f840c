using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Candor.FunctionalTests.Payments;

/// <summary>A local stand-in for Stripe's API on loopback, answering the two calls Candor makes: <c>POST
/// /v1/checkout/sessions</c> (a Checkout Session in payment mode, as Stripe returns it) and <c>POST /v1/refunds</c>. It keeps
/// every form-encoded request it received, with its <c>Authorization</c> and <c>Idempotency-Key</c> headers, and
/// answers a request whose idempotency key it has seen with the same object, as Stripe does.</summary>
internal sealed class FakeStripe : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, string> _byIdempotencyKey = new(StringComparer.Ordinal);
    private int _sessions;

    private FakeStripe(WebApplication app) => _app = app;

    public string BaseAddress { get; private set; } = "";

    /// <summary>Every request received: path, form fields, headers.</summary>
    public ConcurrentQueue<(string Path, Dictionary<string, string> Form, string? Authorization, string? IdempotencyKey)> Requests { get; } = new();

    /// <summary>When set, the next checkout is refused as Stripe refuses a bad parameter (400 with an error object).</summary>
    public bool RefuseNextCheckout { get; set; }

    public static async Task<FakeStripe> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeStripe(app);
        app.MapPost("/v1/checkout/sessions", fake.CheckoutAsync);
        app.MapPost("/v1/refunds", fake.RefundAsync);
        await app.StartAsync(cancellationToken);
        fake.BaseAddress = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return fake;
    }

    private async Task CheckoutAsync(HttpContext http)
    {
        var (form, key) = await RecordAsync(http);
        if (RefuseNextCheckout)
        {
            RefuseNextCheckout = false;
            await WriteAsync(http, 400, """{"error":{"type":"invalid_request_error","code":"parameter_invalid_integer","message":"Invalid integer: unit_amount","param":"line_items[0][price_data][unit_amount]"}}""");
            return;
        }

        string json = _byIdempotencyKey.GetOrAdd(key ?? Guid.NewGuid().ToString("N"), _ =>
        {
            string id = "cs_test_" + Interlocked.Increment(ref _sessions).ToString(CultureInfo.InvariantCulture) + Guid.NewGuid().ToString("N")[..8];
            var session = new Dictionary<string, object?>
            {
                ["id"] = id,
                ["object"] = "checkout.session",
                ["amount_subtotal"] = long.Parse(form.GetValueOrDefault("line_items[0][price_data][unit_amount]", "0"), CultureInfo.InvariantCulture),
                ["amount_total"] = long.Parse(form.GetValueOrDefault("line_items[0][price_data][unit_amount]", "0"), CultureInfo.InvariantCulture),
                ["currency"] = form.GetValueOrDefault("line_items[0][price_data][currency]"),
                ["client_reference_id"] = form.GetValueOrDefault("client_reference_id"),
                ["livemode"] = false,
                ["metadata"] = form.Where(static f => f.Key.StartsWith("metadata[", StringComparison.Ordinal))
                    .ToDictionary(static f => f.Key[9..^1], static f => f.Value),
                ["mode"] = form.GetValueOrDefault("mode"),
                ["payment_intent"] = null,
                ["payment_status"] = "unpaid",
                ["status"] = "open",
                ["success_url"] = form.GetValueOrDefault("success_url"),
                ["cancel_url"] = form.GetValueOrDefault("cancel_url"),
                ["url"] = "https://checkout.stripe.test/c/pay/" + id,
            };
            return JsonSerializer.Serialize(session);
        });
        await WriteAsync(http, 200, json);
    }

    private async Task RefundAsync(HttpContext http)
    {
        var (form, _) = await RecordAsync(http);
        string json = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["id"] = "re_test_" + Guid.NewGuid().ToString("N")[..12],
            ["object"] = "refund",
            ["amount"] = long.Parse(form.GetValueOrDefault("amount", "0"), CultureInfo.InvariantCulture),
            ["currency"] = "usd",
            ["payment_intent"] = form.GetValueOrDefault("payment_intent"),
            ["status"] = "succeeded",
        });
        await WriteAsync(http, 200, json);
    }

    private async Task<(Dictionary<string, string> Form, string? Key)> RecordAsync(HttpContext http)
    {
        var form = (await http.Request.ReadFormAsync(http.RequestAborted)).ToDictionary(static f => f.Key, static f => f.Value.ToString(), StringComparer.Ordinal);
        string? key = http.Request.Headers["Idempotency-Key"].FirstOrDefault();
        Requests.Enqueue((http.Request.Path.Value!, form, http.Request.Headers.Authorization.FirstOrDefault(), key));
        return (form, key);
    }

    private static async Task WriteAsync(HttpContext http, int status, string json)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(json, http.RequestAborted);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

using Candor.Emulator.Faults;
using Candor.Emulator.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Candor.Emulator;

/// <summary>
/// An in-process emulator of the OpenAI, Azure OpenAI, Anthropic and Gemini HTTP APIs, listening on Kestrel.
/// Start one per test (or per fixture) with <see cref="StartAsync"/> and dispose it to stop it.
/// </summary>
public sealed class EmulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly FaultQueue _faults;
    private readonly CancellationTokenSource _stopping;
    private readonly EmulatorDispatcher _dispatcher;

    private EmulatorHost(WebApplication app, FaultQueue faults, EmulatorJournal journal, CancellationTokenSource stopping, Uri baseAddress, EmulatorDispatcher dispatcher)
    {
        _dispatcher = dispatcher;
        _app = app;
        _faults = faults;
        _stopping = stopping;
        Journal = journal;
        BaseAddress = baseAddress;
    }

    /// <summary>
    /// The root address, always ending in <c>/</c> (e.g. <c>http://127.0.0.1:41234/</c>), so relative URIs combine
    /// as expected: <c>new Uri(host.BaseAddress, "v1/chat/completions")</c> or, for per-channel faults,
    /// <c>new Uri(host.BaseAddress, "x/status=503/")</c> as a channel base URL.
    /// </summary>
    public Uri BaseAddress { get; }

    /// <summary>Vendor and control requests being handled right now; a stream counts until it ends or is aborted.
    /// Tests use it to see that a relay cancelled its upstream request.</summary>
    public int ActiveRequests => _dispatcher.ActiveRequests;

    /// <summary>What the emulator received (last 200 requests, bodies included), for tests.</summary>
    public EmulatorJournal Journal { get; }

    /// <summary>
    /// Starts an emulator. With port 0 in <see cref="EmulatorOptions.Url"/> Kestrel picks a free port (use an IP
    /// address such as 127.0.0.1: Kestrel does not bind port 0 on "localhost").
    /// </summary>
    public static async Task<EmulatorHost> StartAsync(EmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        // A copy, so changing the caller's options object after start does not change a running emulator.
        options = options is null
            ? new EmulatorOptions()
            : new EmulatorOptions { Url = options.Url, RequiredApiKey = options.RequiredApiKey, Seed = options.Seed, CheaperModels = options.CheaperModels, RecordingsDirectory = options.RecordingsDirectory, Recognises = options.Recognises };
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ApplicationName = typeof(EmulatorHost).Assembly.GetName().Name,
        });
        // The emulator often runs inside another host's process and folder: ignore appsettings.json and
        // ASPNETCORE_* variables so their Kestrel endpoints or log levels never leak into it.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.WebHost.UseUrls(options.Url);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));

        var app = builder.Build();
        var journal = new EmulatorJournal();
        var faults = new FaultQueue();
        var stopping = new CancellationTokenSource();
        var dispatcher = new EmulatorDispatcher(options, journal, faults, stopping.Token);
        app.Run(dispatcher.HandleAsync);

        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            stopping.Dispose();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? options.Url;
        var baseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
        return new EmulatorHost(app, faults, journal, stopping, baseAddress, dispatcher);
    }

    /// <summary>
    /// Applies <paramref name="spec"/> (the SPEC grammar of the README) to the next <paramref name="count"/> requests
    /// to vendor endpoints, in arrival order.
    /// </summary>
    public void EnqueueFault(string spec, int count = 1) => _faults.Enqueue(FaultSpec.Parse(spec), count);

    /// <summary>Drops all queued faults.</summary>
    public void ClearFaults() => _faults.Clear();

    /// <summary>Stops the server, ending hanging and streaming requests.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            _stopping.Dispose();
        }
    }
}

namespace Candor.Server.Hosting;

/// <summary>What `candor serve` was asked to do.</summary>
public sealed class ServeOptions
{
    /// <summary>Path of the YAML configuration (default candor.yaml).</summary>
    public string ConfigPath { get; set; } = "candor.yaml";

    /// <summary>Run with in-process emulated upstreams and built-in demo models.</summary>
    public bool Demo { get; set; }

    /// <summary>Listen addresses (Kestrel --urls syntax); default http://127.0.0.1:8080.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:8080";

    /// <summary>Minimum log level (Information by default).</summary>
    public LogLevel LogLevel { get; set; } = LogLevel.Information;

    /// <summary>Watch the configuration file and reload it on change (off in demo mode).</summary>
    public bool Watch { get; set; } = true;

    /// <summary>The data directory (accounts, keys, ledger). When set, the store is opened (and bootstrapped) at
    /// start and the admin API is mapped; when null, Candor runs on configuration keys only.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>PEM certificate (chain) served on https addresses; overrides <c>server.tls.certificate_file</c>.</summary>
    public string? TlsCertificateFile { get; set; }

    /// <summary>PEM private key of <see cref="TlsCertificateFile"/>; overrides <c>server.tls.key_file</c>.</summary>
    public string? TlsKeyFile { get; set; }

    /// <summary>Environment variable source (tests substitute their own).</summary>
    public Func<string, string?> Environment { get; set; } = System.Environment.GetEnvironmentVariable;

    /// <summary>An extra log sink beside the console (tests capture what Candor logs with it).</summary>
    public ILoggerProvider? LoggerProvider { get; set; }

    /// <summary>The clock of every time-based service (audit scheduler, key expiry); tests substitute a fake one.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Runs after Candor's own service registrations (tests add a transparency log or replace a service).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; set; }
}

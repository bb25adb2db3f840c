using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Candor.Core.Configuration;

namespace Candor.Server.Hosting;

/// <summary>The certificate Kestrel serves (its <c>ServerCertificateSelector</c>), loaded from PEM files and reloaded
/// when they change: at most once a second, a handshake compares the files' modification times and lengths with the
/// loaded ones and, when they differ, loads them again. Certificates after the first in the PEM file are sent as
/// the chain (intermediates). A pair that does not load (a half-written renewal, a key that
/// does not match) keeps the previous certificate serving and is logged; the next change is tried again.</summary>
internal sealed class TlsCertificateSource
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private readonly string _certificateFile;
    private readonly string _keyFile;
    private readonly TimeProvider _time;
    private readonly Lock _reload = new();
    private ILogger? _logger;
    private SslStreamCertificateContext _current;
    private (DateTime, long, DateTime, long) _stamp;
    private long _checkedAt;

    private TlsCertificateSource(string certificateFile, string keyFile, TimeProvider time, SslStreamCertificateContext certificate, (DateTime, long, DateTime, long) stamp)
    {
        (_certificateFile, _keyFile, _time, _current, _stamp) = (certificateFile, keyFile, time, certificate, stamp);
        _checkedAt = time.GetTimestamp();
    }

    /// <summary>The certificate (with its chain) now served.</summary>
    public SslStreamCertificateContext Current
    {
        get
        {
            if (_time.GetElapsedTime(Interlocked.Read(ref _checkedAt)) >= CheckInterval)
            {
                ReloadIfChanged();
            }

            return Volatile.Read(ref _current);
        }
    }

    /// <summary>Loads the pair at start; a missing or unreadable file, or a key that does not match, stops startup.</summary>
    /// <exception cref="ConfigException">The files do not load (the message names them).</exception>
    public static TlsCertificateSource Load(string certificateFile, string keyFile, TimeProvider time)
    {
        try
        {
            var stamp = Stamp(certificateFile, keyFile);
            return new TlsCertificateSource(certificateFile, keyFile, time, Read(certificateFile, keyFile), stamp);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new ConfigException($"server.tls: the certificate {certificateFile} with the key {keyFile} does not load: {e.Message}");
        }
    }

    /// <summary>Starts logging (the host's loggers exist only once it is built) and logs the loaded certificate.</summary>
    public void Attach(ILogger logger)
    {
        _logger = logger;
        var c = Volatile.Read(ref _current).TargetCertificate;
        logger.TlsCertificateLoaded(_certificateFile, c.Subject, c.Thumbprint, c.NotAfter.ToUniversalTime());
    }

    private void ReloadIfChanged()
    {
        lock (_reload)
        {
            if (_time.GetElapsedTime(_checkedAt) < CheckInterval)
            {
                return;
            }

            Interlocked.Exchange(ref _checkedAt, _time.GetTimestamp());
            try
            {
                var stamp = Stamp(_certificateFile, _keyFile);
                if (stamp == _stamp)
                {
                    return;
                }

                var next = Read(_certificateFile, _keyFile);
                _stamp = stamp;
                // The previous certificate is not disposed: a handshake may still be using it.
                Volatile.Write(ref _current, next);
                var c = next.TargetCertificate;
                _logger?.TlsCertificateLoaded(_certificateFile, c.Subject, c.Thumbprint, c.NotAfter.ToUniversalTime());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
            {
                _logger?.TlsCertificateReloadFailed(e.Message);
            }
        }
    }

    private static (DateTime, long, DateTime, long) Stamp(string certificateFile, string keyFile)
    {
        var (certificate, key) = (new FileInfo(certificateFile), new FileInfo(keyFile));
        return certificate.Exists && key.Exists
            ? (certificate.LastWriteTimeUtc, certificate.Length, key.LastWriteTimeUtc, key.Length)
            : throw new FileNotFoundException($"{(certificate.Exists ? keyFile : certificateFile)} does not exist");
    }

    private static SslStreamCertificateContext Read(string certificateFile, string keyFile)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        // A PEM-loaded key is ephemeral; exporting and re-importing makes it usable by SslStream on every platform.
        var leaf = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(certificateFile);
        var chain = new X509Certificate2Collection();
        foreach (var certificate in all.Skip(1))
        {
            chain.Add(certificate);
        }

        return SslStreamCertificateContext.Create(leaf, chain, offline: true);
    }
}

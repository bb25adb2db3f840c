namespace Candor.Server.Hosting;

/// <summary>Log messages of the operations layer (data directory, TLS, forwarded addresses), event ids 2000–2049.
/// None carries a secret: paths, counts, subjects and thumbprints only.</summary>
internal static partial class OperationsLog
{
    [LoggerMessage(2000, LogLevel.Warning, "The data directory {Directory} was open to other users; {Tightened} entries were made owner-only (0700 directories, 0600 files). Check who could have read the secrets in it")]
    public static partial void DataDirectoryWasOpen(this ILogger logger, string directory, int tightened);

    [LoggerMessage(2001, LogLevel.Warning, "The data directory {Directory}: {Failed} entries could not be made owner-only (owned by another user or on a read-only file system)")]
    public static partial void DataDirectoryNotTightened(this ILogger logger, string directory, int failed);

    [LoggerMessage(2002, LogLevel.Information, "TLS certificate loaded from {Path}: subject {Subject}, thumbprint {Thumbprint}, valid until {NotAfter:O}")]
    public static partial void TlsCertificateLoaded(this ILogger logger, string path, string subject, string thumbprint, DateTime notAfter);

    [LoggerMessage(2003, LogLevel.Error, "TLS certificate files changed but could not be loaded ({Error}); the previous certificate keeps serving")]
    public static partial void TlsCertificateReloadFailed(this ILogger logger, string error);
}

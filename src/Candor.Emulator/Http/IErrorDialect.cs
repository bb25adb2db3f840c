namespace Candor.Emulator.Http;

/// <summary>A vendor's error envelope.</summary>
internal interface IErrorDialect
{
    /// <summary>The error body for an HTTP status, in the vendor's envelope.</summary>
    byte[] ErrorBody(int status, string message);
}

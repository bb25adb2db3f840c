using YamlDotNet.RepresentationModel;

namespace Candor.Core.Configuration;

/// <summary>The admission-control settings of the <c>server</c> section (docs/admission-control.md).</summary>
public sealed partial class ConfigLoader
{
    /// <summary>The <c>server</c> keys read by <see cref="ReadAdmission"/>.</summary>
    private static bool IsAdmissionSetting(string key) => key is "max_in_flight_requests" or "max_open_streams"
        or "max_buffered_request_bytes" or "request_body_timeout" or "max_connections";

    private void ReadAdmission(string key, YamlNode value, string path, AdmissionSettings admission)
    {
        switch (key)
        {
            case "max_in_flight_requests":
                admission.MaxInFlightRequests = (int)Long(value, path, min: 1, max: 1_000_000);
                break;
            case "max_open_streams":
                admission.MaxOpenStreams = (int)Long(value, path, min: 1, max: 1_000_000);
                break;
            case "max_buffered_request_bytes":
                admission.MaxBufferedRequestBytes = Long(value, path, min: 1024);
                break;
            case "request_body_timeout":
                admission.RequestBodyTimeout = Duration(value, path);
                break;
            default:
                admission.MaxConnections = Long(value, path, min: 1, max: 10_000_000);
                break;
        }
    }

    /// <summary>A body of the largest accepted size must fit in the server-wide budget, or it could never be read.</summary>
    private void ValidateAdmission(YamlMappingNode root, CandorConfig config)
    {
        if (config.Admission.MaxBufferedRequestBytes < config.MaxRequestBytes)
        {
            throw Fail(root, "server.max_buffered_request_bytes",
                $"must be at least server.max_request_bytes ({config.MaxRequestBytes}), or a body of the largest accepted size could never be read");
        }
    }
}

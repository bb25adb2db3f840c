using System.Net;

namespace Candor.Server.Hosting;

/// <summary>Sets the connection's remote address to the client a trusted proxy names, so that a key's address
/// limits (<c>BillingGate.CheckAddress</c>) see the client behind nginx, not nginx. Only a peer inside
/// <c>server.trusted_proxies</c> is believed, and only the header it is configured to set
/// (<c>server.forwarded_header</c>): a header a proxy merely passes through was written by the client. The chain is
/// read from the right (nearest hop) and the first address outside the trusted ranges is the client; an element that
/// names no address (<c>unknown</c>, an obfuscated <c>_id</c>, garbage) stops the walk at the last trusted hop.
/// The same trusted proxies name the scheme the client used (TLS ended at the proxy), so that
/// <c>Request.IsHttps</c> — the console's Secure cookie and its Origin check — is the client's: with <c>forwarded</c>
/// the <c>proto=</c> of the last element the walk reached (written by the proxy the client connected to), with
/// <c>x-forwarded-for</c> the nearest proxy's <c>X-Forwarded-Proto</c> (its rightmost value).</summary>
internal sealed class ForwardedClient(IReadOnlyList<IPNetwork> trusted, string header)
{
    private const string ProtoHeader = "x-forwarded-proto";

    /// <summary>The client address the request's <paramref name="peer"/> and forwarding header name.</summary>
    public IPAddress? Resolve(IPAddress? peer, IHeaderDictionary headers) => Resolve(peer, headers, out _);

    /// <summary>The client address, and in <paramref name="scheme"/> the scheme (<c>http</c> or <c>https</c>) a trusted
    /// proxy says the client used; null when the peer is not trusted or no trusted proxy said.</summary>
    public IPAddress? Resolve(IPAddress? peer, IHeaderDictionary headers, out string? scheme)
    {
        scheme = null;
        var current = Normalise(peer);
        if (current is null || !IsTrusted(current))
        {
            return peer;
        }

        bool rfc7239 = header == "forwarded";
        if (!rfc7239 && headers[ProtoHeader] is { Count: > 0 } protos)
        {
            scheme = Scheme(protos[^1]?.Split(',')[^1]);
        }

        var values = headers[header];
        if (values.Count == 0)
        {
            return peer;
        }

        var hops = new List<string>();
        foreach (string? value in values)
        {
            if (value is not null)
            {
                hops.AddRange(value.Split(',', StringSplitOptions.TrimEntries));
            }
        }

        for (int i = hops.Count - 1; i >= 0 && IsTrusted(current); i--)
        {
            if (rfc7239)
            {
                scheme = Scheme(Parameter(hops[i], "proto"));
            }

            var next = rfc7239 ? Node(Parameter(hops[i], "for")) : Node(hops[i]);
            if (next is null)
            {
                break;
            }

            current = next;
        }

        return current;
    }

    /// <summary>The middleware: replaces <c>Connection.RemoteIpAddress</c>, and <c>Request.Scheme</c> when a trusted proxy
    /// named it, before anything reads them.</summary>
    public Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        http.Connection.RemoteIpAddress = Resolve(http.Connection.RemoteIpAddress, http.Request.Headers, out string? scheme);
        if (scheme is not null)
        {
            http.Request.Scheme = scheme;
        }

        return next(http);
    }

    private bool IsTrusted(IPAddress address)
    {
        foreach (var network in trusted)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    private static IPAddress? Normalise(IPAddress? address) => address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;

    /// <summary>One parameter of an RFC 7239 element (<c>for=192.0.2.60;proto=http;by=203.0.113.43</c>), unquoted; null
    /// when absent.</summary>
    private static string? Parameter(string element, string name)
    {
        foreach (string pair in element.Split(';', StringSplitOptions.TrimEntries))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && pair.AsSpan(0, equals).Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return pair[(equals + 1)..].Trim().Trim('"');
            }
        }

        return null;
    }

    /// <summary><c>http</c> or <c>https</c> from a proto value; null for anything else.</summary>
    private static string? Scheme(string? proto) => proto?.Trim() switch
    {
        { } p when p.Equals("https", StringComparison.OrdinalIgnoreCase) => "https",
        { } p when p.Equals("http", StringComparison.OrdinalIgnoreCase) => "http",
        _ => null,
    };

    /// <summary>An address with an optional port: <c>192.0.2.60</c>, <c>192.0.2.60:4711</c>, <c>2001:db8::1</c>,
    /// <c>[2001:db8::1]:4711</c>; null for anything else.</summary>
    private static IPAddress? Node(string? node)
    {
        if (node is null)
        {
            return null;
        }

        if (node.StartsWith('['))
        {
            int close = node.IndexOf(']', StringComparison.Ordinal);
            return close > 0 && IPAddress.TryParse(node.AsSpan(1, close - 1), out var v6) ? Normalise(v6) : null;
        }

        int colon = node.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && colon == node.LastIndexOf(':'))
        {
            node = node[..colon];
        }

        // IPAddress.TryParse also reads "1" as 0.0.0.1: a node must look like an address.
        return node.AsSpan().IndexOfAny('.', ':') >= 0 && IPAddress.TryParse(node, out var address) ? Normalise(address) : null;
    }
}

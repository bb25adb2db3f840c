using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Candor.Core.WebConsole;
using Candor.Server.WebConsole;
using Candor.FunctionalTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Candor.FunctionalTests.WebConsole;

/// <summary>The console's optional second factor through the real server, on a test clock: enrolment (otpauth URI,
/// secret sealed at rest, confirmation by a code, recovery codes once), sign-in asking for the code after the password,
/// replay of a used code refused, recovery codes single-use, wrong codes throttled, turning it off.</summary>
public sealed class TotpSignInTests : IAsyncLifetime
{
    private const string Principal = "second@factor.example";

    // A step boundary a few seconds back, so that the test's own steps are known exactly.
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30 * 30 + 5));

    private static readonly JsonSerializerOptions OmitNulls = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private SignUpHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await SignUpHost.StartAsync(registration: null, _clock);
        await _host.CreateLoginAsync(Principal);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string Code(byte[] secret, long step) =>
        Totp.Code(secret, step, HashAlgorithmName.SHA1, 6).ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>A 6-digit code that no step within the skew window has.</summary>
    private string WrongCode(byte[] secret, int i)
    {
        var valid = new[] { Code(secret, Step - 1), Code(secret, Step), Code(secret, Step + 1) };
        for (int n = i * 7919; ; n += 1)
        {
            string candidate = (n % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
            if (!valid.Contains(candidate))
            {
                return candidate;
            }
        }
    }

    private long Step => Totp.Step(_clock.GetUtcNow());

    /// <summary>Signs in, enrols and confirms with the current step's code; returns the secret and the recovery codes.</summary>
    private async Task<(byte[] Secret, string[] RecoveryCodes)> EnrolAsync(bool tryWrongCode = true)
    {
        using var client = _host.NewSession();
        Assert.Equal(200, (await client.SignInAsync(Principal, SignUpHost.Password)).Status);
        var (enrolled, enrolment) = await client.SendAsync(HttpMethod.Post, "/console/api/totp/enrol");
        Assert.Equal(200, enrolled);
        string secretText = enrolment.GetProperty("secret").GetString()!;
        Assert.StartsWith("otpauth://totp/Candor:second%40factor.example?secret=" + secretText + "&issuer=Candor&algorithm=SHA1&digits=6&period=30",
            enrolment.GetProperty("otpauth_uri").GetString(), StringComparison.Ordinal);
        byte[] secret = Base32Decode(secretText);
        Assert.StartsWith("data:image/png;base64,iVBORw0KGgo", enrolment.GetProperty("qr_png").GetString(), StringComparison.Ordinal); // a PNG, drawn here

        // At rest the secret is a master-key envelope, never the secret itself.
        var stored = await _host.Service<ITotpStore>().GetTotpAsync(Principal, Json.Timeout());
        Assert.NotNull(stored);
        Assert.False(stored.Enabled);
        Assert.DoesNotContain(secretText, stored.SealedSecret, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexString(secret), Convert.ToHexString(Convert.FromBase64String(stored.SealedSecret)), StringComparison.Ordinal);

        if (tryWrongCode)
        {
            Assert.Equal(400, (await client.SendAsync(HttpMethod.Post, "/console/api/totp/confirm", JsonSerializer.Serialize(new { code = Code(secret, Step + 5) }))).Status);
        }

        var (confirmed, codes) = await client.SendAsync(HttpMethod.Post, "/console/api/totp/confirm", JsonSerializer.Serialize(new { code = Code(secret, Step) }));
        Assert.Equal(200, confirmed);
        string[] recovery = [.. codes.GetProperty("recovery_codes").EnumerateArray().Select(c => c.GetString()!)];
        Assert.Equal(TotpEndpoints.RecoveryCodes, recovery.Distinct().Count());
        var (_, status) = await client.SendAsync(HttpMethod.Get, "/console/api/totp");
        Assert.True(status.GetProperty("enabled").GetBoolean());
        return (secret, recovery);
    }

    /// <summary>The password step: a challenge, and no session yet.</summary>
    private static async Task<string> ChallengeAsync(ConsoleClient client)
    {
        var (status, body) = await client.SignInAsync(Principal, SignUpHost.Password);
        Assert.Equal(200, status);
        Assert.Equal("totp", body.GetProperty("second_factor").GetString());
        Assert.False(body.TryGetProperty("csrf_token", out _));
        Assert.Null(client.SessionCookie);
        return body.GetProperty("challenge").GetString()!;
    }

    private static Task<(int Status, JsonElement Body)> SecondStepAsync(ConsoleClient client, string challenge, string? code = null, string? recovery = null) =>
        client.SendAsync(HttpMethod.Post, "/console/api/session/totp", JsonSerializer.Serialize(new { challenge, code, recovery_code = recovery }, OmitNulls));

    [Fact]
    public async Task SignIn_AsksForTheCodeAfterThePassword_AndAUsedCodeIsRefused()
    {
        var (secret, _) = await EnrolAsync();
        long confirmedStep = Step;

        using var client = _host.NewSession();
        string challenge = await ChallengeAsync(client);
        Assert.Equal(401, (await client.SendAsync(HttpMethod.Get, "/console/api/session")).Status);

        // The code that confirmed the enrolment is used: refused within its window.
        Assert.Equal(401, (await SecondStepAsync(client, challenge, Code(secret, confirmedStep))).Status);
        var (signedIn, session) = await SecondStepAsync(client, challenge, Code(secret, confirmedStep + 1));
        Assert.Equal(200, signedIn);
        Assert.Equal(Principal, session.GetProperty("principal").GetString());
        Assert.NotNull(client.SessionCookie);
        Assert.Equal(200, (await client.SendAsync(HttpMethod.Get, "/console/api/session")).Status);

        // The challenge is spent, and the same code does not open a second sign-in.
        Assert.Equal(401, (await SecondStepAsync(client, challenge, Code(secret, confirmedStep + 1))).Status);
        using var again = _host.NewSession();
        string second = await ChallengeAsync(again);
        Assert.Equal(401, (await SecondStepAsync(again, second, Code(secret, confirmedStep + 1))).Status);

        // Thirty seconds later the next code works.
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(200, (await SecondStepAsync(again, second, Code(secret, confirmedStep + 2))).Status);
    }

    [Fact]
    public async Task RecoveryCode_SignsInOnce()
    {
        var (_, recovery) = await EnrolAsync();
        using var client = _host.NewSession();
        Assert.Equal(200, (await SecondStepAsync(client, await ChallengeAsync(client), recovery: recovery[3].ToUpperInvariant())).Status);

        using var replay = _host.NewSession();
        Assert.Equal(401, (await SecondStepAsync(replay, await ChallengeAsync(replay), recovery: recovery[3])).Status);
        Assert.Equal(200, (await SecondStepAsync(replay, await ChallengeAsync(replay), recovery: recovery[4])).Status);
    }

    [Fact]
    public async Task WrongCodes_KillTheChallenge_AndThrottleThePassword()
    {
        var (secret, _) = await EnrolAsync(tryWrongCode: false);
        using var client = _host.NewSession();
        string challenge = await ChallengeAsync(client);
        for (int i = 0; i < TotpEndpoints.MaxChallengeFailures; i++)
        {
            Assert.Equal(401, (await SecondStepAsync(client, challenge, WrongCode(secret, i))).Status);
        }

        // Dead even with the right code; and the failures count against the password step too.
        Assert.Equal(401, (await SecondStepAsync(client, challenge, Code(secret, Step + 1))).Status);
        using var response = await client.SendRawAsync(HttpMethod.Post, "/console/api/session",
            JsonSerializer.Serialize(new { principal = Principal, password = SignUpHost.Password }));
        Assert.Equal(System.Net.HttpStatusCode.TooManyRequests, response.StatusCode);
    }

    [Fact]
    public async Task TurningOff_NeedsACurrentCode_ThenThePasswordAloneSignsIn()
    {
        var (secret, _) = await EnrolAsync();
        using var client = _host.NewSession();
        string challenge = await ChallengeAsync(client);
        var (signedIn, session) = await SecondStepAsync(client, challenge, Code(secret, Step + 1));
        Assert.Equal(200, signedIn);
        client.Csrf = session.GetProperty("csrf_token").GetString();

        Assert.Equal(400, (await client.SendAsync(HttpMethod.Post, "/console/api/totp/disable", JsonSerializer.Serialize(new { code = Code(secret, Step + 1) }))).Status); // used
        Assert.Equal(403, (await client.SendAsync(HttpMethod.Post, "/console/api/totp/disable", JsonSerializer.Serialize(new { code = Code(secret, Step - 1) }), csrf: false)).Status);
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(204, (await client.SendAsync(HttpMethod.Post, "/console/api/totp/disable", JsonSerializer.Serialize(new { code = Code(secret, Step + 1) }))).Status);

        using var plain = _host.NewSession();
        var (status, plainSession) = await plain.SignInAsync(Principal, SignUpHost.Password);
        Assert.Equal(200, status);
        Assert.True(plainSession.TryGetProperty("csrf_token", out _));
        Assert.Null(await _host.Service<ITotpStore>().GetTotpAsync(Principal, Json.Timeout()));
    }

    [Fact]
    public async Task Enrolment_WithoutSessionOrCsrf_IsRefused()
    {
        using var client = _host.NewSession();
        Assert.Equal(401, (await client.SendAsync(HttpMethod.Post, "/console/api/totp/enrol")).Status);
        Assert.Equal(200, (await client.SignInAsync(Principal, SignUpHost.Password)).Status);
        Assert.Equal(403, (await client.SendAsync(HttpMethod.Post, "/console/api/totp/enrol", csrf: false)).Status);
        Assert.Null(await _host.Service<ITotpStore>().GetTotpAsync(Principal, Json.Timeout()));
    }

    internal static byte[] Base32Decode(string text)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (char ch in text)
        {
            buffer = (buffer << 5) | alphabet.IndexOf(ch, StringComparison.Ordinal);
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }

        return [.. bytes];
    }
}

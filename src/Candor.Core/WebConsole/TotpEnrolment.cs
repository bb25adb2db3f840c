namespace Candor.Core.WebConsole;

/// <summary>A login's TOTP second factor as stored: the shared secret sealed under the master key ring (base64 of the
/// envelope; <see cref="SecretKeyId"/> names the sealing key), whether it is confirmed, and the last time step a code
/// was accepted for (a code for that step or an earlier one is refused: no replay within its window).</summary>
internal sealed record TotpEnrolment(string Principal, string SealedSecret, long SecretKeyId, bool Enabled, long LastStep);

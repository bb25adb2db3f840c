namespace Candor.Core.Privacy;

/// <summary>An account's history data key as stored: sealed by the master key ring, never in clear.</summary>
/// <param name="Id">Key id, <c>hkey_…</c>; entries name it.</param>
/// <param name="AccountId">The owning account.</param>
/// <param name="Sealed">The 32-byte key in a <see cref="Security.MasterKeyRing"/> envelope bound to the account.</param>
internal sealed record HistoryDataKey(string Id, string AccountId, byte[] Sealed);

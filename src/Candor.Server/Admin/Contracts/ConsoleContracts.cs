using System.Text.Json;
using System.Text.Json.Serialization;

namespace Candor.Server.Admin.Contracts;

/// <summary>The body of <c>POST /console/invitations</c>: who is invited, as a platform operator or into an account
/// with a role (member by default).</summary>
internal sealed record InvitationCreate(string Principal, bool? Operator = null, string? AccountId = null, string? Role = null);

/// <summary>A new web-console invitation; the token is in this answer only.</summary>
internal sealed record InvitationView(
    string Principal,
    bool Operator,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? AccountId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Role,
    string Token,
    string Link,
    DateTimeOffset ExpiresAt,
    string Note);

/// <summary>A signed receipt, byte for byte as stored (docs/receipts.md): the receipt and its signature.</summary>
internal sealed record SignedReceiptView(JsonElement Receipt, JsonElement Signature);

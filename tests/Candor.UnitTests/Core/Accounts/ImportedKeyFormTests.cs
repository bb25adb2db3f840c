using Candor.Core.Accounts;

namespace Candor.UnitTests.Core.Accounts;

/// <summary>The spellings one-api and new-api accept for a token (strip an optional <c>sk-</c>, split at <c>-</c>, keep
/// the first part) reduce to the one Candor stores for imported keys; Candor's own keys never reduce to a key.</summary>
public sealed class ImportedKeyFormTests
{
    private const string Key = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefghijkl";

    [Theory]
    [InlineData(Key, "sk-" + Key)]
    [InlineData("sk-" + Key + "-5", "sk-" + Key)]
    [InlineData(Key + "-5", "sk-" + Key)]
    [InlineData("sk-" + Key + "-!5", "sk-" + Key)]
    [InlineData("sk-" + Key + "-5-ignore", "sk-" + Key)]
    public void OldSpellings_ReduceToTheStoredOne(string presented, string stored) => Assert.Equal(stored, ImportedKeyForm.Canonical(presented));

    [Theory]
    [InlineData("sk-" + Key)] // already the stored spelling
    [InlineData("sk--5")]
    [InlineData("-5")]
    [InlineData("sk-")]
    [InlineData("")]
    public void StoredOrEmptySpellings_HaveNoOther(string presented) => Assert.Null(ImportedKeyForm.Canonical(presented));

    [Fact]
    public void CandorKeys_ReduceToNothingAKeyCanBe()
    {
        // sk-cd-… reduces to "sk-cd": no stored key has that value (imported keys are sk- + 48 characters).
        Assert.Equal("sk-cd", ImportedKeyForm.Canonical("sk-cd-" + new string('x', 40)));
    }
}

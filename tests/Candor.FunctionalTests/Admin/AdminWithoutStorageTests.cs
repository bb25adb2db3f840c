using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Admin;

/// <summary>Without a data directory there is no admin API at all.</summary>
[Collection(CandorCollection.Name)]
public sealed class AdminWithoutStorageTests(CandorFixture fixture)
{
    [Theory]
    [InlineData("/admin/v1/accounts")]
    [InlineData("/admin/v1/openapi.json")]
    public async Task NoDataDirectory_AdminRoutesAreNotMapped(string path)
    {
        using var client = fixture.CreateClient();
        using var response = await client.GetAsync(path, Json.Timeout());
        Assert.Equal(404, (int)response.StatusCode);
    }
}

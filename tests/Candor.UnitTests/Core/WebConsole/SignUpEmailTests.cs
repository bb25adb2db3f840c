using Candor.Core.WebConsole;

namespace Candor.UnitTests.Core.WebConsole;

public sealed class SignUpEmailTests
{
    [Theory]
    [InlineData("Alice@Example.COM", "alice@example.com", "example.com")]
    [InlineData("  bob+tag@mail.example.org ", "bob+tag@mail.example.org", "mail.example.org")]
    public void Acceptable_IsNormalizedToLowerCaseWithItsDomain(string text, string address, string domain) =>
        Assert.Equal((address, domain), SignUpEmail.Parse(text));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("plain")]
    [InlineData("@example.com")]
    [InlineData("a@b@example.com")]
    [InlineData("a@localhost")]
    [InlineData("a@.example.com")]
    [InlineData("a@example..com")]
    [InlineData("a@example.com.")]
    [InlineData("a b@example.com")]
    [InlineData("a@example.com\r\nBcc: victim@example.com")]
    [InlineData("\"quoted\"@example.com")]
    [InlineData("<a@example.com>")]
    [InlineData("ä@example.com")]
    public void Unacceptable_IsRefused(string? text) => Assert.Null(SignUpEmail.Parse(text));

    [Fact]
    public void TooLong_IsRefused()
    {
        Assert.Null(SignUpEmail.Parse(new string('a', 65) + "@example.com"));
        Assert.Null(SignUpEmail.Parse("a@" + new string('b', 250) + ".com"));
    }
}

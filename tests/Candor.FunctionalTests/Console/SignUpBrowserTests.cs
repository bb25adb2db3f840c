using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Candor.Core.WebConsole;
using Candor.Server.WebConsole;
using Microsoft.Extensions.Time.Testing;
using OpenQA.Selenium;

namespace Candor.FunctionalTests.WebConsole;

/// <summary>Sign-up and two-step sign-in in a real browser (Debian's Chromium through chromedriver), with the SMTP sink
/// as the mail server: the sign-up form, the mailed link, the password, sign-in; then turning TOTP on in the Security
/// page, signing out, and signing in with the password and a code.</summary>
public sealed partial class SignUpBrowserTests
{
    private const string Email = "browser@signup.example";

    [GeneratedRegex(@"#verify=(?<token>[A-Za-z0-9_-]+)")]
    private static partial Regex VerifyToken();

    [ChromiumFact]
    public async Task SignUp_VerifyByMail_ThenTurnOnTotpAndSignInWithACode()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30 * 30 + 5));
        await using var host = await SignUpHost.StartAsync(SignUpHost.Open(), clock);
        using var driver = ConsoleBrowserTests.StartBrowser();
        driver.Navigate().GoToUrl(new Uri(host.BaseAddress, "/console").ToString());
        ConsoleBrowserTests.Until(driver, () => driver.FindElement(By.TagName("body")).GetAttribute("data-ready") == "true");

        // The sign-in page offers sign-up; the form mails a link.
        ConsoleBrowserTests.Until(driver, () => driver.FindElement(By.Id("signup-offer")).Displayed);
        driver.FindElement(By.Id("signup-link")).Click();
        ConsoleBrowserTests.Until(driver, () => driver.FindElement(By.Id("view-signup")).Displayed);
        driver.FindElement(By.Id("signup-email")).SendKeys(Email);
        driver.FindElement(By.Id("signup-submit")).Click();
        ConsoleBrowserTests.Until(driver, () => driver.FindElement(By.Id("status")).Text.Contains("on its way", StringComparison.Ordinal));
        var mail = await host.Smtp.WaitForAsync(m => m.Recipients.Contains(Email), TimeSpan.FromSeconds(20));
        string token = VerifyToken().Match(mail.Text).Groups["token"].Value;
        Assert.NotEmpty(token);

        // The link (on this server) asks for a password and opens the account.
        driver.Navigate().GoToUrl(new Uri(host.BaseAddress, "/console/#verify=" + token).ToString());
        ConsoleBrowserTests.Until(driver, () => driver.FindElement(By.Id("view-verify")).Displayed);
        driver.FindElement(By.Id("verify-password")).SendKeys(SignUpHost.Password);
        driver.FindElement(By.Id("verify-submit")).Click();
        ConsoleBrowserTests.Until(driver, () => driver.FindElement(By.Id("status")).Text.Contains("account is open", StringComparison.Ordinal));
        SignIn(driver);
        ConsoleBrowserTests.Until(driver, () => driver.FindElement(By.Id("view-keys")).Displayed);
        Assert.StartsWith("acct_", driver.FindElement(By.Id("account")).GetAttribute("value"), StringComparison.Ordinal);

        // Security: turn two-step sign-in on with a code from the shown secret.
        driver.FindElement(By.Id("nav-security")).Click();
        ConsoleBrowserTests.Until(driver, () => driver.FindElement(By.Id("security-enrol")).Displayed);
        driver.FindElement(By.Id("security-enrol")).Click();
        ConsoleBrowserTests.Until(driver, () => driver.FindElement(By.Id("security-secret")).GetAttribute("value") is { Length: > 0 });
        byte[] secret = TotpSignInTests.Base32Decode(driver.FindElement(By.Id("security-secret")).GetAttribute("value")!);
        Assert.StartsWith("otpauth://totp/", driver.FindElement(By.Id("security-uri")).GetAttribute("href"), StringComparison.Ordinal);
        long step = Totp.Step(clock.GetUtcNow());
        driver.FindElement(By.Id("security-code")).SendKeys(Code(secret, step));
        driver.FindElement(By.Id("security-confirm")).Click();
        ConsoleBrowserTests.Until(driver, () => driver.FindElement(By.Id("security-codes")).Displayed);
        Assert.Equal(TotpEndpoints.RecoveryCodes, driver.FindElements(By.CssSelector("#security-codes-list li")).Count);

        // Sign out; signing in now asks for a code after the password.
        driver.FindElement(By.Id("signout")).Click();
        ConsoleBrowserTests.Until(driver, () => driver.FindElement(By.Id("view-signin")).Displayed);
        SignIn(driver);
        ConsoleBrowserTests.Until(driver, () => driver.FindElement(By.Id("view-totp")).Displayed);
        driver.FindElement(By.Id("totp-code")).SendKeys(Code(secret, step)); // used to confirm: refused
        driver.FindElement(By.Id("totp-submit")).Click();
        ConsoleBrowserTests.Until(driver, () => driver.FindElement(By.Id("status")).Text.Contains("already used", StringComparison.Ordinal));
        var field = driver.FindElement(By.Id("totp-code"));
        field.Clear();
        field.SendKeys(Code(secret, step + 1));
        driver.FindElement(By.Id("totp-submit")).Click();
        ConsoleBrowserTests.Until(driver, () => driver.FindElement(By.Id("view-keys")).Displayed);
        Assert.Contains(Email, driver.FindElement(By.Id("who")).Text, StringComparison.Ordinal);
    }

    private static string Code(byte[] secret, long step) =>
        Totp.Code(secret, step, HashAlgorithmName.SHA1, 6).ToString("D6", CultureInfo.InvariantCulture);

    private static void SignIn(OpenQA.Selenium.Chrome.ChromeDriver driver)
    {
        var name = driver.FindElement(By.Id("principal"));
        name.Clear();
        name.SendKeys(Email);
        var password = driver.FindElement(By.Id("password"));
        password.Clear();
        password.SendKeys(SignUpHost.Password);
        driver.FindElement(By.Id("signin")).Click();
    }
}

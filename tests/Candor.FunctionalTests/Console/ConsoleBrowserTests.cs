using Candor.FunctionalTests.Infrastructure;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using OpenAI;
using OpenAI.Chat;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Candor.FunctionalTests.WebConsole;

/// <summary>The console in a real browser (Debian's Chromium, headless, through chromedriver): a member signs in,
/// creates a key, uses it through the OpenAI SDK, finds the request in usage, verifies its receipt in the page with
/// WebCrypto Ed25519; an operator disables a channel, switches to Chinese and signs out.</summary>
public sealed class ConsoleBrowserTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(20);

    [ChromiumFact]
    public async Task MemberAndOperator_WalkThroughTheConsole()
    {
        using var driver = StartBrowser();
        string console = new Uri(fixture.BaseAddress, "/console").ToString();
        driver.Navigate().GoToUrl(console);
        Until(driver, () => driver.FindElement(By.TagName("body")).GetAttribute("data-ready") == "true");
        Shot(driver, "signin-en");

        // Sign in as the account owner.
        SignIn(driver, fixture.MemberLogin);
        Until(driver, () => driver.FindElement(By.Id("view-keys")).Displayed);
        Assert.Equal(fixture.AccountA, driver.FindElement(By.Id("account")).GetAttribute("value"));

        // Create a key: shown once, with a copy button.
        driver.FindElement(By.Id("key-name")).SendKeys("browser key");
        driver.FindElement(By.Id("key-create")).Click();
        Until(driver, () => driver.FindElement(By.Id("key-value")).GetAttribute("value")!.StartsWith("sk-cd-", StringComparison.Ordinal));
        string key = driver.FindElement(By.Id("key-value")).GetAttribute("value")!;
        Assert.True(driver.FindElement(By.Id("key-copy")).Displayed);
        Until(driver, () => driver.FindElement(By.Id("keys-table")).Text.Contains("browser key", StringComparison.Ordinal));
        Shot(driver, "keys-en");

        // Use it through the OpenAI SDK.
        var chat = new ChatClient("m-openai", new ApiKeyCredential(key), new OpenAIClientOptions
        {
            Endpoint = new Uri(fixture.BaseAddress, "v1"),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = TimeSpan.FromSeconds(20),
        });
        ClientResult<ChatCompletion> result = await chat.CompleteChatAsync([new UserChatMessage("Say hello")], new ChatCompletionOptions(), Json.Timeout());
        Assert.NotEmpty(result.Value.Content[0].Text);
        var headers = result.GetRawResponse().Headers;
        Assert.True(headers.TryGetValue("x-candor-receipt", out string? receiptId));
        Assert.True(headers.TryGetValue("x-request-id", out string? requestId));

        // The request is in usage.
        driver.FindElement(By.Id("nav-usage")).Click();
        Until(driver, () =>
        {
            if (!driver.FindElement(By.Id("usage-table")).Text.Contains(requestId!, StringComparison.Ordinal))
            {
                driver.FindElement(By.Id("usage-first")).Click();
                return false;
            }

            return true;
        });

        // Its receipt verifies in the page against the published key.
        driver.FindElement(By.Id("nav-receipts")).Click();
        Until(driver, () => driver.FindElement(By.Id("view-receipts")).Displayed);
        driver.FindElement(By.Id("receipt-id")).SendKeys(receiptId!);
        driver.FindElement(By.Id("receipt-verify")).Click();
        Until(driver, () => driver.FindElement(By.Id("receipt-verdict")).GetAttribute("data-valid") is "true" or "false" or "unknown");
        Assert.Equal("true", driver.FindElement(By.Id("receipt-verdict")).GetAttribute("data-valid"));
        Assert.Contains(requestId!, driver.FindElement(By.Id("receipt-fields")).Text, StringComparison.Ordinal);
        Shot(driver, "receipt-en");

        // The page's verifier refuses the same receipt with one signed byte changed (the HTTP status it states).
        object? outcome = ((IJavaScriptExecutor)driver).ExecuteAsyncScript("""
            const done = arguments[arguments.length - 1];
            const [id, account] = [arguments[0], arguments[1]];
            import("/console/verify.js").then(async (v) => {
              const bytes = new Uint8Array(await (await fetch(`/admin/v1/accounts/${account}/receipts/${id}`)).arrayBuffer());
              const key = (await (await fetch("/.well-known/candor")).json()).receipt_keys[0].verifier_key;
              const good = await v.verifyReceipt(bytes, key);
              const i = new TextDecoder().decode(bytes).indexOf('"status":') + 9;
              bytes[i] = bytes[i] === 0x32 ? 0x33 : 0x32;
              const bad = await v.verifyReceipt(bytes, key);
              done(`${good.ok}/${bad.ok}/${bad.reason}`);
            }).catch((e) => done("error " + e));
            """, receiptId!, fixture.AccountA);
        Assert.Equal("true/false/signature does not verify", outcome);

        // A member has no channels page; an operator disables a channel.
        Assert.False(driver.FindElement(By.Id("nav-channels")).Displayed);
        driver.FindElement(By.Id("signout")).Click();
        Until(driver, () => driver.FindElement(By.Id("view-signin")).Displayed);
        SignIn(driver, fixture.OperatorLogin);
        Until(driver, () => driver.FindElement(By.Id("nav-channels")).Displayed);
        driver.FindElement(By.Id("nav-channels")).Click();
        Until(driver, () => driver.FindElements(By.Id("disable-" + fixture.ChannelId)).Count == 1);
        driver.FindElement(By.Id("disable-" + fixture.ChannelId)).Click();
        Until(driver, () => driver.FindElements(By.Id("enable-" + fixture.ChannelId)).Count == 1);
        Shot(driver, "channels-en");
        var (_, channel) = await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/channels/{fixture.ChannelId}");
        Assert.True(channel.GetProperty("disabled").GetBoolean());

        // Switch to Chinese.
        driver.FindElement(By.CssSelector("#lang option[value='zh-CN']")).Click();
        Until(driver, () => driver.FindElement(By.TagName("html")).GetAttribute("lang") == "zh-CN");
        Assert.Equal("渠道", driver.FindElement(By.Id("nav-channels")).Text);
        Assert.Equal("启用", driver.FindElement(By.Id("enable-" + fixture.ChannelId)).Text);
        Shot(driver, "channels-zh");
        driver.FindElement(By.Id("nav-usage")).Click();
        driver.FindElement(By.CssSelector($"#account option[value='{fixture.AccountA}']")).Click();
        Until(driver, () => driver.FindElement(By.Id("usage-table")).Text.Contains(requestId!, StringComparison.Ordinal));
        Shot(driver, "usage-zh");

        // Sign out: the session cookie is gone and the server no longer knows the session.
        string session = driver.Manage().Cookies.GetCookieNamed("candor_session")!.Value;
        driver.FindElement(By.Id("signout")).Click();
        Until(driver, () => driver.FindElement(By.Id("view-signin")).Displayed);
        Until(driver, () => driver.Manage().Cookies.GetCookieNamed("candor_session") is null);
        using var stale = fixture.NewSession();
        stale.Cookies.Add(fixture.BaseAddress, new System.Net.Cookie("candor_session", session, "/"));
        Assert.Equal(401, (await stale.SendAsync(HttpMethod.Get, "/console/api/session")).Status);
    }

    /// <summary>Saves a screenshot into <c>CANDOR_CONSOLE_SCREENSHOTS</c> when that is set (docs/console-screenshots.sh).</summary>
    private static void Shot(ChromeDriver driver, string name)
    {
        if (Environment.GetEnvironmentVariable("CANDOR_CONSOLE_SCREENSHOTS") is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
            driver.GetScreenshot().SaveAsFile(Path.Combine(directory, name + ".png"));
        }
    }

    private static void SignIn(ChromeDriver driver, string principal)
    {
        var name = driver.FindElement(By.Id("principal"));
        name.Clear();
        name.SendKeys(principal);
        driver.FindElement(By.Id("password")).SendKeys(ConsoleFixture.Password);
        driver.FindElement(By.Id("signin")).Click();
    }

    internal static ChromeDriver StartBrowser()
    {
        // Selenium Manager is not asked for anything: the browser and the driver are Debian's.
        Environment.SetEnvironmentVariable("SE_OFFLINE", "true");
        Environment.SetEnvironmentVariable("SE_AVOID_STATS", "true");
        var options = new ChromeOptions { BinaryLocation = ChromiumFactAttribute.Browser };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            "--lang=en-US", "--window-size=1280,900");
        options.AddUserProfilePreference("intl.accept_languages", "en-US,en");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromiumFactAttribute.Driver)!, Path.GetFileName(ChromiumFactAttribute.Driver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    internal static void Until(IWebDriver driver, Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        Exception? last = null;
        while (clock.Elapsed < WaitLimit)
        {
            try
            {
                if (condition())
                {
                    return;
                }
            }
            catch (WebDriverException e)
            {
                last = e;
            }

            Thread.Sleep(100);
        }

        string status = "";
        try
        {
            status = driver.FindElement(By.Id("status")).Text;
        }
        catch (WebDriverException)
        {
        }

        throw new TimeoutException($"The page did not reach the expected state within {WaitLimit.TotalSeconds} s (status: '{status}').", last);
    }
}

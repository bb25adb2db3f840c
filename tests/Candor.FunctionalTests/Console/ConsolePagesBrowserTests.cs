using Candor.Core.Audit;
using Candor.FunctionalTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using static Candor.FunctionalTests.WebConsole.ConsoleBrowserTests;

namespace Candor.FunctionalTests.WebConsole;

/// <summary>The operator and member pages in Chromium: the dashboard's charts, crediting an account (a ledger entry),
/// lifting a quarantine, adding a channel with a sealed credential and testing it, the log and settings pages; a
/// member's filtered usage, its CSV export, the privacy page and erasing history; axe-core finds no serious or
/// critical violation on any main page, in English or Chinese.</summary>
public sealed class ConsolePagesBrowserTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    [ChromiumFact(Axe = true)]
    public async Task Operator_UsesDashboardLedgerAuditChannelsLogAndSettings()
    {
        // Some traffic for the charts, and a quarantined channel to lift.
        var (_, key) = await fixture.AdminAsync(HttpMethod.Post, $"/admin/v1/accounts/{fixture.AccountA}/keys", """{"name":"dashboard traffic"}""");
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(200, await fixture.ChatAsync(key.GetProperty("key").GetString()!));
        }

        var quarantine = fixture.App.Services.GetRequiredService<ChannelQuarantine>();
        Assert.True(await quarantine.AddAsync(new QuarantineEntry(fixture.ChannelId, "substitution suspected (test)", "mmd", DateTimeOffset.UtcNow), Json.Timeout()));

        using var driver = StartBrowser();
        Open(driver);
        SignIn(driver, fixture.OperatorLogin);

        Go(driver, "dashboard");
        Until(driver, () => driver.FindElements(By.CssSelector("#dash-charts svg")).Count == 5);
        var requests = System.Text.RegularExpressions.Regex.Match(driver.FindElement(By.Id("dash-summary")).Text, @"^(\d+) requests");
        Assert.True(requests.Success && int.Parse(requests.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 3, driver.FindElement(By.Id("dash-summary")).Text);
        Assert.NotEmpty(driver.FindElements(By.CssSelector("#dash-charts polyline")));
        AxeCheck.AssertNoSeriousViolations(driver, "dashboard");
        Shot(driver, "dashboard-en");

        Go(driver, "accounts");
        Until(driver, () => driver.FindElement(By.Id("accounts-table")).Text.Contains("console-b", StringComparison.Ordinal));
        driver.FindElement(By.CssSelector($"#account option[value='{fixture.AccountA}']")).Click(); // newest first: B is selected
        Until(driver, () => driver.FindElement(By.Id("members-table")).Text.Contains(fixture.MemberLogin, StringComparison.Ordinal));
        AxeCheck.AssertNoSeriousViolations(driver, "accounts");
        Shot(driver, "accounts-en");

        // Credit account B: a top-up ledger entry and the balance grow by exactly the amount.
        var (_, before) = await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{fixture.AccountB}/balance");
        Go(driver, "ledger");
        driver.FindElement(By.CssSelector($"#account option[value='{fixture.AccountB}']")).Click();
        Until(driver, () => driver.FindElement(By.Id("topup-form")).Displayed && driver.FindElement(By.Id("balance")).Text.Length > 0);
        driver.FindElement(By.Id("topup-amount")).SendKeys("12.5");
        driver.FindElement(By.Id("topup-note")).SendKeys("browser credit");
        driver.FindElement(By.Id("topup-submit")).Click();
        Until(driver, () => driver.FindElement(By.Id("ledger-table")).Text.Contains("browser credit", StringComparison.Ordinal));
        Assert.Contains("12.500000", driver.FindElement(By.Id("ledger-table")).Text, StringComparison.Ordinal);
        var (_, after) = await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{fixture.AccountB}/balance");
        Assert.Equal(before.GetProperty("balance_micros").GetInt64() + 12_500_000, after.GetProperty("balance_micros").GetInt64());
        AxeCheck.AssertNoSeriousViolations(driver, "ledger");
        Shot(driver, "ledger-en");

        // Lift the quarantine.
        Go(driver, "audit");
        Until(driver, () => driver.FindElements(By.Id("lift-" + fixture.ChannelId)).Count == 1);
        AxeCheck.AssertNoSeriousViolations(driver, "audit");
        Shot(driver, "audit-en");
        driver.FindElement(By.Id("lift-" + fixture.ChannelId)).Click();
        driver.SwitchTo().Alert().Accept();
        Until(driver, () => driver.FindElements(By.Id("lift-" + fixture.ChannelId)).Count == 0);
        Assert.False(quarantine.IsQuarantined(fixture.ChannelId));

        foreach (string page in new[] { "prices", "deployments" })
        {
            Go(driver, page);
            Until(driver, () => driver.FindElement(By.Id(page + "-table")).FindElements(By.CssSelector("tbody tr")).Count > 0);
            AxeCheck.AssertNoSeriousViolations(driver, page);
        }

        Go(driver, "log");
        Until(driver, () => driver.FindElement(By.Id("log-details")).Displayed || driver.FindElement(By.Id("log-none")).Displayed);
        AxeCheck.AssertNoSeriousViolations(driver, "log");
        Shot(driver, "log-en");

        Go(driver, "settings");
        Until(driver, () => driver.FindElement(By.Id("settings-fields")).Text.Contains("sqlite", StringComparison.Ordinal));
        Assert.DoesNotContain(fixture.OperatorKey, driver.PageSource, StringComparison.Ordinal);
        AxeCheck.AssertNoSeriousViolations(driver, "settings");
        Shot(driver, "settings-en");

        // Add a channel with a sealed credential and data-policy fields, then test it.
        Go(driver, "channels");
        Until(driver, () => driver.FindElements(By.Id("test-" + fixture.ChannelId)).Count == 1);
        driver.FindElement(By.Id("channel-id")).SendKeys("added-ch");
        driver.FindElement(By.Id("channel-url")).SendKeys(new Uri(fixture.BaseAddress, "/nowhere/v1").ToString());
        driver.FindElement(By.Id("channel-credential")).SendKeys("sk-sealed-in-the-browser-test");
        driver.FindElement(By.Id("channel-region")).SendKeys("eu");
        driver.FindElement(By.CssSelector("#channel-retention option:nth-child(2)")).Click();
        driver.FindElement(By.CssSelector("#channel-training option:nth-child(2)")).Click();
        driver.FindElement(By.Id("channel-create")).Click();
        Until(driver, () => driver.FindElements(By.Id("test-added-ch")).Count == 1);
        var (_, added) = await fixture.AdminAsync(HttpMethod.Get, "/admin/v1/channels/added-ch");
        Assert.True(added.GetProperty("credential").GetProperty("set").GetBoolean());
        Assert.Equal("eu", added.GetProperty("region").GetString());
        Assert.Equal("none", added.GetProperty("data_policy").GetProperty("retention").GetString());
        Assert.Equal("never", added.GetProperty("data_policy").GetProperty("training").GetString());
        Assert.DoesNotContain("sk-sealed-in-the-browser-test", added.ToString(), StringComparison.Ordinal);
        Assert.Equal("", driver.FindElement(By.Id("channel-credential")).GetAttribute("value"));
        string health = driver.FindElement(By.CssSelector("#channels-table tr[data-channel='oa'] td:nth-child(6)")).Text;
        Assert.Contains("gpt-4o-mini: ", health, StringComparison.Ordinal); // per-deployment circuit state, not just a word
        driver.FindElement(By.Id("test-oa")).Click(); // a configured channel with a deployment, on the emulator
        Until(driver, () => driver.FindElement(By.Id("status")).Text.StartsWith("Test of oa: answered", StringComparison.Ordinal));
        AxeCheck.AssertNoSeriousViolations(driver, "channels");

        // The same pages in Chinese.
        driver.FindElement(By.CssSelector("#lang option[value='zh-CN']")).Click();
        Until(driver, () => driver.FindElement(By.TagName("html")).GetAttribute("lang") == "zh-CN");
        Go(driver, "dashboard");
        Until(driver, () => driver.FindElements(By.CssSelector("#dash-charts svg")).Count == 5
            && driver.FindElement(By.CssSelector("#dash-charts figcaption")).Text == "请求数");
        AxeCheck.AssertNoSeriousViolations(driver, "dashboard (zh)");
        Shot(driver, "dashboard-zh");
        Go(driver, "audit");
        Until(driver, () => driver.FindElement(By.Id("audit-summary")).Text.Length > 0);
        Assert.Equal("被隔离的渠道", driver.FindElement(By.CssSelector("#quarantine-table caption")).Text);
        Shot(driver, "audit-zh");
    }

    [ChromiumFact(Axe = true)]
    public async Task Member_FiltersUsage_ExportsCsv_AndErasesHistory()
    {
        var (_, key) = await fixture.AdminAsync(HttpMethod.Post, $"/admin/v1/accounts/{fixture.AccountA}/keys", """{"name":"member traffic"}""");
        Assert.Equal(200, await fixture.ChatAsync(key.GetProperty("key").GetString()!));

        using var driver = StartBrowser();
        Open(driver);
        SignIn(driver, fixture.MemberLogin);
        Until(driver, () => driver.FindElement(By.Id("view-keys")).Displayed);
        Assert.False(driver.FindElement(By.Id("nav-dashboard")).Displayed);

        // A key with limits: a budget and a rate, shown in the list and stored exactly.
        driver.FindElement(By.Id("key-name")).SendKeys("limited key");
        driver.FindElement(By.Id("key-budget")).SendKeys("5.25");
        driver.FindElement(By.Id("key-rpm")).SendKeys("60");
        driver.FindElement(By.Id("key-create")).Click();
        Until(driver, () => driver.FindElement(By.Id("keys-table")).Text.Contains("5.250000 USD, 60 rpm", StringComparison.Ordinal));
        var (_, keys) = await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{fixture.AccountA}/keys");
        var limited = keys.GetProperty("data").EnumerateArray().Single(k => k.GetProperty("name").GetString() == "limited key");
        Assert.Equal(5_250_000, limited.GetProperty("budget_micros").GetInt64());
        Assert.Equal(60, limited.GetProperty("rpm_limit").GetInt32());
        AxeCheck.AssertNoSeriousViolations(driver, "keys");
        Shot(driver, "keys-limits-en");

        Go(driver, "usage");
        driver.FindElement(By.Id("usage-model")).SendKeys("m-openai");
        driver.FindElement(By.CssSelector("#usage-outcome option[value='complete']")).Click();
        driver.FindElement(By.Id("usage-apply")).Click();
        Until(driver, () => driver.FindElement(By.Id("usage-table")).FindElements(By.CssSelector("tbody tr[data-request]")).Count > 0);
        Assert.All(driver.FindElements(By.CssSelector("#usage-table tbody tr[data-request]")), row => Assert.Contains("m-openai", row.Text, StringComparison.Ordinal));
        AxeCheck.AssertNoSeriousViolations(driver, "usage");
        Shot(driver, "usage-en");

        // The export link carries the filters; the CSV is served to the session and matches the list.
        string href = driver.FindElement(By.Id("usage-csv")).GetAttribute("href")!;
        Assert.Contains("model=m-openai", href, StringComparison.Ordinal);
        Assert.Contains("outcome=complete", href, StringComparison.Ordinal);
        string csv = ((IJavaScriptExecutor)driver).ExecuteAsyncScript("""
            const done = arguments[arguments.length - 1];
            fetch(document.getElementById("usage-csv").href).then((r) => r.text()).then(done).catch((e) => done("error " + e));
            """) as string ?? "";
        string firstRequest = driver.FindElement(By.CssSelector("#usage-table tbody tr[data-request]")).GetAttribute("data-request")!;
        Assert.StartsWith("created_at,request_id,", csv, StringComparison.Ordinal);
        Assert.Contains(firstRequest, csv, StringComparison.Ordinal);
        Assert.DoesNotContain(",failed,", csv, StringComparison.Ordinal);

        Go(driver, "receipts");
        AxeCheck.AssertNoSeriousViolations(driver, "receipts");

        Go(driver, "ledger");
        Until(driver, () => driver.FindElement(By.Id("balance")).Text.Length > 0);
        Assert.False(driver.FindElement(By.Id("topup-form")).Displayed); // crediting is the operator's
        AxeCheck.AssertNoSeriousViolations(driver, "ledger (member)");

        // The privacy page: the effective policy, and the owner views and erases the history.
        Go(driver, "privacy");
        Until(driver, () => driver.FindElement(By.Id("privacy-fields")).Text.Length > 0 && driver.FindElement(By.Id("history-controls")).Displayed);
        driver.FindElement(By.Id("history-show")).Click();
        Until(driver, () => driver.FindElements(By.CssSelector("#history-list li")).Count > 0);
        AxeCheck.AssertNoSeriousViolations(driver, "privacy");
        Shot(driver, "privacy-en");
        driver.FindElement(By.Id("history-erase")).Click();
        driver.SwitchTo().Alert().Accept();
        Until(driver, () => driver.FindElement(By.Id("status")).Text.StartsWith("History erased", StringComparison.Ordinal));

        driver.FindElement(By.CssSelector("#lang option[value='zh-CN']")).Click();
        Go(driver, "usage");
        Until(driver, () => driver.FindElement(By.Id("usage-csv")).Text == "导出 CSV");
        AxeCheck.AssertNoSeriousViolations(driver, "usage (zh)");
        Shot(driver, "usage-filter-zh");

        // A plain member sees the history's place but not its contents.
        driver.FindElement(By.Id("signout")).Click();
        Until(driver, () => driver.FindElement(By.Id("view-signin")).Displayed);
        SignIn(driver, fixture.PlainMemberLogin);
        Until(driver, () => driver.FindElement(By.Id("view-keys")).Displayed);
        Go(driver, "privacy");
        Until(driver, () => driver.FindElement(By.Id("history-adminonly")).Displayed);
        Assert.False(driver.FindElement(By.Id("history-controls")).Displayed);
    }

    [ChromiumFact(Axe = true)]
    public async Task Member_PagesItsKeys_RedeemsACode_AndReadsEveryTableAtPhoneWidth()
    {
        string keys = $"/admin/v1/accounts/{fixture.AccountA}/keys";
        string? bulkKey = null;
        for (int i = 0; i < 22; i++)
        {
            var (status, key) = await fixture.AdminAsync(HttpMethod.Post, keys, $$"""{"name":"bulk key {{i:D2}}"}""");
            Assert.Equal(201, status);
            bulkKey = key.GetProperty("key").GetString();
        }

        Assert.Equal(200, await fixture.ChatAsync(bulkKey!)); // a row for the usage page

        var (created, batch) = await fixture.AdminAsync(HttpMethod.Post, "/admin/v1/redemption-batches", """{"amount_usd":"2","count":1}""");
        Assert.Equal(201, created);
        string code = batch.GetProperty("codes")[0].GetProperty("code").GetString()!;

        using var driver = StartBrowser();
        Open(driver);
        SignIn(driver, fixture.MemberLogin);
        Until(driver, () => driver.FindElement(By.Id("view-keys")).Displayed);

        // Keys come 20 to a page from the server; the next page holds the rest, none twice.
        Until(driver, () => KeyRows(driver).Count == 20 && driver.FindElement(By.Id("keys-next")).Enabled);
        var first = KeyRows(driver);
        driver.FindElement(By.Id("keys-next")).Click();
        Until(driver, () => KeyRows(driver).Count is > 0 and < 20 || !KeyRows(driver).SequenceEqual(first));
        var second = KeyRows(driver);
        Assert.Empty(first.Intersect(second));
        Assert.True(first.Count + second.Count >= 22);
        driver.FindElement(By.Id("keys-first")).Click();
        Until(driver, () => KeyRows(driver).SequenceEqual(first));

        // Redeem a code from the balance page: the balance grows by its amount.
        var (_, before) = await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{fixture.AccountA}/balance");
        Go(driver, "ledger");
        Until(driver, () => driver.FindElement(By.Id("balance")).Text.Length > 0);
        Assert.False(driver.FindElement(By.Id("checkout-form")).Displayed); // no payment provider on this server
        driver.FindElement(By.Id("redeem-code")).SendKeys(code);
        driver.FindElement(By.Id("redeem-submit")).Click();
        Until(driver, () => driver.FindElement(By.Id("status")).Text.StartsWith("Redeemed 2.000000 USD", StringComparison.Ordinal));
        var (_, after) = await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{fixture.AccountA}/balance");
        Assert.Equal(before.GetProperty("balance_micros").GetInt64() + 2_000_000, after.GetProperty("balance_micros").GetInt64());
        driver.FindElement(By.Id("redeem-code")).SendKeys(code);
        driver.FindElement(By.Id("redeem-submit")).Click();
        Until(driver, () => driver.FindElement(By.Id("status")).Text == "This code has already been redeemed.");
        AxeCheck.AssertNoSeriousViolations(driver, "ledger (redeem)");

        // At 360 px every table is a column of labelled cards: nothing is wider than the screen.
        driver.Manage().Window.Size = new System.Drawing.Size(360, 800);
        foreach (string page in new[] { "keys", "usage", "ledger" })
        {
            Go(driver, page);
            Until(driver, () => driver.FindElements(By.CssSelector($"#view-{page} tbody td[data-label]")).Count > 0);
            var widths = (IReadOnlyCollection<object>)((IJavaScriptExecutor)driver).ExecuteScript(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];")!;
            long scroll = Convert.ToInt64(widths.First(), System.Globalization.CultureInfo.InvariantCulture);
            long client = Convert.ToInt64(widths.Last(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(client <= 400 && scroll <= client, $"{page}: scroll width {scroll}, viewport {client}");
            AxeCheck.AssertNoSeriousViolations(driver, page + " (360 px)");
            ((IJavaScriptExecutor)driver).ExecuteScript($"document.querySelector('#view-{page} table').scrollIntoView();");
            Shot(driver, page + "-phone-en");
        }

        driver.FindElement(By.CssSelector("#lang option[value='zh-CN']")).Click();
        Go(driver, "keys");
        Until(driver, () => driver.FindElements(By.CssSelector("#keys-table tbody td[data-label='名称']")).Count > 0);
        ((IJavaScriptExecutor)driver).ExecuteScript("document.getElementById('keys-table').scrollIntoView();");
        Shot(driver, "keys-phone-zh");
    }

    private static List<string> KeyRows(ChromeDriver driver) =>
        [.. driver.FindElements(By.CssSelector("#keys-table tbody tr[data-key]")).Select(r => r.GetAttribute("data-key")!)];

    private void Open(ChromeDriver driver)
    {
        driver.Manage().Timeouts().AsynchronousJavaScript = TimeSpan.FromSeconds(30);
        driver.Navigate().GoToUrl(new Uri(fixture.BaseAddress, "/console").ToString());
        Until(driver, () => driver.FindElement(By.TagName("body")).GetAttribute("data-ready") == "true");
    }

    private static void Go(ChromeDriver driver, string page)
    {
        Until(driver, () => driver.FindElement(By.Id("nav-" + page)).Displayed);
        driver.FindElement(By.Id("nav-" + page)).Click();
        Until(driver, () => driver.FindElement(By.Id("view-" + page)).Displayed);
    }
}

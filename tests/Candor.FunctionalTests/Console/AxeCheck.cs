using System.Text.Json;
using OpenQA.Selenium;

namespace Candor.FunctionalTests.WebConsole;

/// <summary>Runs axe-core (the accessibility engine, pinned by tests/console-a11y/package-lock.json and installed by
/// .ci/run) in the page the browser shows and fails on any serious or critical violation, naming each rule and the
/// elements it found.</summary>
internal static class AxeCheck
{
    private static readonly Lazy<string> Source = new(Load);

    /// <summary>The violations axe reports on the current page, as (rule, impact, targets).</summary>
    public static IReadOnlyList<(string Rule, string Impact, string Targets)> Violations(IWebDriver driver)
    {
        var js = (IJavaScriptExecutor)driver;
        if (js.ExecuteScript("return typeof window.axe") as string != "object")
        {
            // Injected through WebDriver, not as a page script, so the console's CSP (script-src 'self') stays as served.
            js.ExecuteScript(Source.Value);
        }

        string json = js.ExecuteAsyncScript("""
            const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ["violations"] })
              .then((r) => done(JSON.stringify(r.violations.map((v) => ({ id: v.id, impact: v.impact || "", targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")).join(", ") })))))
              .catch((e) => done(JSON.stringify([{ id: "axe-error", impact: "critical", targets: String(e) }])));
            """) as string ?? """[{"id":"axe-no-answer","impact":"critical","targets":""}]""";
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(v => (v.GetProperty("id").GetString()!, v.GetProperty("impact").GetString()!, v.GetProperty("targets").GetString()!))];
    }

    /// <summary>Fails when the current page has a serious or critical violation.</summary>
    public static void AssertNoSeriousViolations(IWebDriver driver, string page)
    {
        var serious = Violations(driver).Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, $"axe on {page}: " + string.Join("; ", serious.Select(v => $"{v.Rule} ({v.Impact}) at {v.Targets}")));
    }

    /// <summary>Where axe-core's script is: <c>tests/console-a11y/node_modules/axe-core/axe.min.js</c> under the
    /// repository root (found by walking up to <c>Candor.slnx</c>).</summary>
    public static string ScriptPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Candor.slnx")))
            {
                return Path.Combine(dir.FullName, "tests", "console-a11y", "node_modules", "axe-core", "axe.min.js");
            }
        }

        throw new DirectoryNotFoundException("The repository root (Candor.slnx) was not found above " + AppContext.BaseDirectory);
    }

    private static string Load()
    {
        string file = ScriptPath();
        return File.Exists(file)
            ? File.ReadAllText(file)
            : throw new FileNotFoundException("axe-core is not installed: run `npm ci --prefix tests/console-a11y` (.ci/run does).", file);
    }
}

namespace Candor.FunctionalTests.WebConsole;

/// <summary>A fact that needs Debian's <c>chromium</c> and <c>chromium-driver</c>. Outside CI it is skipped, saying
/// why, when they are not installed; under <c>CI=true</c> it always runs (and fails without them: .ci/run installs them).</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string Browser = "/usr/bin/chromium";

    public const string Driver = "/usr/bin/chromedriver";

    private bool _axe;

    private static readonly bool Ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public ChromiumFactAttribute()
    {
        bool installed = File.Exists(Browser) && File.Exists(Driver);
        if (!installed && !Ci)
        {
            Skip = $"Browser test skipped: {Browser} or {Driver} is missing (apt-get install chromium chromium-driver); it always runs under CI=true.";
        }
    }

    /// <summary>The test also runs axe-core (<see cref="AxeCheck"/>): outside CI it is skipped, saying why, when axe-core
    /// is not installed (<c>npm ci --prefix tests/console-a11y</c>); under <c>CI=true</c> it runs and fails without it.</summary>
    public bool Axe
    {
        get => _axe;
        set
        {
            _axe = value;
            if (value && Skip is null && !Ci && !File.Exists(AxeCheck.ScriptPath()))
            {
                Skip = "Browser test skipped: axe-core is not installed (npm ci --prefix tests/console-a11y); it always runs under CI=true.";
            }
        }
    }
}

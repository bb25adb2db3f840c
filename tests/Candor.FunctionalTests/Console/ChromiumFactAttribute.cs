namespace Candor.FunctionalTests.WebConsole;

/// <summary>A fact that needs Debian's <c>chromium</c> and <c>chromium-driver</c>. Outside CI it is skipped, saying
/// why, when they are not installed; under <c>CI=true</c> it always runs (and fails without them: .ci/run installs them).</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string Browser = "/usr/bin/chromium";

    public const string Driver = "/usr/bin/chromedriver";

    public ChromiumFactAttribute()
    {
        bool installed = File.Exists(Browser) && File.Exists(Driver);
        bool ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        if (!installed && !ci)
        {
            Skip = $"Browser test skipped: {Browser} or {Driver} is missing (apt-get install chromium chromium-driver); it always runs under CI=true.";
        }
    }
}

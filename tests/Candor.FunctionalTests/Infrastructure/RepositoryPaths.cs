namespace Candor.FunctionalTests.Infrastructure;

/// <summary>Paths in the repository the tests run from (found by walking up to <c>Candor.slnx</c>).</summary>
public static class RepositoryPaths
{
    /// <summary>The repository's root directory.</summary>
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Candor.slnx")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("Candor.slnx not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>The recorded vendor streams the emulator replays (tests/Recordings).</summary>
    public static string Recordings => Path.Combine(Root, "tests", "Recordings");
}

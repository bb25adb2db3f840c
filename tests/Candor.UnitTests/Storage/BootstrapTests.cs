using Candor.Core.Accounts;
using Candor.Core.Admission;
using Candor.Storage;

namespace Candor.UnitTests.Storage;

public sealed class BootstrapTests
{
    private static readonly TimeSpan Timeout = TempStore.Timeout;

    [Fact]
    public async Task FreshDirectory_CreatesDatabaseSecretAndOperatorKey()
    {
        string directory = TempStore.NewDirectory();
        try
        {
            var result = await StoreBootstrap.InitializeAsync(directory, null, CancellationToken.None).WaitAsync(Timeout);
            using (result.Store)
            {
                string secretPath = Path.Combine(directory, ServerSecret.FileName);
                Assert.True(File.Exists(Path.Combine(directory, SqliteStore.DatabaseFileName)));
                Assert.Equal(ServerSecret.Length, new FileInfo(secretPath).Length);
                if (!OperatingSystem.IsWindows())
                {
                    Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(secretPath));
                }

                var key = Assert.IsType<CreatedApiKey>(result.OperatorKey);
                Assert.True(key.Record.IsOperator);
                Assert.Equal(result.Hasher.Hash(key.PlaintextKey), key.Record.Hash);
                var found = await result.Store.GetByHashAsync(result.Hasher.Hash(key.PlaintextKey), CancellationToken.None).WaitAsync(Timeout);
                Assert.Equal(key.Record.Id, found?.Id);
                Assert.True(await result.Store.HasOperatorKeyAsync(DateTimeOffset.UtcNow, CancellationToken.None).WaitAsync(Timeout));
            }

            var again = await StoreBootstrap.InitializeAsync(directory, null, CancellationToken.None).WaitAsync(Timeout);
            using (again.Store)
            {
                Assert.Null(again.OperatorKey);
                Assert.Equal(0, again.Store.MigrationsApplied);
                var accounts = await again.Store.ListAccountsAsync(10, null, CancellationToken.None).WaitAsync(Timeout);
                Assert.Single(accounts.Items);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task OperatorKeyRevoked_NextInitializeCreatesAnother()
    {
        string directory = TempStore.NewDirectory();
        try
        {
            var first = await StoreBootstrap.InitializeAsync(directory, null, CancellationToken.None).WaitAsync(Timeout);
            using (first.Store)
            {
                var record = first.OperatorKey!.Record;
                Assert.True(await first.Store.RevokeAsync(record.AccountId, record.Id, CancellationToken.None).WaitAsync(Timeout));
            }

            var second = await StoreBootstrap.InitializeAsync(directory, null, CancellationToken.None).WaitAsync(Timeout);
            using (second.Store)
            {
                Assert.NotNull(second.OperatorKey);
                Assert.NotEqual(first.OperatorKey!.PlaintextKey, second.OperatorKey.PlaintextKey);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Secret_IsStableAcrossLoads()
    {
        string directory = TempStore.NewDirectory();
        try
        {
            byte[] first = ServerSecret.LoadOrCreate(directory, null);
            byte[] second = ServerSecret.LoadOrCreate(directory, null);

            Assert.Equal(first, second);
            Assert.Single(Directory.GetFiles(directory));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void EnvironmentSecret_TakesPrecedenceAndIsChecked()
    {
        string directory = TempStore.NewDirectory();
        byte[] secret = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

        Assert.Equal(secret, ServerSecret.LoadOrCreate(directory, Convert.ToBase64String(secret)));
        Assert.False(Directory.Exists(directory));
        Assert.Throws<InvalidOperationException>(() => ServerSecret.LoadOrCreate(directory, Convert.ToBase64String(new byte[16])));
        Assert.Throws<InvalidOperationException>(() => ServerSecret.LoadOrCreate(directory, "not base64!"));
    }

    [Fact]
    public void TruncatedSecretFile_IsRefused()
    {
        string directory = TempStore.NewDirectory();
        try
        {
            Directory.CreateDirectory(directory);
            File.WriteAllBytes(Path.Combine(directory, ServerSecret.FileName), new byte[5]);

            Assert.Throws<InvalidOperationException>(() => ServerSecret.LoadOrCreate(directory, null));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task OtherSecret_IsRefusedAtOpen()
    {
        using var t = await TempStore.CreateAsync();
        t.Store.Dispose();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            SqliteStore.OpenAsync(t.Directory, KeyHasher.CreateEphemeral(), null, CancellationToken.None).WaitAsync(Timeout));
        Assert.Contains("secret", error.Message, StringComparison.Ordinal);
        await t.ReopenAsync();
    }

    [Fact]
    public void KeysFromDifferentSecrets_HashDifferently()
    {
        string key = ApiKeyFormat.NewKey();
        Assert.NotEqual(KeyHasher.CreateEphemeral().Hash(key), KeyHasher.CreateEphemeral().Hash(key));
    }
}

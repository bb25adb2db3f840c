namespace Candor.UnitTests.Storage;

// The store's contract tests again, on PostgreSQL (CANDOR_TEST_POSTGRES; skipped without it outside CI): every
// behaviour they check through the store's interfaces holds on both engines (docs/storage.md, docs/scale-out.md).

public sealed class PostgresLedgerTests : LedgerTests
{
    private protected override Task<TempStore> CreateStoreAsync() => TempStore.CreatePostgresAsync();
}

public sealed class PostgresKeyStoreTests : KeyStoreTests
{
    private protected override Task<TempStore> CreateStoreAsync() => TempStore.CreatePostgresAsync();
}

public sealed class PostgresChannelStoreTests : ChannelStoreTests
{
    private protected override Task<TempStore> CreateStoreAsync() => TempStore.CreatePostgresAsync();
}

public sealed class PostgresIsolationTests : IsolationTests
{
    private protected override Task<TempStore> CreateStoreAsync() => TempStore.CreatePostgresAsync();
}

public sealed class PostgresInterruptedRecoveryTests : InterruptedRecoveryTests
{
    private protected override Task<TempStore> CreateStoreAsync() => TempStore.CreatePostgresAsync();
}

public sealed class PostgresJointSettlementTests : JointSettlementTests
{
    private protected override Task<TempStore> CreateStoreAsync() => TempStore.CreatePostgresAsync();
}

public sealed class PostgresDurabilityTests : DurabilityTests
{
    private protected override Task<TempStore> CreateStoreAsync() => TempStore.CreatePostgresAsync();
}

public sealed class PostgresPaymentStoreTests : PaymentStoreTests
{
    private protected override Task<TempStore> CreateStoreAsync() => TempStore.CreatePostgresAsync();
}

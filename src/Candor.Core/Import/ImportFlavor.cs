namespace Candor.Core.Import;

/// <summary>The platform a database comes from. Both share one-api's core tables; they differ in channel type
/// numbers and in a few columns (docs/migrate.md).</summary>
internal enum ImportFlavor
{
    /// <summary>songquanpeng/one-api.</summary>
    OneApi,

    /// <summary>QuantumNous/new-api (formerly Calcium-Ion/new-api).</summary>
    NewApi,
}

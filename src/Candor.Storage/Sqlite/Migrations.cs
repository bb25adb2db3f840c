namespace Candor.Storage.Sqlite;

/// <summary>The schema, as ordered migrations. A migration is never edited once released: changes are new
/// migrations appended to the list. The SQL is portable (PostgreSQL accepts it unchanged): TEXT ids,
/// BIGINT money in micro-USD and unix-millisecond timestamps, INTEGER counts and 0/1 flags, no
/// SQLite-only functions or AUTOINCREMENT; the one exception is a migration's <see cref="Migration.SqliteOnly"/> part,
/// for a structure only SQLite keeps. docs/storage.md describes each table.</summary>
internal static class Migrations
{
    /// <param name="Version">The schema version it brings the database to.</param>
    /// <param name="Name">What it does, recorded in <c>schema_migrations</c>.</param>
    /// <param name="Sql">The portable SQL, run on every engine.</param>
    /// <param name="SqliteOnly">Run after <paramref name="Sql"/> on SQLite only, in the same transaction: for a structure
    /// only SQLite keeps (it may use <c>rowid</c>); null for almost every migration.</param>
    public sealed record Migration(int Version, string Name, string Sql, string? SqliteOnly = null);

    public const string CreateVersionTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            name       TEXT    NOT NULL,
            applied_at BIGINT  NOT NULL
        )
        """;

    public const string SelectAppliedVersions = "SELECT version FROM schema_migrations ORDER BY version";

    public const string InsertVersion = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @applied_at)";

    public static IReadOnlyList<Migration> All { get; } =
    [
        new(1, "accounts, members, keys, ledger, usage", """
            CREATE TABLE accounts (
                id             TEXT    PRIMARY KEY,
                name           TEXT    NOT NULL,
                price_group    TEXT    NOT NULL,
                created_at     BIGINT  NOT NULL,
                disabled       INTEGER NOT NULL DEFAULT 0,
                balance_micros BIGINT  NOT NULL DEFAULT 0
            );
            CREATE INDEX ix_accounts_created ON accounts (created_at, id);

            CREATE TABLE account_members (
                account_id TEXT   NOT NULL REFERENCES accounts (id),
                principal  TEXT   NOT NULL,
                role       TEXT   NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (account_id, principal)
            );
            CREATE INDEX ix_account_members_principal ON account_members (principal);

            CREATE TABLE store_meta (
                name  TEXT PRIMARY KEY,
                value TEXT NOT NULL
            );

            CREATE TABLE counters (
                name  TEXT   PRIMARY KEY,
                value BIGINT NOT NULL
            );
            INSERT INTO counters (name, value) VALUES ('api_keys_version', 0);

            CREATE TABLE api_keys (
                id                TEXT    PRIMARY KEY,
                account_id        TEXT    NOT NULL REFERENCES accounts (id),
                name              TEXT    NOT NULL,
                display_prefix    TEXT    NOT NULL,
                key_hash          TEXT    NOT NULL UNIQUE,
                created_at        BIGINT  NOT NULL,
                expires_at        BIGINT,
                revoked_at        BIGINT,
                allowed_models    TEXT    NOT NULL,
                allowed_cidrs     TEXT    NOT NULL,
                budget_micros     BIGINT,
                rpm_limit         INTEGER,
                tpm_limit         INTEGER,
                concurrency_limit INTEGER,
                is_operator       INTEGER NOT NULL DEFAULT 0,
                spent_micros      BIGINT  NOT NULL DEFAULT 0,
                version           BIGINT  NOT NULL
            );
            CREATE INDEX ix_api_keys_account ON api_keys (account_id, created_at);
            CREATE INDEX ix_api_keys_version ON api_keys (version);

            CREATE TABLE ledger_entries (
                id            TEXT   PRIMARY KEY,
                account_id    TEXT   NOT NULL REFERENCES accounts (id),
                key_id        TEXT,
                request_id    TEXT,
                kind          TEXT   NOT NULL,
                amount_micros BIGINT NOT NULL,
                created_at    BIGINT NOT NULL,
                note          TEXT   NOT NULL
            );
            CREATE INDEX ix_ledger_entries_account ON ledger_entries (account_id, created_at, id);
            CREATE INDEX ix_ledger_entries_request ON ledger_entries (request_id);

            CREATE TABLE usage_records (
                request_id                  TEXT    PRIMARY KEY,
                account_id                  TEXT    NOT NULL REFERENCES accounts (id),
                key_id                      TEXT    NOT NULL,
                created_at                  BIGINT  NOT NULL,
                surface                     TEXT    NOT NULL,
                requested_model             TEXT    NOT NULL,
                upstream_model              TEXT    NOT NULL,
                reported_model              TEXT,
                channel_id                  TEXT,
                outcome                     TEXT    NOT NULL,
                reported_input_tokens       INTEGER,
                reported_output_tokens      INTEGER,
                reported_cached_input_tokens INTEGER,
                reported_cache_write_tokens INTEGER,
                reported_reasoning_tokens   INTEGER,
                reported_total_tokens       INTEGER,
                counted_input_tokens        INTEGER,
                counted_output_tokens       INTEGER,
                billed_source               TEXT    NOT NULL,
                charge_micros               BIGINT  NOT NULL,
                duration_ms                 BIGINT  NOT NULL
            );
            CREATE INDEX ix_usage_records_account ON usage_records (account_id, created_at, request_id);
            CREATE INDEX ix_usage_records_key ON usage_records (key_id, created_at)
            """),
        new(2, "price overrides, group multipliers", """
            CREATE TABLE price_overrides (
                model              TEXT   NOT NULL,
                channel            TEXT   NOT NULL,
                input_micros       BIGINT,
                output_micros      BIGINT,
                cached_input_micros BIGINT,
                cache_write_micros BIGINT,
                reasoning_micros   BIGINT,
                per_request_micros BIGINT,
                updated_at         BIGINT NOT NULL,
                PRIMARY KEY (model, channel)
            );

            CREATE TABLE group_multipliers (
                price_group       TEXT   PRIMARY KEY,
                parts_per_million BIGINT NOT NULL,
                updated_at        BIGINT NOT NULL
            );

            INSERT INTO counters (name, value) VALUES ('prices_version', 0)
            """),
        new(3, "stored channels and deployments", """
            CREATE TABLE channels (
                id                    TEXT    PRIMARY KEY,
                provider              TEXT    NOT NULL,
                base_url              TEXT    NOT NULL,
                region                TEXT    NOT NULL,
                retention             TEXT    NOT NULL,
                training              TEXT    NOT NULL,
                api_version           TEXT,
                headers               TEXT    NOT NULL,
                connect_timeout_ms    BIGINT  NOT NULL,
                first_byte_timeout_ms BIGINT  NOT NULL,
                idle_timeout_ms       BIGINT  NOT NULL,
                disabled              INTEGER NOT NULL DEFAULT 0,
                disabled_reason       TEXT,
                credential            TEXT,
                credential_key_id     BIGINT,
                created_at            BIGINT  NOT NULL,
                updated_at            BIGINT  NOT NULL
            );

            CREATE TABLE channel_deployments (
                id             TEXT    PRIMARY KEY,
                model          TEXT    NOT NULL,
                channel_id     TEXT    NOT NULL,
                upstream_model TEXT    NOT NULL,
                priority       INTEGER NOT NULL,
                weight         INTEGER NOT NULL,
                created_at     BIGINT  NOT NULL
            );
            CREATE INDEX ix_channel_deployments_model ON channel_deployments (model, priority, created_at, id);
            CREATE INDEX ix_channel_deployments_channel ON channel_deployments (channel_id);

            INSERT INTO counters (name, value) VALUES ('channels_version', 0)
            """),
        new(4, "privacy policies, encrypted opt-in history", """
            CREATE TABLE privacy_policies (
                subject_kind           TEXT    NOT NULL,
                subject_id             TEXT    NOT NULL,
                regions                TEXT,
                zero_retention         INTEGER NOT NULL,
                never_train            INTEGER NOT NULL,
                history_enabled        INTEGER NOT NULL DEFAULT 0,
                history_retention_days INTEGER,
                updated_at             BIGINT  NOT NULL,
                PRIMARY KEY (subject_kind, subject_id)
            );

            CREATE TABLE history_keys (
                id         TEXT   PRIMARY KEY,
                account_id TEXT   NOT NULL UNIQUE REFERENCES accounts (id),
                sealed_key TEXT   NOT NULL,
                created_at BIGINT NOT NULL
            );

            CREATE TABLE history_entries (
                id          TEXT   PRIMARY KEY,
                account_id  TEXT   NOT NULL REFERENCES accounts (id),
                data_key_id TEXT   NOT NULL,
                request_id  TEXT   NOT NULL,
                created_at  BIGINT NOT NULL,
                expires_at  BIGINT NOT NULL,
                sealed      TEXT   NOT NULL
            );
            CREATE INDEX ix_history_entries_account ON history_entries (account_id, created_at);
            CREATE INDEX ix_history_entries_expiry ON history_entries (expires_at)
            """),
        new(5, "receipts", """
            CREATE TABLE receipts (
                id         TEXT   PRIMARY KEY,
                owner_id   TEXT   NOT NULL,
                account_id TEXT,
                created_at BIGINT NOT NULL,
                body       BYTEA  NOT NULL,
                leaf_index BIGINT
            );
            CREATE INDEX ix_receipts_unlogged ON receipts (leaf_index, created_at)
            """),
        new(6, "stored redaction policies", """
            ALTER TABLE privacy_policies ADD COLUMN redaction TEXT
            """),
        new(7, "audit quarantines", """
            CREATE TABLE audit_quarantines (
                channel_id TEXT   PRIMARY KEY,
                reason     TEXT   NOT NULL,
                test       TEXT   NOT NULL,
                since      BIGINT NOT NULL
            )
            """),
        new(8, "admitted requests (crash recovery)", """
            CREATE TABLE admitted_requests (
                request_id           TEXT    PRIMARY KEY,
                account_id           TEXT    NOT NULL,
                key_id               TEXT    NOT NULL,
                created_at           BIGINT  NOT NULL,
                surface              TEXT    NOT NULL,
                requested_model      TEXT    NOT NULL,
                upstream_model       TEXT    NOT NULL,
                counted_input_tokens INTEGER NOT NULL
            )
            """),
        new(9, "admitted requests carry their receipt (crash recovery)", """
            ALTER TABLE admitted_requests ADD COLUMN receipt_id TEXT;
            ALTER TABLE admitted_requests ADD COLUMN receipt_owner TEXT;
            ALTER TABLE admitted_requests ADD COLUMN receipt_key TEXT;
            ALTER TABLE admitted_requests ADD COLUMN receipt_kind TEXT;
            ALTER TABLE admitted_requests ADD COLUMN request_sha256 TEXT;
            ALTER TABLE admitted_requests ADD COLUMN request_bytes INTEGER
            """),
        new(10, "redemption codes and the import record", """
            CREATE TABLE redemption_codes (
                id            TEXT   PRIMARY KEY,
                batch_id      TEXT   NOT NULL,
                code_hash     TEXT   NOT NULL UNIQUE,
                amount_micros BIGINT NOT NULL,
                price_group   TEXT,
                account_id    TEXT,
                expires_at    BIGINT,
                note          TEXT   NOT NULL,
                created_at    BIGINT NOT NULL,
                redeemed_at   BIGINT,
                redeemed_by   TEXT,
                ledger_id     TEXT
            );
            CREATE INDEX ix_redemption_codes_batch ON redemption_codes (batch_id, created_at, id);

            CREATE TABLE import_sources (
                source      TEXT   NOT NULL,
                kind        TEXT   NOT NULL,
                source_id   TEXT   NOT NULL,
                candor_id   TEXT   NOT NULL,
                imported_at BIGINT NOT NULL,
                PRIMARY KEY (source, kind, source_id)
            )
            """),
        new(11, "web console logins, sessions and invitations", """
            CREATE TABLE console_logins (
                principal     TEXT    PRIMARY KEY,
                password_hash TEXT    NOT NULL,
                is_operator   INTEGER NOT NULL DEFAULT 0,
                created_at    BIGINT  NOT NULL,
                updated_at    BIGINT  NOT NULL
            );
            CREATE TABLE console_sessions (
                token_hash TEXT   PRIMARY KEY,
                principal  TEXT   NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL
            );
            CREATE INDEX ix_console_sessions_principal ON console_sessions (principal);
            CREATE INDEX ix_console_sessions_expires ON console_sessions (expires_at);
            CREATE TABLE console_invitations (
                token_hash  TEXT    PRIMARY KEY,
                principal   TEXT    NOT NULL,
                is_operator INTEGER NOT NULL DEFAULT 0,
                created_at  BIGINT  NOT NULL,
                expires_at  BIGINT  NOT NULL
            )
            """),
        new(12, "payments and the provider events applied to them", """
            CREATE TABLE payments (
                id               TEXT   PRIMARY KEY,
                provider         TEXT   NOT NULL,
                account_id       TEXT   NOT NULL REFERENCES accounts (id),
                amount_micros    BIGINT NOT NULL,
                status           TEXT   NOT NULL,
                session_id       TEXT,
                payment_ref      TEXT,
                created_at       BIGINT NOT NULL,
                paid_at          BIGINT,
                ledger_id        TEXT,
                refunded_micros  BIGINT NOT NULL DEFAULT 0,
                UNIQUE (provider, session_id)
            );
            CREATE INDEX ix_payments_account ON payments (account_id, created_at);
            CREATE INDEX ix_payments_ref ON payments (provider, payment_ref);

            CREATE TABLE payment_events (
                provider    TEXT   NOT NULL,
                event_id    TEXT   NOT NULL,
                type        TEXT   NOT NULL,
                outcome     TEXT   NOT NULL,
                payment_id  TEXT,
                received_at BIGINT NOT NULL,
                PRIMARY KEY (provider, event_id)
            )
            """),
        new(13, "money reserved in the store, admissions owned by nodes, node leases", """
            ALTER TABLE accounts ADD COLUMN reserved_micros BIGINT NOT NULL DEFAULT 0;
            ALTER TABLE api_keys ADD COLUMN reserved_micros BIGINT NOT NULL DEFAULT 0;
            ALTER TABLE admitted_requests ADD COLUMN node_id TEXT;
            ALTER TABLE admitted_requests ADD COLUMN reserved_micros BIGINT NOT NULL DEFAULT 0;
            ALTER TABLE admitted_requests ADD COLUMN recovered INTEGER NOT NULL DEFAULT 0;
            CREATE TABLE cluster_nodes (
                node_id    TEXT   PRIMARY KEY,
                started_at BIGINT NOT NULL,
                seen_at    BIGINT NOT NULL
            )
            """),
        new(14, "versions of privacy policies and quarantines (change notifications)", """
            INSERT INTO counters (name, value) VALUES ('privacy_version', 0);
            INSERT INTO counters (name, value) VALUES ('quarantines_version', 0)
            """),
        new(15, "shared transparency log (several nodes, one log)", """
            CREATE TABLE log_head (
                id          INTEGER PRIMARY KEY,
                size        BIGINT  NOT NULL,
                checkpoint  BYTEA   NOT NULL,
                log_key     TEXT    NOT NULL,
                receipt_key TEXT    NOT NULL,
                leader      TEXT    NOT NULL,
                updated_at  BIGINT  NOT NULL
            );
            CREATE TABLE log_tiles (
                path         TEXT   PRIMARY KEY,
                data         BYTEA  NOT NULL,
                written_size BIGINT NOT NULL
            );
            CREATE TABLE log_queue (
                id         TEXT   PRIMARY KEY,
                queued_at  BIGINT NOT NULL,
                entry      BYTEA  NOT NULL,
                leaf_index BIGINT
            );
            CREATE INDEX ix_log_queue_unlogged ON log_queue (leaf_index, queued_at, id)
            """),
        new(16, "console: key owners and usage by time", """
            CREATE TABLE console_key_owners (
                key_id     TEXT   PRIMARY KEY,
                account_id TEXT   NOT NULL,
                principal  TEXT   NOT NULL,
                created_at BIGINT NOT NULL
            );
            CREATE INDEX ix_console_key_owners_principal ON console_key_owners (account_id, principal);
            CREATE INDEX ix_usage_records_created ON usage_records (created_at)
            """),
        new(17, "console sign-up, initial grants, TOTP second factor", """
            CREATE TABLE console_signups (
                token_hash  TEXT   PRIMARY KEY,
                email       TEXT   NOT NULL,
                domain      TEXT   NOT NULL,
                address     TEXT   NOT NULL,
                created_at  BIGINT NOT NULL,
                expires_at  BIGINT NOT NULL,
                verified_at BIGINT
            );
            CREATE INDEX ix_console_signups_address ON console_signups (address, created_at);
            CREATE INDEX ix_console_signups_domain ON console_signups (domain, created_at);
            CREATE TABLE signup_grants (
                account_id TEXT   PRIMARY KEY,
                principal  TEXT   NOT NULL,
                ledger_id  TEXT   NOT NULL,
                created_at BIGINT NOT NULL
            );
            CREATE TABLE console_totp (
                principal     TEXT    PRIMARY KEY,
                secret        TEXT    NOT NULL,
                secret_key_id BIGINT  NOT NULL,
                enabled       INTEGER NOT NULL DEFAULT 0,
                last_step     BIGINT  NOT NULL DEFAULT 0,
                created_at    BIGINT  NOT NULL
            );
            CREATE TABLE console_recovery_codes (
                principal TEXT NOT NULL,
                code_hash TEXT NOT NULL,
                PRIMARY KEY (principal, code_hash)
            );
            CREATE TABLE console_challenges (
                token_hash TEXT    PRIMARY KEY,
                principal  TEXT    NOT NULL,
                expires_at BIGINT  NOT NULL,
                failures   INTEGER NOT NULL DEFAULT 0
            );
            ALTER TABLE console_invitations ADD COLUMN account_id TEXT;
            ALTER TABLE console_invitations ADD COLUMN role TEXT
            """),
        new(18, "audit evidence across restarts", """
            CREATE TABLE audit_evidence (
                target       TEXT   PRIMARY KEY,
                channel_id   TEXT   NOT NULL,
                round_number BIGINT NOT NULL,
                suspects     TEXT   NOT NULL,
                evidence     TEXT   NOT NULL,
                updated_at   BIGINT NOT NULL
            );
            CREATE INDEX ix_audit_evidence_channel ON audit_evidence (channel_id)
            """),
        new(19, "console sign-in attempt counters shared by every node", """
            CREATE TABLE console_attempts (
                name         TEXT    PRIMARY KEY,
                window_start BIGINT  NOT NULL,
                failures     INTEGER NOT NULL
            );
            CREATE INDEX ix_console_attempts_window ON console_attempts (window_start)
            """),
        new(20, "process instance of a node's lease (persistent node ids)", """
            ALTER TABLE cluster_nodes ADD COLUMN instance TEXT NOT NULL DEFAULT ''
            """),
        // Every query on a key's usage also names its account and is served by ix_usage_records_account, which gives the
        // pages' order too (UsageSql.SelectPageOfKey, UsageReportsSql.SelectPage; MigrationTests checks the plan): this
        // index was only written, a B-tree page per group commit (docs/storage.md).
        new(21, "drop the usage-by-key index no query uses", """
            DROP INDEX IF EXISTS ix_usage_records_key
            """),
        // Each counter's own window end: counters of different windows share the table, and a prune by one call's
        // window deleted longer windows still running. Rows of before take their window from their name (checkouts:
        // 1 h; sign-in and redemption counters: 15 min).
        new(22, "attempt counters store their window's end", """
            ALTER TABLE console_attempts ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
            UPDATE console_attempts SET expires_at = window_start + CASE WHEN name LIKE 'checkout%' THEN 3600000 ELSE 900000 END;
            DROP INDEX ix_console_attempts_window;
            CREATE INDEX ix_console_attempts_expiry ON console_attempts (expires_at)
            """),
        // SQLite records a receipt's transparency-log index by appending a narrow row to receipt_leaves rather than
        // rewriting the receipt's row (about 2.2 KB) and moving its entry in ix_receipts_unlogged; the receipts not yet
        // logged are those stored after the watermark (logged_through: on the last row of each batch, the receipt up to
        // which, in the order receipts were stored, every one is logged or listed in receipt_log_holes) without a row in
        // receipt_leaves, and those listed in receipt_log_holes (stored, never queued for the log, passed by the
        // watermark). The indexes of before move to receipt_leaves with the watermark, and the index on every receipt row
        // goes. PostgreSQL keeps receipts.leaf_index and its index (its shared log sequences the receipts in place); rows a
        // copy from SQLite brings are folded into it at open (PostgresDatabase.AfterMigrations). docs/storage.md,
        // docs/benchmarks.md "Receipts' log indexes in a table of their own".
        new(23, "receipts' log indexes in a table of their own (SQLite)", """
            CREATE TABLE receipt_leaves (
                receipt_id     TEXT   PRIMARY KEY,
                leaf_index     BIGINT NOT NULL,
                logged_through TEXT
            );
            CREATE TABLE receipt_log_holes (
                receipt_id TEXT PRIMARY KEY
            )
            """, SqliteOnly: """
            INSERT INTO receipt_leaves (receipt_id, leaf_index, logged_through)
                SELECT id, leaf_index, NULL FROM receipts WHERE leaf_index IS NOT NULL ORDER BY leaf_index;
            UPDATE receipt_leaves SET logged_through = CASE
                    WHEN EXISTS (SELECT 1 FROM receipts WHERE leaf_index IS NULL)
                    THEN (SELECT id FROM receipts WHERE rowid < (SELECT MIN(rowid) FROM receipts WHERE leaf_index IS NULL) ORDER BY rowid DESC LIMIT 1)
                    ELSE (SELECT id FROM receipts ORDER BY rowid DESC LIMIT 1)
                END
                WHERE rowid = (SELECT MAX(rowid) FROM receipt_leaves);
            DROP INDEX IF EXISTS ix_receipts_unlogged
            """),
    ];
}

using System.Text;

namespace Candor.Server.Admin;

/// <summary>The admin API's OpenAPI 3.1 document, served at <c>GET /admin/v1/openapi.json</c>. It is written by
/// hand next to the routes it describes (the handlers write JSON with Utf8JsonWriter, which no generator can see);
/// a functional test checks that every mapped admin route appears in it.</summary>
internal static class AdminOpenApi
{
    private static readonly byte[] Document = Encoding.UTF8.GetBytes(Json);

    public static async Task WriteAsync(HttpContext http)
    {
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(Document, http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The document text.</summary>
    public const string Json = """
        {
          "openapi": "3.1.0",
          "info": {
            "title": "Candor admin API",
            "version": "1.0.0",
            "description": "Accounts, members, keys, balances, top-ups and usage. Every route requires a platform operator key as 'Authorization: Bearer <key>'. Money is integer micro-USD (1 USD = 1000000); timestamps are ISO-8601 UTC."
          },
          "servers": [{ "url": "/admin/v1" }],
          "security": [{ "operatorKey": [] }],
          "paths": {
            "/openapi.json": {
              "get": { "operationId": "getOpenApi", "summary": "This document.", "responses": { "200": { "description": "The OpenAPI document.", "content": { "application/json": { "schema": { "type": "object" } } } }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" } } }
            },
            "/accounts": {
              "post": {
                "operationId": "createAccount", "summary": "Create an account.",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AccountCreate" } } } },
                "responses": { "201": { "description": "The new account.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Account" } } } }, "400": { "$ref": "#/components/responses/BadRequest" }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" } }
              },
              "get": {
                "operationId": "listAccounts", "summary": "List accounts, newest first.",
                "parameters": [{ "$ref": "#/components/parameters/limit" }, { "$ref": "#/components/parameters/cursor" }],
                "responses": { "200": { "description": "A page of accounts.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AccountPage" } } } }, "400": { "$ref": "#/components/responses/BadRequest" }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" } }
              }
            },
            "/accounts/{accountId}": {
              "parameters": [{ "$ref": "#/components/parameters/accountId" }],
              "get": {
                "operationId": "getAccount", "summary": "Get an account.",
                "responses": { "200": { "description": "The account.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Account" } } } }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              },
              "patch": {
                "operationId": "updateAccount", "summary": "Change an account's name, group or disabled flag (absent fields are kept).",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AccountUpdate" } } } },
                "responses": { "200": { "description": "The updated account.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Account" } } } }, "400": { "$ref": "#/components/responses/BadRequest" }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              }
            },
            "/accounts/{accountId}/members": {
              "parameters": [{ "$ref": "#/components/parameters/accountId" }],
              "get": {
                "operationId": "listMembers", "summary": "List an account's members, ordered by principal.",
                "responses": { "200": { "description": "The members.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/MemberList" } } } }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              }
            },
            "/accounts/{accountId}/members/{principal}": {
              "parameters": [{ "$ref": "#/components/parameters/accountId" }, { "$ref": "#/components/parameters/principal" }],
              "put": {
                "operationId": "putMember", "summary": "Add a member or change its role.",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/MemberPut" } } } },
                "responses": { "200": { "description": "The member.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Member" } } } }, "400": { "$ref": "#/components/responses/BadRequest" }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              },
              "delete": {
                "operationId": "deleteMember", "summary": "Remove a member.",
                "responses": { "204": { "description": "Removed." }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              }
            },
            "/accounts/{accountId}/keys": {
              "parameters": [{ "$ref": "#/components/parameters/accountId" }],
              "post": {
                "operationId": "createKey", "summary": "Create a key. The plaintext key is in this response only.",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/KeyCreate" } } } },
                "responses": { "201": { "description": "The new key with its plaintext.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CreatedKey" } } } }, "400": { "$ref": "#/components/responses/BadRequest" }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              },
              "get": {
                "operationId": "listKeys", "summary": "List an account's keys (revoked included), newest first.",
                "responses": { "200": { "description": "The keys.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/KeyList" } } } }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              }
            },
            "/accounts/{accountId}/keys/{keyId}": {
              "parameters": [{ "$ref": "#/components/parameters/accountId" }, { "$ref": "#/components/parameters/keyId" }],
              "get": {
                "operationId": "getKey", "summary": "Get a key, with what it has spent.",
                "responses": { "200": { "description": "The key.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/KeyWithSpend" } } } }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              },
              "patch": {
                "operationId": "updateKeyLimits", "summary": "Change a key's limits: absent fields are kept, null clears a limit.",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/KeyLimits" } } } },
                "responses": { "200": { "description": "The updated key.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Key" } } } }, "400": { "$ref": "#/components/responses/BadRequest" }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              }
            },
            "/accounts/{accountId}/keys/{keyId}/revoke": {
              "parameters": [{ "$ref": "#/components/parameters/accountId" }, { "$ref": "#/components/parameters/keyId" }],
              "post": {
                "operationId": "revokeKey", "summary": "Revoke a key; it is refused from the next request on.",
                "responses": { "200": { "description": "The revoked key.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Key" } } } }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              }
            },
            "/accounts/{accountId}/balance": {
              "parameters": [{ "$ref": "#/components/parameters/accountId" }],
              "get": {
                "operationId": "getBalance", "summary": "Get an account's balance.",
                "responses": { "200": { "description": "The balance.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Balance" } } } }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              }
            },
            "/accounts/{accountId}/top-ups": {
              "parameters": [{ "$ref": "#/components/parameters/accountId" }],
              "post": {
                "operationId": "topUp", "summary": "Add money to an account: exactly one of amount_micros and amount_usd.",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TopUpRequest" } } } },
                "responses": { "201": { "description": "The ledger entry and the new balance.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TopUpResult" } } } }, "400": { "$ref": "#/components/responses/BadRequest" }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              }
            },
            "/accounts/{accountId}/ledger": {
              "parameters": [{ "$ref": "#/components/parameters/accountId" }],
              "get": {
                "operationId": "listLedger", "summary": "List an account's ledger entries, newest first.",
                "parameters": [{ "$ref": "#/components/parameters/limit" }, { "$ref": "#/components/parameters/cursor" }],
                "responses": { "200": { "description": "A page of entries.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/LedgerPage" } } } }, "400": { "$ref": "#/components/responses/BadRequest" }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              }
            },
            "/accounts/{accountId}/usage": {
              "parameters": [{ "$ref": "#/components/parameters/accountId" }],
              "get": {
                "operationId": "listUsage", "summary": "List an account's usage records, newest first.",
                "parameters": [{ "$ref": "#/components/parameters/limit" }, { "$ref": "#/components/parameters/cursor" }, { "name": "key_id", "in": "query", "required": false, "description": "Only this key's records.", "schema": { "type": "string" } }],
                "responses": { "200": { "description": "A page of usage records.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/UsagePage" } } } }, "400": { "$ref": "#/components/responses/BadRequest" }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              }
            },
            "/accounts/{accountId}/usage/{requestId}": {
              "parameters": [{ "$ref": "#/components/parameters/accountId" }, { "name": "requestId", "in": "path", "required": true, "description": "Candor's request id.", "schema": { "type": "string" } }],
              "get": {
                "operationId": "getUsage", "summary": "Get the usage record of one request.",
                "responses": { "200": { "description": "The usage record.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Usage" } } } }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              }
            },
            "/audit": {
              "get": {
                "operationId": "getAudit", "summary": "Audit settings, targets, quarantined channels with their reasons, the alert count and recent verdicts (docs/audits.md).",
                "parameters": [{ "name": "limit", "in": "query", "required": false, "description": "Verdicts to return (1-1000, default 100).", "schema": { "type": "integer" } }],
                "responses": { "200": { "description": "The audit state.", "content": { "application/json": { "schema": { "type": "object", "properties": { "enabled": { "type": "boolean" }, "interval_seconds": { "type": "integer" }, "alpha": { "type": "number" }, "alerts": { "type": "integer" }, "targets": { "type": "array", "items": { "type": "object" } }, "quarantined": { "type": "array", "items": { "type": "object", "properties": { "channel": { "type": "string" }, "test": { "type": "string" }, "reason": { "type": "string" }, "since": { "type": "string", "format": "date-time" } } } }, "verdicts": { "type": "array", "items": { "type": "object" } } } } } } }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" } }
              }
            },
            "/audit/quarantine/{channel}": {
              "parameters": [{ "name": "channel", "in": "path", "required": true, "description": "The quarantined channel's id.", "schema": { "type": "string" } }],
              "delete": {
                "operationId": "releaseQuarantine", "summary": "Lift a channel's audit quarantine.",
                "responses": { "204": { "description": "Lifted." }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              }
            }
          },
          "components": {
            "securitySchemes": {
              "operatorKey": { "type": "http", "scheme": "bearer", "description": "A platform operator key (sk-cd-…), printed once by 'candor init'." }
            },
            "parameters": {
              "accountId": { "name": "accountId", "in": "path", "required": true, "description": "The account id (acct_…).", "schema": { "type": "string" } },
              "keyId": { "name": "keyId", "in": "path", "required": true, "description": "The key id (key_…).", "schema": { "type": "string" } },
              "principal": { "name": "principal", "in": "path", "required": true, "description": "A user id or email (URL-encoded).", "schema": { "type": "string" } },
              "limit": { "name": "limit", "in": "query", "required": false, "description": "Page size, 1 to 100 (default 50).", "schema": { "type": "integer", "minimum": 1, "maximum": 100, "default": 50 } },
              "cursor": { "name": "cursor", "in": "query", "required": false, "description": "The next_cursor of the previous page.", "schema": { "type": "string" } }
            },
            "responses": {
              "BadRequest": { "description": "The request is invalid; error.param names the field.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
              "Unauthorized": { "description": "No key, or not a live key.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
              "Forbidden": { "description": "A live key that is not an operator's.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
              "NotFound": { "description": "No such resource.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
            },
            "schemas": {
              "Error": {
                "type": "object", "required": ["error"],
                "properties": { "error": { "type": "object", "required": ["type", "message"], "properties": {
                  "type": { "type": "string", "enum": ["invalid_request_error", "authentication_error", "permission_error", "not_found_error"] },
                  "message": { "type": "string" },
                  "param": { "type": "string", "description": "The offending field, for 400s." } } } }
              },
              "Timestamp": { "type": "string", "format": "date-time", "description": "ISO-8601, UTC." },
              "Micros": { "type": "integer", "format": "int64", "description": "Micro-USD (1 USD = 1000000)." },
              "Account": {
                "type": "object", "required": ["id", "name", "group", "disabled", "balance_micros", "created_at"],
                "properties": {
                  "id": { "type": "string" }, "name": { "type": "string" }, "group": { "type": "string" }, "disabled": { "type": "boolean" },
                  "balance_micros": { "$ref": "#/components/schemas/Micros" }, "created_at": { "$ref": "#/components/schemas/Timestamp" } }
              },
              "AccountCreate": {
                "type": "object", "required": ["name"], "additionalProperties": false,
                "properties": { "name": { "type": "string", "minLength": 1 }, "group": { "type": "string", "minLength": 1, "default": "default" } }
              },
              "AccountUpdate": {
                "type": "object", "additionalProperties": false,
                "properties": { "name": { "type": "string", "minLength": 1 }, "group": { "type": "string", "minLength": 1 }, "disabled": { "type": "boolean" } }
              },
              "AccountPage": {
                "type": "object", "required": ["data", "has_more"],
                "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/Account" } }, "has_more": { "type": "boolean" }, "next_cursor": { "type": "string" } }
              },
              "Member": {
                "type": "object", "required": ["account", "principal", "role"],
                "properties": { "account": { "type": "string" }, "principal": { "type": "string" }, "role": { "$ref": "#/components/schemas/Role" } }
              },
              "Role": { "type": "string", "enum": ["owner", "admin", "member", "viewer"] },
              "MemberPut": { "type": "object", "required": ["role"], "additionalProperties": false, "properties": { "role": { "$ref": "#/components/schemas/Role" } } },
              "MemberList": { "type": "object", "required": ["data"], "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/Member" } } } },
              "KeyLimits": {
                "type": "object", "additionalProperties": false,
                "properties": {
                  "expires_at": { "type": ["string", "null"], "format": "date-time" },
                  "allowed_models": { "type": ["array", "null"], "items": { "type": "string" }, "description": "Public model names; empty or null = all." },
                  "allowed_cidrs": { "type": ["array", "null"], "items": { "type": "string" }, "description": "CIDR ranges without host bits; empty or null = any." },
                  "budget_micros": { "type": ["integer", "null"], "format": "int64", "minimum": 0, "description": "Lifetime spend limit in micro-USD." },
                  "rpm_limit": { "type": ["integer", "null"], "format": "int32", "minimum": 0 },
                  "tpm_limit": { "type": ["integer", "null"], "format": "int32", "minimum": 0 },
                  "concurrency_limit": { "type": ["integer", "null"], "format": "int32", "minimum": 0 } }
              },
              "KeyCreate": {
                "allOf": [{ "$ref": "#/components/schemas/KeyLimits" }],
                "type": "object", "required": ["name"],
                "properties": { "name": { "type": "string", "minLength": 1 } }
              },
              "Key": {
                "type": "object", "required": ["id", "account", "name", "prefix", "operator", "created_at", "allowed_models", "allowed_cidrs"],
                "properties": {
                  "id": { "type": "string" }, "account": { "type": "string" }, "name": { "type": "string" },
                  "prefix": { "type": "string", "description": "The first 12 characters of the key." },
                  "operator": { "type": "boolean" },
                  "created_at": { "$ref": "#/components/schemas/Timestamp" }, "expires_at": { "$ref": "#/components/schemas/Timestamp" }, "revoked_at": { "$ref": "#/components/schemas/Timestamp" },
                  "allowed_models": { "type": "array", "items": { "type": "string" } }, "allowed_cidrs": { "type": "array", "items": { "type": "string" } },
                  "budget_micros": { "$ref": "#/components/schemas/Micros" },
                  "rpm_limit": { "type": "integer" }, "tpm_limit": { "type": "integer" }, "concurrency_limit": { "type": "integer" } }
              },
              "KeyWithSpend": {
                "allOf": [{ "$ref": "#/components/schemas/Key" }, { "type": "object", "required": ["spent_micros"], "properties": { "spent_micros": { "$ref": "#/components/schemas/Micros" } } }]
              },
              "CreatedKey": {
                "allOf": [{ "$ref": "#/components/schemas/Key" }, { "type": "object", "required": ["key", "note"], "properties": {
                  "key": { "type": "string", "description": "The plaintext key; shown in this response only." }, "note": { "type": "string" } } }]
              },
              "KeyList": { "type": "object", "required": ["data"], "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/Key" } } } },
              "Balance": {
                "type": "object", "required": ["account", "balance_micros"],
                "properties": { "account": { "type": "string" }, "balance_micros": { "$ref": "#/components/schemas/Micros" } }
              },
              "TopUpRequest": {
                "type": "object", "additionalProperties": false,
                "properties": {
                  "amount_micros": { "type": "integer", "format": "int64", "minimum": 1, "description": "Exact amount in micro-USD." },
                  "amount_usd": { "type": "string", "pattern": "^[0-9]*\\.?[0-9]{0,6}$", "description": "Decimal USD, at most six decimals, e.g. \"12.50\"." },
                  "note": { "type": "string" } },
                "oneOf": [{ "required": ["amount_micros"] }, { "required": ["amount_usd"] }]
              },
              "TopUpResult": {
                "type": "object", "required": ["ledger_entry", "account", "amount_micros", "balance_micros"],
                "properties": { "ledger_entry": { "type": "string" }, "account": { "type": "string" }, "amount_micros": { "$ref": "#/components/schemas/Micros" }, "balance_micros": { "$ref": "#/components/schemas/Micros" } }
              },
              "LedgerEntry": {
                "type": "object", "required": ["id", "account", "kind", "amount_micros", "note", "created_at"],
                "properties": {
                  "id": { "type": "string" }, "account": { "type": "string" },
                  "kind": { "type": "string", "enum": ["top_up", "charge", "refund", "adjustment"] },
                  "amount_micros": { "$ref": "#/components/schemas/Micros" },
                  "key_id": { "type": "string" }, "request_id": { "type": "string" }, "note": { "type": "string" },
                  "created_at": { "$ref": "#/components/schemas/Timestamp" } }
              },
              "LedgerPage": {
                "type": "object", "required": ["data", "has_more"],
                "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/LedgerEntry" } }, "has_more": { "type": "boolean" }, "next_cursor": { "type": "string" } }
              },
              "Usage": {
                "type": "object",
                "required": ["request_id", "account", "key_id", "created_at", "surface", "requested_model", "upstream_model", "outcome", "billed_source", "charge_micros", "duration_ms"],
                "properties": {
                  "request_id": { "type": "string" }, "account": { "type": "string" }, "key_id": { "type": "string" },
                  "created_at": { "$ref": "#/components/schemas/Timestamp" },
                  "surface": { "type": "string", "enum": ["openai", "anthropic", "gemini"] },
                  "requested_model": { "type": "string" }, "upstream_model": { "type": "string" }, "reported_model": { "type": "string" }, "channel": { "type": "string" },
                  "outcome": { "type": "string", "enum": ["complete", "partial", "failed", "cancelled"] },
                  "reported_input_tokens": { "type": "integer" }, "reported_output_tokens": { "type": "integer" },
                  "reported_cached_input_tokens": { "type": "integer" }, "reported_cache_write_tokens": { "type": "integer" },
                  "reported_reasoning_tokens": { "type": "integer" }, "reported_total_tokens": { "type": "integer" },
                  "counted_input_tokens": { "type": "integer" }, "counted_output_tokens": { "type": "integer" },
                  "billed_source": { "type": "string", "enum": ["upstream", "candor", "none"] },
                  "charge_micros": { "$ref": "#/components/schemas/Micros" }, "duration_ms": { "type": "integer", "format": "int64" } }
              },
              "UsagePage": {
                "type": "object", "required": ["data", "has_more"],
                "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/Usage" } }, "has_more": { "type": "boolean" }, "next_cursor": { "type": "string" } }
              }
            }
          }
        }
        """;
}

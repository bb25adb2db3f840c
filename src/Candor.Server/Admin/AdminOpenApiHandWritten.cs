namespace Candor.Server.Admin;

/// <summary>The hand-written OpenAPI operations of the admin routes that declare no metadata yet; <see cref="AdminOpenApi"/>
/// takes an undeclared route's operation (and the components it references) from here. Deleted once every route
/// declares its own.</summary>
internal static class AdminOpenApiHandWritten
{
    /// <summary>The document text.</summary>
    public const string Json = """
        {
          "openapi": "3.1.0",
          "info": {
            "title": "Candor admin API",
            "version": "1.0.0",
            "description": "Accounts, members, keys, balances, top-ups, usage, prices, channels, deployments and privacy policies. Every route requires a platform operator key as 'Authorization: Bearer <key>'. Money is integer micro-USD (1 USD = 1000000); timestamps are ISO-8601 UTC."
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
                "parameters": [{ "$ref": "#/components/parameters/limit" }, { "$ref": "#/components/parameters/cursor" }, { "name": "key_id", "in": "query", "required": false, "description": "Only this key's records.", "schema": { "type": "string" } }, { "name": "from", "in": "query", "required": false, "description": "Only records created at or after this ISO-8601 time.", "schema": { "type": "string", "format": "date-time" } }, { "name": "to", "in": "query", "required": false, "description": "Only records created before this ISO-8601 time.", "schema": { "type": "string", "format": "date-time" } }, { "name": "model", "in": "query", "required": false, "description": "Only this requested model.", "schema": { "type": "string" } }, { "name": "outcome", "in": "query", "required": false, "description": "Only this outcome.", "schema": { "enum": ["complete", "partial", "failed", "cancelled", "interrupted"] } }],
                "responses": { "200": { "description": "A page of usage records.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/UsagePage" } } } }, "400": { "$ref": "#/components/responses/BadRequest" }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              }
            },
            "/accounts/{accountId}/usage.csv": {
              "parameters": [{ "$ref": "#/components/parameters/accountId" }],
              "get": {
                "operationId": "exportUsage", "summary": "An account's usage records as CSV (RFC 4180), newest first, with the usage list's filters; streamed a page at a time.",
                "parameters": [{ "name": "key_id", "in": "query", "required": false, "description": "Only this key's records.", "schema": { "type": "string" } }, { "name": "from", "in": "query", "required": false, "description": "Only records created at or after this ISO-8601 time.", "schema": { "type": "string", "format": "date-time" } }, { "name": "to", "in": "query", "required": false, "description": "Only records created before this ISO-8601 time.", "schema": { "type": "string", "format": "date-time" } }, { "name": "model", "in": "query", "required": false, "description": "Only this requested model.", "schema": { "type": "string" } }, { "name": "outcome", "in": "query", "required": false, "description": "Only this outcome.", "schema": { "enum": ["complete", "partial", "failed", "cancelled", "interrupted"] } }],
                "responses": { "200": { "description": "CSV with a header row.", "content": { "text/csv": { "schema": { "type": "string" } } } }, "400": { "$ref": "#/components/responses/BadRequest" }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              }
            },
            "/accounts/{accountId}/usage/{requestId}": {
              "parameters": [{ "$ref": "#/components/parameters/accountId" }, { "name": "requestId", "in": "path", "required": true, "description": "Candor's request id.", "schema": { "type": "string" } }],
              "get": {
                "operationId": "getUsage", "summary": "Get the usage record of one request.",
                "responses": { "200": { "description": "The usage record.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Usage" } } } }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              }
            },
            "/accounts/{accountId}/receipts/{receiptId}": {
              "parameters": [{ "$ref": "#/components/parameters/accountId" }, { "name": "receiptId", "in": "path", "required": true, "description": "The receipt id (rcpt_…, the x-candor-receipt response header).", "schema": { "type": "string" } }],
              "get": {
                "operationId": "getReceipt", "summary": "The signed receipt of one of the account's requests, byte for byte as stored (docs/receipts.md); another account's receipt is a 404.",
                "responses": { "200": { "description": "The signed receipt.", "content": { "application/json": { "schema": { "type": "object", "required": ["receipt", "signature"], "properties": { "receipt": { "type": "object" }, "signature": { "type": "object" } } } } } }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              }
            },
            "/console/invitations": {
              "post": {
                "operationId": "createConsoleInvitation", "summary": "A single-use invitation (7 days) with which the principal sets a web-console password; operator makes it a platform operator; account_id (with role, member by default) makes accepting it join that account (docs/console.md). The token is shown once.",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["principal"], "additionalProperties": false, "properties": { "principal": { "type": "string" }, "operator": { "type": "boolean" }, "account_id": { "type": "string" }, "role": { "type": "string", "enum": ["owner", "admin", "member", "viewer"] } } } } } },
                "responses": { "201": { "description": "The invitation.", "content": { "application/json": { "schema": { "type": "object", "properties": { "principal": { "type": "string" }, "operator": { "type": "boolean" }, "account_id": { "type": ["string", "null"] }, "role": { "type": ["string", "null"] }, "token": { "type": "string" }, "link": { "type": "string" }, "expires_at": { "type": "string", "format": "date-time" }, "note": { "type": "string" } } } } } }, "400": { "$ref": "#/components/responses/BadRequest" }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" } }
              }
            },
            "/prices": {
              "get": {
                "operationId": "listPrices", "summary": "The effective prices: each model's own price, then its channels', with the layer each comes from (default < file < override). With limit or cursor: one page ordered by key, with has_more and next_cursor.",
                "parameters": [{ "name": "model", "in": "query", "required": false, "description": "Only this model's rows.", "schema": { "type": "string" } }, { "$ref": "#/components/parameters/limit" }, { "$ref": "#/components/parameters/cursor" }],
                "responses": { "200": { "description": "The prices.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/PriceList" } } } }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" } }
              }
            },
            "/prices/models/{model}": {
              "parameters": [{ "$ref": "#/components/parameters/model" }],
              "put": {
                "operationId": "setModelPrice", "summary": "Store a model's price (input and output required; cached input and cache write default to input, reasoning to output, per request to 0). It applies to the next request.",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/PriceSet" } } } },
                "responses": { "200": { "description": "The effective price.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Price" } } } }, "400": { "$ref": "#/components/responses/BadRequest" }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" } }
              },
              "delete": {
                "operationId": "deleteModelPrice", "summary": "Delete a model's stored price; the file or shipped price applies again.",
                "responses": { "204": { "description": "Deleted." }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              }
            },
            "/prices/models/{model}/channels/{channel}": {
              "parameters": [{ "$ref": "#/components/parameters/model" }, { "name": "channel", "in": "path", "required": true, "description": "The channel id.", "schema": { "type": "string" } }],
              "put": {
                "operationId": "setChannelPrice", "summary": "Store a model's price on one channel; figures left out inherit the model's. The model must have a price entry of its own under exactly this name.",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/PriceSet" } } } },
                "responses": { "200": { "description": "The effective channel price.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Price" } } } }, "400": { "$ref": "#/components/responses/BadRequest" }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" } }
              },
              "delete": {
                "operationId": "deleteChannelPrice", "summary": "Delete a channel's stored price.",
                "responses": { "204": { "description": "Deleted." }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              }
            },
            "/prices/groups": {
              "get": {
                "operationId": "listGroupMultipliers", "summary": "The account-group multipliers in force (a group not listed pays 1x).",
                "responses": { "200": { "description": "The multipliers.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/GroupMultiplierList" } } } }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" } }
              }
            },
            "/prices/groups/{group}": {
              "parameters": [{ "name": "group", "in": "path", "required": true, "description": "The account group.", "schema": { "type": "string" } }],
              "put": {
                "operationId": "setGroupMultiplier", "summary": "Store a group's multiplier: exactly one of multiplier_ppm and multiplier.",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/GroupMultiplierSet" } } } },
                "responses": { "200": { "description": "The multiplier.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/GroupMultiplier" } } } }, "400": { "$ref": "#/components/responses/BadRequest" }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" } }
              },
              "delete": {
                "operationId": "deleteGroupMultiplier", "summary": "Delete a group's stored multiplier.",
                "responses": { "204": { "description": "Deleted." }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              }
            },
            "/accounts/{accountId}/privacy": {
              "parameters": [{ "$ref": "#/components/parameters/accountId" }],
              "get": {
                "operationId": "getAccountPrivacy", "summary": "Get an account's stored privacy policy: its routing requirement and redaction policy (both apply to all its keys) and its opt-in history settings.",
                "responses": { "200": { "description": "The account's policy.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AccountPrivacy" } } } }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              },
              "put": {
                "operationId": "setAccountPrivacy", "summary": "Set an account's routing requirement, redaction policy and/or history settings (absent parts are kept; null clears routing or redaction). It applies from the next request. A policy only narrows the server's: per entity type the strictest action wins. Turning history on needs privacy.retention: account_history on the server (409 otherwise).",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AccountPrivacyUpdate" } } } },
                "responses": { "200": { "description": "The account's policy.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AccountPrivacy" } } } }, "400": { "$ref": "#/components/responses/BadRequest" }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" }, "409": { "description": "History is disabled on this server.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } }
              }
            },
            "/accounts/{accountId}/keys/{keyId}/privacy": {
              "parameters": [{ "$ref": "#/components/parameters/accountId" }, { "$ref": "#/components/parameters/keyId" }],
              "get": {
                "operationId": "getKeyPrivacy", "summary": "Get a key's own routing requirement and redaction policy (the effective ones narrow the server's and the account's; see GET /v1/privacy with the key).",
                "responses": { "200": { "description": "The key's policy.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/KeyPrivacy" } } } }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              },
              "put": {
                "operationId": "setKeyPrivacy", "summary": "Set a key's own routing requirement and/or redaction policy (absent parts are kept; null clears); it applies from the next request. A key can make its account's policy stricter, never looser.",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "additionalProperties": false, "properties": { "routing": { "$ref": "#/components/schemas/RoutingRequirement" }, "redaction": { "$ref": "#/components/schemas/RedactionPolicy" } } } } } },
                "responses": { "200": { "description": "The key's policy.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/KeyPrivacy" } } } }, "400": { "$ref": "#/components/responses/BadRequest" }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              }
            },
            "/accounts/{accountId}/history": {
              "parameters": [{ "$ref": "#/components/parameters/accountId" }],
              "get": {
                "operationId": "listHistory", "summary": "The newest entries of the account's opt-in encrypted history, decrypted (empty when it keeps none).",
                "parameters": [{ "name": "limit", "in": "query", "required": false, "description": "How many entries, 1 to 100 (default 20).", "schema": { "type": "integer", "minimum": 1, "maximum": 100, "default": 20 } }],
                "responses": { "200": { "description": "The entries.", "content": { "application/json": { "schema": { "type": "object", "required": ["object", "account_id", "data"], "properties": { "object": { "const": "list" }, "account_id": { "type": "string" }, "data": { "type": "array", "items": { "type": "object" } } } } } } }, "400": { "$ref": "#/components/responses/BadRequest" }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              },
              "delete": {
                "operationId": "eraseHistory", "summary": "Erase an account's history by destroying its data key (crypto-shredding) and deleting its entries; copies and backups of the entries become unreadable.",
                "responses": { "200": { "description": "How many entries were deleted.", "content": { "application/json": { "schema": { "type": "object", "required": ["object", "account_id", "deleted"], "properties": { "object": { "const": "history.erased" }, "account_id": { "type": "string" }, "deleted": { "type": "integer" } } } } } }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              }
            },
            "/usage/series": {
              "get": {
                "operationId": "getUsageSeries", "summary": "Usage per time bucket across accounts (or one): requests, errors and error rate, tokens, spend and latency percentiles (p50/p90/p99, the upper bound of the histogram bin holding each). At most 93 days and 500 buckets.",
                "parameters": [{ "name": "from", "in": "query", "required": false, "description": "Start, ISO-8601 (default: 24 hours before to).", "schema": { "type": "string", "format": "date-time" } }, { "name": "to", "in": "query", "required": false, "description": "End, exclusive, ISO-8601 (default: now).", "schema": { "type": "string", "format": "date-time" } }, { "name": "bucket_seconds", "in": "query", "required": false, "description": "Bucket length, at least 60 (default: the range in 48 buckets).", "schema": { "type": "integer", "minimum": 60 } }, { "name": "account_id", "in": "query", "required": false, "description": "Only this account.", "schema": { "type": "string" } }],
                "responses": { "200": { "description": "The buckets that have usage, oldest first.", "content": { "application/json": { "schema": { "type": "object", "required": ["from", "to", "bucket_seconds", "data"], "properties": { "from": { "type": "string" }, "to": { "type": "string" }, "bucket_seconds": { "type": "integer" }, "latency": { "type": "string" }, "data": { "type": "array", "items": { "type": "object", "properties": { "start": { "type": "string" }, "requests": { "type": "integer" }, "errors": { "type": "integer" }, "error_rate": { "type": "number" }, "input_tokens": { "type": "integer" }, "output_tokens": { "type": "integer" }, "charge_micros": { "type": "integer" }, "latency_ms": { "type": "object", "properties": { "p50": { "type": ["integer", "null"] }, "p90": { "type": ["integer", "null"] }, "p99": { "type": ["integer", "null"] } } } } } } } } } } }, "400": { "$ref": "#/components/responses/BadRequest" }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" } }
              }
            },
            "/settings": {
              "get": {
                "operationId": "getSettings", "summary": "The server's settings as loaded from its configuration file, read-only; no secrets (only whether one is configured).",
                "responses": { "200": { "description": "The settings.", "content": { "application/json": { "schema": { "type": "object" } } } }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" } }
              }
            },
            "/channels": {
              "get": {
                "operationId": "listChannels", "summary": "List every channel: the configuration file's (source config, read-only) and the stored ones. Credentials are never returned. With limit or cursor: one page ordered by key, with has_more and next_cursor.",
                "parameters": [{ "$ref": "#/components/parameters/limit" }, { "$ref": "#/components/parameters/cursor" }],
                "responses": { "200": { "description": "The channels.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ChannelList" } } } }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" } }
              },
              "post": {
                "operationId": "createChannel", "summary": "Add a stored channel (and optionally its deployments). The credential is sealed under the master key; the snapshot is rebuilt before the answer.",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ChannelCreate" } } } },
                "responses": { "201": { "description": "The new channel.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Channel" } } } }, "400": { "$ref": "#/components/responses/BadRequest" }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "409": { "$ref": "#/components/responses/Conflict" } }
              }
            },
            "/channels/{channelId}": {
              "parameters": [{ "$ref": "#/components/parameters/channelId" }],
              "get": { "operationId": "getChannel", "summary": "Get a channel, its deployments, whether it is routed, and its health.", "responses": { "200": { "description": "The channel.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Channel" } } } }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } } },
              "patch": {
                "operationId": "updateChannel", "summary": "Change a stored channel; absent fields are kept, null clears api_version, credential and disabled_reason. Configuration channels answer 409.",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ChannelUpdate" } } } },
                "responses": { "200": { "description": "The channel.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Channel" } } } }, "400": { "$ref": "#/components/responses/BadRequest" }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" }, "409": { "$ref": "#/components/responses/Conflict" } }
              },
              "delete": { "operationId": "deleteChannel", "summary": "Delete a stored channel and its deployments. Configuration channels answer 409.", "responses": { "200": { "description": "Deleted.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Deleted" } } } }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" }, "409": { "$ref": "#/components/responses/Conflict" } } }
            },
            "/channels/{channelId}/disable": {
              "parameters": [{ "$ref": "#/components/parameters/channelId" }],
              "post": { "operationId": "disableChannel", "summary": "Stop routing to a stored channel (its deployments leave the snapshot).", "requestBody": { "required": false, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/DisableRequest" } } } }, "responses": { "200": { "description": "The channel.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Channel" } } } }, "400": { "$ref": "#/components/responses/BadRequest" }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" }, "409": { "$ref": "#/components/responses/Conflict" } } }
            },
            "/channels/{channelId}/enable": {
              "parameters": [{ "$ref": "#/components/parameters/channelId" }],
              "post": { "operationId": "enableChannel", "summary": "Route to a stored channel again.", "responses": { "200": { "description": "The channel.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Channel" } } } }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" }, "409": { "$ref": "#/components/responses/Conflict" } } }
            },
            "/channels/{channelId}/test": {
              "parameters": [{ "$ref": "#/components/parameters/channelId" }],
              "post": {
                "operationId": "testChannel", "summary": "Send a tiny live chat request through the channel's adapter (disabled stored channels included). Always 200 when the test ran; 'ok' says how it went.",
                "requestBody": { "required": false, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ChannelTestRequest" } } } },
                "responses": { "200": { "description": "The test result.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ChannelTestResult" } } } }, "400": { "$ref": "#/components/responses/BadRequest" }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              }
            },
            "/deployments": {
              "get": {
                "operationId": "listDeployments", "summary": "List deployments: the configuration file's (source config, no id) and the stored ones. With limit or cursor: one page ordered by key, with has_more and next_cursor.",
                "parameters": [{ "name": "model", "in": "query", "required": false, "description": "Only this public model's.", "schema": { "type": "string" } }, { "$ref": "#/components/parameters/limit" }, { "$ref": "#/components/parameters/cursor" }],
                "responses": { "200": { "description": "The deployments.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/DeploymentList" } } } }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" } }
              },
              "post": { "operationId": "createDeployment", "summary": "Attach a channel (stored or configuration) to a public model.", "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/DeploymentCreate" } } } }, "responses": { "201": { "description": "The deployment.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Deployment" } } } }, "400": { "$ref": "#/components/responses/BadRequest" }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" } } }
            },
            "/deployments/{deploymentId}": {
              "parameters": [{ "$ref": "#/components/parameters/deploymentId" }],
              "patch": { "operationId": "updateDeployment", "summary": "Change a stored deployment's upstream model, priority or weight.", "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/DeploymentUpdate" } } } }, "responses": { "200": { "description": "The deployment.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Deployment" } } } }, "400": { "$ref": "#/components/responses/BadRequest" }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } } },
              "delete": { "operationId": "deleteDeployment", "summary": "Delete a stored deployment.", "responses": { "200": { "description": "Deleted.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Deleted" } } } }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } } }
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
            },
            "/redemption-batches": {
              "post": {
                "operationId": "createRedemptionBatch", "summary": "Create a batch of redemption codes (shown in this response only; stored as keyed hashes).",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/RedemptionBatchRequest" } } } },
                "responses": { "201": { "description": "The batch with its plaintext codes.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/RedemptionBatch" } } } }, "400": { "$ref": "#/components/responses/BadRequest" }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              }
            },
            "/redemption-batches/{batchId}": {
              "parameters": [{ "name": "batchId", "in": "path", "required": true, "description": "The batch id (rcb_…, or import:SOURCE for imported codes).", "schema": { "type": "string" } }],
              "get": {
                "operationId": "listRedemptionBatch", "summary": "A batch's codes: terms and state, never the codes.",
                "responses": { "200": { "description": "The codes, oldest first.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/RedemptionCodeList" } } } }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" } }
              }
            },
            "/payments/{paymentId}/refund": {
              "parameters": [{ "name": "paymentId", "in": "path", "required": true, "description": "The payment id (pay_…).", "schema": { "type": "string" } }],
              "post": {
                "operationId": "refundPayment", "summary": "Ask the payment's provider to refund it (all that is not refunded yet, or amount_usd/amount_micros); the balance is debited when the provider's refund webhook arrives.",
                "requestBody": { "required": false, "content": { "application/json": { "schema": { "type": "object", "additionalProperties": false, "properties": { "amount_usd": { "type": "string" }, "amount_micros": { "type": "integer" } } } } } },
                "responses": { "202": { "description": "The provider accepted the refund.", "content": { "application/json": { "schema": { "type": "object", "properties": { "object": { "type": "string" }, "payment_id": { "type": "string" }, "refund_id": { "type": "string" }, "amount_micros": { "type": "integer" }, "note": { "type": "string" } } } } } }, "400": { "$ref": "#/components/responses/BadRequest" }, "401": { "$ref": "#/components/responses/Unauthorized" }, "403": { "$ref": "#/components/responses/Forbidden" }, "404": { "$ref": "#/components/responses/NotFound" }, "502": { "description": "The provider refused the refund.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } }
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
              "model": { "name": "model", "in": "path", "required": true, "description": "The public or upstream model name (URL-encoded).", "schema": { "type": "string" } },
              "channelId": { "name": "channelId", "in": "path", "required": true, "description": "The channel's public id.", "schema": { "type": "string" } },
              "deploymentId": { "name": "deploymentId", "in": "path", "required": true, "description": "The stored deployment id (dep_…).", "schema": { "type": "string" } },
              "cursor": { "name": "cursor", "in": "query", "required": false, "description": "The next_cursor of the previous page.", "schema": { "type": "string" } }
            },
            "responses": {
              "BadRequest": { "description": "The request is invalid; error.param names the field.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
              "Unauthorized": { "description": "No key, or not a live key.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
              "Forbidden": { "description": "A live key that is not an operator's.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
              "NotFound": { "description": "No such resource.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
              "Conflict": { "description": "The channel is defined in the configuration file (read-only through the API), or the id is taken.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
            },
            "schemas": {
              "RoutingRequirement": {
                "type": ["object", "null"], "additionalProperties": false, "description": "What upstreams may receive the requests. null (or all fields absent) requires nothing.",
                "properties": {
                  "regions": { "type": ["array", "null"], "items": { "type": "string" }, "description": "Allowed channel regions (cn, us, eu…); null = any." },
                  "zero_retention": { "type": "boolean", "description": "Only channels that declare retention: none." },
                  "never_train": { "type": "boolean", "description": "Only channels that declare training: never." }
                }
              },
              "RedactionAction": { "type": "string", "enum": ["allow", "mask", "pseudonymize", "block"], "description": "From least to most strict: allow < pseudonymize < mask < block." },
              "RedactionPolicy": {
                "type": ["object", "null"], "additionalProperties": false,
                "description": "Actions per entity type; unlisted types take 'default' (allow when absent). null sets no policy of its own. It only narrows: per type the strictest of the server's, the account's and the key's action applies.",
                "properties": {
                  "default": { "$ref": "#/components/schemas/RedactionAction" },
                  "secret": { "$ref": "#/components/schemas/RedactionAction" },
                  "email": { "$ref": "#/components/schemas/RedactionAction" },
                  "cn_id": { "$ref": "#/components/schemas/RedactionAction" },
                  "cn_uscc": { "$ref": "#/components/schemas/RedactionAction" },
                  "bank_card": { "$ref": "#/components/schemas/RedactionAction" },
                  "phone": { "$ref": "#/components/schemas/RedactionAction" },
                  "ip": { "$ref": "#/components/schemas/RedactionAction" },
                  "passport": { "$ref": "#/components/schemas/RedactionAction" }
                }
              },
              "HistorySettings": {
                "type": "object", "additionalProperties": false, "required": ["enabled"],
                "properties": { "enabled": { "type": "boolean" }, "retention_days": { "type": ["integer", "null"], "minimum": 1, "description": "null = the server's privacy.history.retention_days (also the maximum)." } }
              },
              "AccountPrivacy": {
                "type": "object", "required": ["object", "account_id", "routing", "redaction", "history"],
                "properties": { "object": { "const": "account.privacy" }, "account_id": { "type": "string" }, "routing": { "$ref": "#/components/schemas/RoutingRequirement" }, "redaction": { "$ref": "#/components/schemas/RedactionPolicy" }, "history": { "$ref": "#/components/schemas/HistorySettings" } }
              },
              "AccountPrivacyUpdate": {
                "type": "object", "additionalProperties": false,
                "properties": { "routing": { "$ref": "#/components/schemas/RoutingRequirement" }, "redaction": { "$ref": "#/components/schemas/RedactionPolicy" }, "history": { "$ref": "#/components/schemas/HistorySettings" } }
              },
              "KeyPrivacy": {
                "type": "object", "required": ["object", "key_id", "routing", "redaction"],
                "properties": { "object": { "const": "key.privacy" }, "key_id": { "type": "string" }, "routing": { "$ref": "#/components/schemas/RoutingRequirement" }, "redaction": { "$ref": "#/components/schemas/RedactionPolicy" } }
              },
              "DataPolicy": {
                "type": "object", "additionalProperties": false,
                "properties": { "retention": { "type": "string", "enum": ["none", "limited", "retains", "unknown"] }, "training": { "type": "string", "enum": ["never", "opt_out", "yes", "unknown"] } }
              },
              "Timeouts": {
                "type": "object", "additionalProperties": false,
                "properties": { "connect_ms": { "type": "integer", "minimum": 1, "maximum": 3600000 }, "first_byte_ms": { "type": "integer", "minimum": 1, "maximum": 3600000 }, "idle_ms": { "type": "integer", "minimum": 1, "maximum": 3600000 } }
              },
              "ChannelUpdate": {
                "type": "object", "additionalProperties": false,
                "properties": {
                  "provider": { "type": "string", "description": "openai, azure, anthropic, gemini, deepseek, qwen, moonshot, zhipu, ollama, vllm." },
                  "base_url": { "type": "string", "format": "uri" },
                  "region": { "type": "string" },
                  "data_policy": { "$ref": "#/components/schemas/DataPolicy" },
                  "api_version": { "type": ["string", "null"] },
                  "headers": { "type": ["object", "null"], "additionalProperties": { "type": "string" }, "description": "Extra upstream headers, stored in the clear; credential headers are refused." },
                  "timeouts": { "$ref": "#/components/schemas/Timeouts" },
                  "credential": { "type": ["string", "null"], "writeOnly": true, "description": "The upstream API key. Sealed under the master key at once; never returned." },
                  "disabled": { "type": "boolean" },
                  "disabled_reason": { "type": ["string", "null"], "maxLength": 500 } }
              },
              "ChannelCreate": {
                "allOf": [{ "$ref": "#/components/schemas/ChannelUpdate" }],
                "type": "object", "required": ["id", "provider", "base_url"],
                "properties": {
                  "id": { "type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{0,63}$" },
                  "deployments": { "type": "array", "items": { "$ref": "#/components/schemas/ChannelDeploymentCreate" } } }
              },
              "ChannelDeploymentCreate": {
                "type": "object", "required": ["model", "upstream_model"], "additionalProperties": false,
                "properties": { "model": { "type": "string" }, "upstream_model": { "type": "string" }, "priority": { "type": "integer", "minimum": 0, "maximum": 1000, "default": 0 }, "weight": { "type": "integer", "minimum": 1, "maximum": 1000000, "default": 1 } }
              },
              "Credential": {
                "type": "object", "required": ["set"],
                "properties": { "set": { "type": "boolean" }, "key_id": { "type": "integer", "description": "The master key that sealed a stored credential." }, "source": { "type": "string", "enum": ["env"], "description": "A configuration channel's credential comes from an environment variable." } }
              },
              "Health": {
                "type": "object", "required": ["state"],
                "properties": { "state": { "type": "string", "description": "unknown until the routing health state is wired in." } },
                "additionalProperties": true
              },
              "Channel": {
                "type": "object", "required": ["id", "source", "provider", "base_url", "region", "data_policy", "headers", "timeouts", "credential", "disabled", "routed", "deployments", "health"],
                "properties": {
                  "id": { "type": "string" }, "source": { "type": "string", "enum": ["config", "stored"] }, "provider": { "type": "string" }, "base_url": { "type": "string" },
                  "region": { "type": "string" }, "data_policy": { "$ref": "#/components/schemas/DataPolicy" }, "api_version": { "type": "string" },
                  "headers": { "type": "object", "additionalProperties": { "type": "string" } }, "timeouts": { "$ref": "#/components/schemas/Timeouts" },
                  "credential": { "$ref": "#/components/schemas/Credential" },
                  "disabled": { "type": "boolean" }, "disabled_reason": { "type": "string" },
                  "routed": { "type": "boolean", "description": "Whether the running snapshot routes to it." }, "not_routed_reason": { "type": "string" },
                  "deployments": { "type": "array", "items": { "$ref": "#/components/schemas/Deployment" } },
                  "created_at": { "$ref": "#/components/schemas/Timestamp" }, "updated_at": { "$ref": "#/components/schemas/Timestamp" },
                  "health": { "$ref": "#/components/schemas/Health" } }
              },
              "ChannelList": { "type": "object", "required": ["data"], "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/Channel" } } } },
              "DisableRequest": { "type": "object", "additionalProperties": false, "properties": { "reason": { "type": "string", "maxLength": 500 } } },
              "ChannelTestRequest": { "type": "object", "additionalProperties": false, "properties": { "model": { "type": "string", "description": "The upstream model; default: the channel's first deployment's." } } },
              "ChannelTestResult": {
                "type": "object", "required": ["channel", "ok", "upstream_model", "latency_ms"],
                "properties": {
                  "channel": { "type": "string" }, "ok": { "type": "boolean" }, "upstream_model": { "type": "string" }, "latency_ms": { "type": "integer" },
                  "status": { "type": "integer", "description": "The upstream's HTTP status, when one arrived." }, "served_model": { "type": "string" },
                  "error": { "type": "object", "required": ["class", "message"], "properties": {
                    "class": { "type": "string", "enum": ["connect", "timeout", "auth", "rate_limited", "overloaded", "not_found", "bad_request", "upstream_error", "malformed", "unsupported", "unusable"] },
                    "message": { "type": "string" } } } }
              },
              "Deployment": {
                "type": "object", "required": ["model", "channel", "upstream_model", "priority", "weight", "source"],
                "properties": {
                  "id": { "type": "string", "description": "Stored deployments only." }, "model": { "type": "string" }, "channel": { "type": "string" }, "upstream_model": { "type": "string" },
                  "priority": { "type": "integer", "description": "Tier; lower tiers are tried first." }, "weight": { "type": "integer" },
                  "source": { "type": "string", "enum": ["config", "stored"] }, "created_at": { "$ref": "#/components/schemas/Timestamp" } }
              },
              "DeploymentCreate": {
                "type": "object", "required": ["model", "channel", "upstream_model"], "additionalProperties": false,
                "properties": { "model": { "type": "string" }, "channel": { "type": "string" }, "upstream_model": { "type": "string" }, "priority": { "type": "integer", "minimum": 0, "maximum": 1000, "default": 0 }, "weight": { "type": "integer", "minimum": 1, "maximum": 1000000, "default": 1 } }
              },
              "DeploymentUpdate": {
                "type": "object", "additionalProperties": false,
                "properties": { "upstream_model": { "type": "string" }, "priority": { "type": "integer", "minimum": 0, "maximum": 1000 }, "weight": { "type": "integer", "minimum": 1, "maximum": 1000000 } }
              },
              "DeploymentList": { "type": "object", "required": ["data"], "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/Deployment" } } } },
              "Deleted": { "type": "object", "required": ["id", "deleted"], "properties": { "id": { "type": "string" }, "deleted": { "type": "boolean" } } },
              "Error": {
                "type": "object", "required": ["error"],
                "properties": { "error": { "type": "object", "required": ["type", "message"], "properties": {
                  "type": { "type": "string", "enum": ["invalid_request_error", "authentication_error", "permission_error", "not_found_error", "conflict_error"] },
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
              "RedemptionBatchRequest": {
                "type": "object", "additionalProperties": false, "required": ["count"],
                "properties": {
                  "amount_micros": { "type": "integer", "format": "int64", "minimum": 1, "description": "What each code credits, in micro-USD." },
                  "amount_usd": { "type": "string", "pattern": "^[0-9]*\\.?[0-9]{0,6}$", "description": "Decimal USD, at most six decimals." },
                  "count": { "type": "integer", "minimum": 1, "maximum": 10000 },
                  "expires_at": { "type": ["string", "null"], "format": "date-time" },
                  "group": { "type": ["string", "null"], "description": "Only accounts of this price group may redeem." },
                  "account_id": { "type": ["string", "null"], "description": "Only this account may redeem." },
                  "note": { "type": "string" } },
                "oneOf": [{ "required": ["amount_micros"] }, { "required": ["amount_usd"] }]
              },
              "RedemptionBatch": {
                "type": "object", "required": ["object", "id", "amount_micros", "count", "codes"],
                "properties": {
                  "object": { "type": "string", "enum": ["redemption_batch"] }, "id": { "type": "string" },
                  "amount_micros": { "$ref": "#/components/schemas/Micros" }, "count": { "type": "integer" },
                  "expires_at": { "type": ["string", "null"], "format": "date-time" }, "group": { "type": ["string", "null"] },
                  "account_id": { "type": ["string", "null"] }, "note": { "type": "string" }, "notice": { "type": "string" },
                  "codes": { "type": "array", "items": { "type": "object", "required": ["id", "code"], "properties": { "id": { "type": "string" }, "code": { "type": "string" } } } } }
              },
              "RedemptionCode": {
                "type": "object", "required": ["object", "id", "batch_id", "amount_micros", "created_at", "redeemed_at"],
                "properties": {
                  "object": { "type": "string", "enum": ["redemption_code"] }, "id": { "type": "string" }, "batch_id": { "type": "string" },
                  "amount_micros": { "$ref": "#/components/schemas/Micros" }, "created_at": { "$ref": "#/components/schemas/Timestamp" },
                  "expires_at": { "type": ["string", "null"], "format": "date-time" }, "group": { "type": ["string", "null"] },
                  "account_id": { "type": ["string", "null"] }, "note": { "type": "string" },
                  "redeemed_at": { "type": ["string", "null"], "format": "date-time" }, "redeemed_by": { "type": "string" }, "ledger_entry_id": { "type": "string" } }
              },
              "RedemptionCodeList": { "type": "object", "required": ["data"], "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/RedemptionCode" } } } },
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
              },
              "PerMillion": { "type": "integer", "format": "int64", "minimum": 0, "maximum": 1000000000000, "description": "Micro-USD per million tokens." },
              "Price": {
                "type": "object",
                "required": ["model", "source", "input_per_million_micros", "output_per_million_micros", "cached_input_per_million_micros", "cache_write_per_million_micros", "reasoning_per_million_micros", "per_request_micros"],
                "properties": {
                  "model": { "type": "string" }, "channel": { "type": "string", "description": "Absent on the model's own price." },
                  "source": { "type": "string", "enum": ["default", "file", "override"] },
                  "input_per_million_micros": { "$ref": "#/components/schemas/PerMillion" }, "output_per_million_micros": { "$ref": "#/components/schemas/PerMillion" },
                  "cached_input_per_million_micros": { "$ref": "#/components/schemas/PerMillion" }, "cache_write_per_million_micros": { "$ref": "#/components/schemas/PerMillion" },
                  "reasoning_per_million_micros": { "$ref": "#/components/schemas/PerMillion" }, "per_request_micros": { "$ref": "#/components/schemas/Micros" },
                  "aliases": { "type": "array", "items": { "type": "string" } } }
              },
              "PriceList": { "type": "object", "required": ["data"], "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/Price" } } } },
              "PriceSet": {
                "type": "object", "additionalProperties": false,
                "properties": {
                  "input_per_million_micros": { "$ref": "#/components/schemas/PerMillion" }, "output_per_million_micros": { "$ref": "#/components/schemas/PerMillion" },
                  "cached_input_per_million_micros": { "$ref": "#/components/schemas/PerMillion" }, "cache_write_per_million_micros": { "$ref": "#/components/schemas/PerMillion" },
                  "reasoning_per_million_micros": { "$ref": "#/components/schemas/PerMillion" }, "per_request_micros": { "$ref": "#/components/schemas/Micros" } }
              },
              "GroupMultiplier": {
                "type": "object", "required": ["group", "multiplier_ppm", "multiplier", "source"],
                "properties": { "group": { "type": "string" }, "multiplier_ppm": { "type": "integer", "format": "int64", "description": "Parts per million: 1000000 = 1x." },
                  "multiplier": { "type": "string", "description": "The same as exact decimal text, e.g. \"0.8\"." }, "source": { "type": "string", "enum": ["default", "file", "override"] } }
              },
              "GroupMultiplierList": { "type": "object", "required": ["data"], "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/GroupMultiplier" } } } },
              "GroupMultiplierSet": {
                "type": "object", "additionalProperties": false,
                "properties": { "multiplier_ppm": { "type": "integer", "format": "int64", "minimum": 0, "maximum": 1000000000 }, "multiplier": { "type": "string", "description": "Decimal text, 0 to 1000, at most six decimals." } }
              }
            }
          }
        }
        """;
}

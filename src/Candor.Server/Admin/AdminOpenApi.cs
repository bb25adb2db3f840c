using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Candor.Server.Admin.Contracts;
using Microsoft.AspNetCore.Http.Metadata;

namespace Candor.Server.Admin;

/// <summary>The admin API's OpenAPI 3.1 document, served at <c>GET /admin/v1/openapi.json</c> and generated from the
/// mapped routes: each route's pattern and methods, the operation id, summary, body record, answer records, error
/// statuses and query parameters it declares (<see cref="AdminRouteMetadata"/>), and the records' JSON schemas
/// exported from the source-generated <see cref="AdminJsonContext"/> with <see cref="JsonSchemaExporter"/> — the
/// same metadata the handlers serialize with, so the document cannot drift from the wire. docs/admin-api.md says
/// why this is generated here rather than by Microsoft.AspNetCore.OpenApi.</summary>
internal static class AdminOpenApi
{
    private static readonly Dictionary<string, string> PathParameters = new(StringComparer.Ordinal)
    {
        ["accountId"] = "The account id (acct_…).",
        ["keyId"] = "The key id (key_…).",
        ["principal"] = "A user id or email (URL-encoded).",
        ["model"] = "The public or upstream model name (URL-encoded).",
        ["channel"] = "The channel id.",
        ["channelId"] = "The channel's public id.",
        ["deploymentId"] = "The stored deployment id (dep_…).",
        ["requestId"] = "Candor's request id.",
        ["receiptId"] = "The receipt id (rcpt_…, the x-candor-receipt response header).",
        ["group"] = "The account group (URL-encoded).",
        ["batchId"] = "The redemption batch id.",
        ["paymentId"] = "The payment id.",
    };

    private static readonly AdminResponse[] EveryRoute =
    [
        new(StatusCodes.Status401Unauthorized, typeof(AdminError), AdminResponse.ErrorDescription(StatusCodes.Status401Unauthorized)),
        new(StatusCodes.Status403Forbidden, typeof(AdminError), AdminResponse.ErrorDescription(StatusCodes.Status403Forbidden)),
        // AdminEndpoints.Guard answers 503 store_unavailable (with Retry-After) on any route whose store is failing: fail closed.
        new(StatusCodes.Status503ServiceUnavailable, typeof(AdminError), AdminResponse.ErrorDescription(StatusCodes.Status503ServiceUnavailable)),
    ];

    public static async Task WriteAsync(HttpContext http)
    {
        byte[] document = Build(http.RequestServices.GetRequiredService<EndpointDataSource>().Endpoints);
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(document, http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The document for the admin routes among <paramref name="endpoints"/>, as UTF-8 JSON.</summary>
    public static byte[] Build(IEnumerable<Endpoint> endpoints)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Document(endpoints).WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static JsonObject Document(IEnumerable<Endpoint> endpoints)
    {
        var components = new Components();
        var paths = new JsonObject();
        foreach (var endpoint in endpoints.OfType<RouteEndpoint>()
            .Where(static e => e.RoutePattern.RawText?.StartsWith(AdminEndpoints.Prefix + "/", StringComparison.Ordinal) == true)
            .OrderBy(static e => e.RoutePattern.RawText, StringComparer.Ordinal))
        {
            string path = endpoint.RoutePattern.RawText![AdminEndpoints.Prefix.Length..];
            if (paths[path] is not JsonObject item)
            {
                item = [];
                paths[path] = item;
            }

            foreach (string method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
            {
                string verb = method.ToLowerInvariant();
                // A route without an operation id is left out, and AdminOpenApiTests names it.
                if (endpoint.Metadata.GetMetadata<IEndpointNameMetadata>() is { } name)
                {
                    item[verb] = Operation(endpoint, name.EndpointName, components);
                }
            }
        }

        return new JsonObject
        {
            ["openapi"] = "3.1.0",
            ["info"] = new JsonObject
            {
                ["title"] = "Candor admin API",
                ["version"] = "1.0.0",
                ["description"] = "Accounts, members, keys, balances, top-ups, usage, prices, channels, deployments and privacy policies. "
                    + "Every route requires a platform operator key as 'Authorization: Bearer <key>'. Money is integer micro-USD "
                    + "(1 USD = 1000000); timestamps are ISO-8601 UTC. Generated from the routes and their records.",
            },
            ["servers"] = new JsonArray(new JsonObject { ["url"] = AdminEndpoints.Prefix }),
            ["security"] = new JsonArray(new JsonObject { ["operatorKey"] = new JsonArray() }),
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["securitySchemes"] = new JsonObject
                {
                    ["operatorKey"] = new JsonObject
                    {
                        ["type"] = "http",
                        ["scheme"] = "bearer",
                        ["description"] = "A platform operator key (sk-cd-…), printed once by 'candor init'.",
                    },
                },
                ["schemas"] = components.Schemas,
            },
        };
    }

    private static JsonObject Operation(RouteEndpoint endpoint, string operationId, Components components)
    {
        var operation = new JsonObject { ["operationId"] = operationId };
        if (endpoint.Metadata.GetMetadata<IEndpointSummaryMetadata>() is { } summary)
        {
            operation["summary"] = summary.Summary;
        }

        var parameters = new JsonArray();
        foreach (var parameter in endpoint.RoutePattern.Parameters)
        {
            parameters.Add((JsonNode)new JsonObject
            {
                ["name"] = parameter.Name,
                ["in"] = "path",
                ["required"] = true,
                ["description"] = PathParameters.GetValueOrDefault(parameter.Name, parameter.Name),
                ["schema"] = new JsonObject { ["type"] = "string" },
            });
        }

        foreach (var query in endpoint.Metadata.GetOrderedMetadata<AdminQueryParameter>())
        {
            var schema = new JsonObject { ["type"] = query.Type };
            if (query.Format is not null)
            {
                schema["format"] = query.Format;
            }

            if (query.Values is not null)
            {
                schema["enum"] = new JsonArray([.. query.Values.Select(static v => (JsonNode)v)]);
            }

            parameters.Add((JsonNode)new JsonObject
            {
                ["name"] = query.Name,
                ["in"] = "query",
                ["required"] = false,
                ["description"] = query.Description,
                ["schema"] = schema,
            });
        }

        if (parameters.Count > 0)
        {
            operation["parameters"] = parameters;
        }

        if (endpoint.Metadata.GetMetadata<AdminRequestBody>() is { RequestType: { } body } accepts)
        {
            operation["requestBody"] = new JsonObject
            {
                ["required"] = !accepts.IsOptional,
                ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = components.Ref(body, request: true) } },
            };
        }

        var responses = new JsonObject();
        foreach (var response in endpoint.Metadata.GetOrderedMetadata<IProducesResponseTypeMetadata>().Concat(EveryRoute))
        {
            string status = response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (responses.ContainsKey(status))
            {
                continue;
            }

            var answer = new JsonObject { ["description"] = response.Description ?? "" };
            if (response.Type is { } type)
            {
                string contentType = response.ContentTypes.FirstOrDefault() ?? "application/json";
                answer["content"] = new JsonObject
                {
                    [contentType] = new JsonObject
                    {
                        ["schema"] = type == typeof(string) && contentType != "application/json"
                            ? new JsonObject { ["type"] = "string" }
                            : components.Ref(type, request: false),
                    },
                };
            }

            responses[status] = answer;
        }

        operation["responses"] = responses;
        return operation;
    }

    /// <summary>The schemas of the records the operations reference, one per object type, named after the record
    /// (<c>AccountView</c> → <c>Account</c>, <c>AdminPage&lt;AccountView&gt;</c> → <c>AccountPage</c>).</summary>
    private sealed class Components
    {
        private readonly JsonSerializerOptions _options = AdminJsonContext.Default.Options;

        public JsonObject Schemas { get; } = [];

        /// <summary>A reference to the type's schema (an object type) or the schema itself (anything else).</summary>
        public JsonNode Ref(Type type, bool request)
        {
            if (_options.GetTypeInfo(type).Kind != JsonTypeInfoKind.Object)
            {
                return Export(type);
            }

            string name = Name(type);
            if (!Schemas.ContainsKey(name))
            {
                var schema = Export(type);
                if (request && schema is JsonObject body)
                {
                    // AdminHttp.ReadObjectAsync refuses a property the record does not declare.
                    body["additionalProperties"] = false;
                }

                Schemas[name] = schema;
            }

            return new JsonObject { ["$ref"] = "#/components/schemas/" + name };
        }

        private JsonNode Export(Type type)
        {
            var nested = new List<Type>();
            var schema = _options.GetJsonSchemaAsNode(type, new JsonSchemaExporterOptions
            {
                TreatNullObliviousAsNonNullable = true,
                TransformSchemaNode = (context, node) =>
                {
                    if (context.TypeInfo.Kind != JsonTypeInfoKind.Object)
                    {
                        return node;
                    }

                    if (context.Path.IsEmpty)
                    {
                        Require(context.TypeInfo, node);
                        return node;
                    }

                    nested.Add(context.TypeInfo.Type);
                    return new JsonObject { ["$ref"] = "#/components/schemas/" + Name(context.TypeInfo.Type) };
                },
            });
            foreach (var inner in nested)
            {
                Ref(inner, request: false);
            }

            return schema;
        }

        /// <summary>Lists as required exactly the properties every answer (or body) holds: those of a type that cannot
        /// be null, and the nullable ones the record writes as <c>null</c> rather than leaving out.</summary>
        private static void Require(JsonTypeInfo info, JsonNode node)
        {
            if (node is not JsonObject schema)
            {
                return;
            }

            var required = new JsonArray();
            foreach (var property in info.Properties)
            {
                bool nullable = Nullable.GetUnderlyingType(property.PropertyType) is not null || (!property.PropertyType.IsValueType && property.IsGetNullable);
                bool writesNull = property.AttributeProvider?.GetCustomAttributes(typeof(JsonIgnoreAttribute), inherit: false)
                    .OfType<JsonIgnoreAttribute>().Any(static a => a.Condition == JsonIgnoreCondition.Never) == true;
                if (!nullable || writesNull)
                {
                    required.Add((JsonNode)property.Name);
                }
            }

            schema.Remove("required");
            if (required.Count > 0)
            {
                schema["required"] = required;
            }
        }

        private static string Name(Type type)
        {
            if (type.IsGenericType)
            {
                string outer = type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)];
                return Name(type.GetGenericArguments()[0]) + Trim(outer);
            }

            return Trim(type.Name);

            static string Trim(string name)
            {
                if (name.StartsWith("Admin", StringComparison.Ordinal) && name.Length > "Admin".Length)
                {
                    name = name["Admin".Length..];
                }

                return name.EndsWith("View", StringComparison.Ordinal) ? name[..^"View".Length] : name;
            }
        }
    }
}

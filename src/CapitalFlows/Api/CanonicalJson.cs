using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace CapitalFlows.Api;

/// <summary>
/// Two bodies are "the same command" when they are the same JSON: key order and white space do not matter,
/// an omitted field stays omitted (it is not the same as a field given its default value).
/// </summary>
public static class CanonicalJson
{
    public static string Hash(JsonElement body, string route = "")
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        Encoding.UTF8.GetBytes(route + "\n", buffer);
        using (var writer = new Utf8JsonWriter(buffer))
            Write(body, writer);
        return Convert.ToHexString(SHA256.HashData(buffer.WrittenSpan));
    }

    private static void Write(JsonElement element, Utf8JsonWriter writer)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    Write(property.Value, writer);
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray()) Write(item, writer);
                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    public static string HashOf(string json)
    {
        using var document = JsonDocument.Parse(Encoding.UTF8.GetBytes(json));
        return Hash(document.RootElement);
    }
}

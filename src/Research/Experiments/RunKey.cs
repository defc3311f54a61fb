using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Research.Data;

namespace Research.Experiments;

/// <summary>What a run's cache key is made of. The inputs are the canonical JSON of everything that determines the
/// result: the experiment, the seed, the budget and a run description (the notebook's configuration record, the
/// model's configuration after every override, every keyed field of the trainer's and loader's options, the datasets'
/// identities). The key hashes the inputs with the <see cref="CodeVersion"/>; the identity hashes them without it,
/// so a committed result can be recognised, and labelled, under a later build.</summary>
public static class RunKey
{
    /// <summary>The serializer for keys: snake_case names, declaration order, enums by name, and no property marked
    /// <see cref="NotInRunKeyAttribute"/>.</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(), new DatasetConverter() },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { LeaveOutUnkeyed } },
    };

    /// <summary>The canonical JSON of one run's inputs.</summary>
    public static JsonObject Inputs(string experiment, object description, int seed, Budget budget) => new()
    {
        ["experiment"] = experiment,
        ["type"] = TypeName(description.GetType()),
        ["run"] = Describe(description),
        ["seed"] = seed,
        ["budget"] = budget.Name(),
    };

    /// <summary>A type as a key names it: its full name without assemblies or versions, a generic type's arguments named
    /// the same way, <c>anonymous</c> for an anonymous type (its property names are in the key's JSON), and without the
    /// <c>Submission#N+</c> of the notebook cell that declared it (its number changes with the order cells run in). A
    /// notebook's types live in an assembly the kernel names afresh each session (<c>ℛ*&lt;guid&gt;#1-2</c>), and
    /// <see cref="Type.FullName"/> of <c>new { arm, model }</c> holds that name and the runtime's version, so a key
    /// built from it would never be found again.</summary>
    public static string TypeName(Type type)
    {
        if (type.IsArray) return TypeName(type.GetElementType()!) + "[" + new string(',', type.GetArrayRank() - 1) + "]";
        if (!type.IsGenericType) return SubmissionPrefix.Replace(type.FullName ?? type.Name, "");
        var definition = IsAnonymous(type) ? "anonymous" : SubmissionPrefix.Replace(type.GetGenericTypeDefinition().FullName ?? type.Name, "");
        return definition + "[" + string.Join(",", type.GetGenericArguments().Select(TypeName)) + "]";
    }

    private static bool IsAnonymous(Type type) =>
        type.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute), inherit: false) &&
        type.Name.Contains("AnonymousType", StringComparison.Ordinal);

    private static readonly System.Text.RegularExpressions.Regex SubmissionPrefix = new(@"Submission#\d+\+");

    /// <summary>Any value as key JSON (records, arrays, dictionaries with their keys sorted).</summary>
    public static JsonNode? Describe(object? value) => Canonical(JsonSerializer.SerializeToNode(value, value?.GetType() ?? typeof(object), Json));

    /// <summary>The cache key: 20 hex digits of SHA-256 over the inputs and the code version.</summary>
    public static string Of(JsonObject inputs, string codeVersion) => Hash(inputs.ToJsonString() + "\ncode " + codeVersion);

    /// <summary>The identity: the same hash without the code version.</summary>
    public static string IdentityOf(JsonObject inputs) => Hash(inputs.ToJsonString());

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..20];

    // Dictionaries serialize in insertion order; sorting their keys makes two equal settings one key.
    private static JsonNode? Canonical(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => KeyValuePair.Create(kv.Key, Canonical(kv.Value?.DeepClone())))),
        JsonArray a => new JsonArray(a.Select(x => Canonical(x?.DeepClone())).ToArray()),
        _ => node?.DeepClone(),
    };

    /// <summary>A dataset in a key: its identity, its image count and its content fingerprint, never its pixels.</summary>
    public static JsonObject Dataset(ImageDataset dataset) => new()
    {
        ["identity"] = dataset.Identity,
        ["count"] = dataset.Count,
        ["fingerprint"] = dataset.Fingerprint,
    };

    private sealed class DatasetConverter : JsonConverter<ImageDataset>
    {
        public override ImageDataset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("a run key describes a dataset; it cannot rebuild one");

        public override void Write(Utf8JsonWriter writer, ImageDataset value, JsonSerializerOptions options) => Dataset(value).WriteTo(writer);
    }

    private static void LeaveOutUnkeyed(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object) return;
        for (int i = info.Properties.Count - 1; i >= 0; i--)
            if (info.Properties[i].AttributeProvider is ICustomAttributeProvider p && p.IsDefined(typeof(NotInRunKeyAttribute), inherit: true))
                info.Properties.RemoveAt(i);
    }
}

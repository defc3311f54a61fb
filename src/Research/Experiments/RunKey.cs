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

    /// <summary>A description's type as a key names it: the full name without assemblies or versions, without the
    /// <c>Submission#N+</c> of the notebook cell that declared it (its number changes with the order cells run in),
    /// and an anonymous type (<c>keyOf: arm =&gt; new { arm, model, training }</c>) as <c>anonymous</c> with its
    /// members' types: the script assembly of a notebook session has a new random name each time, and
    /// <see cref="Type.FullName"/> of a generic type carries it, so the same run would never be found again.</summary>
    public static string TypeName(Type type)
    {
        if (type.IsGenericType && !type.IsGenericTypeDefinition)
            return TypeName(type.GetGenericTypeDefinition()) + "[" + string.Join(", ", type.GetGenericArguments().Select(TypeName)) + "]";
        var name = SubmissionPrefix.Replace(type.FullName ?? type.Name, "");
        return name.StartsWith("<>f__AnonymousType", StringComparison.Ordinal) ? "anonymous" : name;
    }

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

using System.ComponentModel;
using System.Collections.Concurrent;

namespace Research.Kernel.Execution;

/// <summary>
/// Polyglot's <c>#!share --from csharp|fsharp NAME [--as NEW]</c> and <c>#!set --name NAME --value VALUE</c>, between
/// the C# and F# cells of one kernel. Both languages run in this one process, so a value is shared as the object it is
/// (Polyglot's <c>--byref</c>), not as a JSON copy, and keeps its type: in F# through F# Interactive's bound values, in
/// C# as a variable declared with the value's type where C# can name it (else its nearest nameable base type).
/// </summary>
internal static class Sharing
{
    /// <summary>What a directive asks for: bind <see cref="Name"/> in the cell's language to <see cref="Source"/>'s
    /// variable <see cref="From"/>, or to the text <see cref="Text"/>.</summary>
    public sealed record Request(string Name, string? Source, string? From, string? Text);

    /// <summary>Reads a <c>#!share</c> or <c>#!set</c> line's arguments; throws <see cref="ArgumentException"/> naming
    /// what is wrong.</summary>
    public static Request Parse(CellMagics.Magic directive)
    {
        var words = Words(directive.Arguments);
        string? Option(string name)
        {
            var at = words.IndexOf(name);
            if (at < 0) return null;
            if (at + 1 >= words.Count) throw new ArgumentException($"#!{directive.Name}: {name} needs a value");
            var value = words[at + 1];
            words.RemoveRange(at, 2);
            return value;
        }
        if (directive.Name == "share")
        {
            var from = Option("--from") ?? throw new ArgumentException("#!share needs --from csharp or --from fsharp (the language the variable is in)");
            var rename = Option("--as");
            if (words.Count != 1) throw new ArgumentException("#!share takes one variable: #!share --from csharp|fsharp NAME [--as NEW]");
            return new Request(rename ?? words[0], Language(from, "#!share --from"), words[0], null);
        }
        words.Remove("--byref");                                       // in-process values are always shared by reference
        var name = Option("--name") ?? throw new ArgumentException("#!set needs --name NAME");
        var value = Option("--value") ?? throw new ArgumentException("#!set needs --value (text, or @csharp:NAME / @fsharp:NAME)");
        if (words.Count > 0) throw new ArgumentException($"#!set: '{words[0]}' is not an option (--name, --value, --byref)");
        if (value.StartsWith('@'))
        {
            var colon = value.IndexOf(':');
            if (colon < 0) throw new ArgumentException($"#!set --value {value}: write @csharp:NAME or @fsharp:NAME");
            return new Request(name, Language(value[1..colon], "#!set --value @"), value[(colon + 1)..], null);
        }
        return new Request(name, null, null, value);
    }

    private static string Language(string name, string where) => name.ToLowerInvariant() switch
    {
        "csharp" or "c#" => "csharp",
        "fsharp" or "f#" => "fsharp",
        _ => throw new ArgumentException($"{where}{name}: the languages here are csharp and fsharp"),
    };

    // Words split on blanks, a "double-quoted value" kept whole without its quotes
    private static List<string> Words(string text)
    {
        var words = new List<string>();
        for (int i = 0; i < text.Length;)
        {
            if (char.IsWhiteSpace(text[i])) { i++; continue; }
            if (text[i] == '"')
            {
                var end = text.IndexOf('"', i + 1);
                if (end < 0) throw new ArgumentException($"an opening quote without its closing one in '{text}'");
                words.Add(text[(i + 1)..end]);
                i = end + 1;
                continue;
            }
            var stop = i;
            while (stop < text.Length && !char.IsWhiteSpace(text[stop])) stop++;
            words.Add(text[i..stop]);
            i = stop;
        }
        return words;
    }

    /// <summary>The C# a cell runs to declare <paramref name="name"/> as <paramref name="value"/>, typed; the value waits
    /// in <see cref="SharedValues"/> until that code takes it.</summary>
    public static string CSharpDeclaration(string name, object? value, Type declared)
    {
        if (!Microsoft.CodeAnalysis.CSharp.SyntaxFacts.IsValidIdentifier(name))
            throw new ArgumentException($"'{name}' is not a C# variable name");
        SharedValues.Put(name, value);
        return $"var {name} = ({CSharpName(NameableType(declared))})global::Research.Kernel.Execution.SharedValues.Take(\"{name}\");";
    }

    /// <summary>The type itself if C# can name it from a cell, else its nearest base type that it can.</summary>
    public static Type NameableType(Type type)
    {
        for (var t = type; t is not null; t = t.BaseType)
            if (IsNameable(t)) return t;
        return typeof(object);
    }

    private static bool IsNameable(Type type)
    {
        if (type.IsArray) return type.GetElementType() is { } element && IsNameable(element);
        if (!type.IsVisible || type.IsPointer || type.IsByRef || type.IsGenericParameter || type.Assembly.IsDynamic
            || string.IsNullOrEmpty(type.Assembly.Location)) return false;               // F# Interactive's types live in memory only
        if (type.IsNested && type.IsGenericType) return false;                      // C# spreads their arguments over the outer types
        return !type.IsGenericType || type.GetGenericArguments().All(IsNameable);
    }

    /// <summary><paramref name="type"/> as C# source, fully qualified.</summary>
    public static string CSharpName(Type type)
    {
        if (type.IsArray) return CSharpName(type.GetElementType()!) + "[" + new string(',', type.GetArrayRank() - 1) + "]";
        if (!type.IsGenericType) return "global::" + type.FullName!.Replace('+', '.');
        var definition = type.GetGenericTypeDefinition().FullName!;
        return "global::" + definition[..definition.IndexOf('`')].Replace('+', '.') +
               "<" + string.Join(", ", type.GetGenericArguments().Select(CSharpName)) + ">";
    }

    /// <summary>The files of the assemblies that naming <paramref name="type"/> needs beyond the framework's, which both
    /// languages reference already.</summary>
    public static IEnumerable<string> AssemblyFilesOf(Type type)
    {
        var runtime = System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory();
        return AssembliesOf(type)
            .Where(a => !a.IsDynamic && a.Location.Length > 0 && !a.Location.StartsWith(runtime, StringComparison.Ordinal))
            .Select(a => a.Location)
            .Distinct(StringComparer.Ordinal);
    }

    private static IEnumerable<System.Reflection.Assembly> AssembliesOf(Type type)
    {
        if (type.IsArray) return AssembliesOf(type.GetElementType()!);
        return type.IsGenericType ? type.GetGenericArguments().SelectMany(AssembliesOf).Append(type.Assembly) : [type.Assembly];
    }
}

/// <summary>Values on their way from <c>#!share</c> or <c>#!set</c> into a C# cell's variable. Not for cells' own use.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class SharedValues
{
    private static readonly ConcurrentDictionary<string, object?> Waiting = new(StringComparer.Ordinal);

    internal static void Put(string name, object? value) => Waiting[name] = value;

    /// <summary>The value waiting under <paramref name="name"/>, removed.</summary>
    public static object? Take(string name) =>
        Waiting.TryRemove(name, out var value) ? value : throw new InvalidOperationException($"no shared value named '{name}' is waiting");
}

using System.Collections.Concurrent;

namespace Research.Kernel.Display;

/// <summary>
/// Turns values into MIME bundles for display. A formatter registered for a type also serves its
/// subclasses and, when registered for an interface or an open generic type, every type that
/// implements or closes it; the most derived registration wins. Values with no registered formatter
/// get the built-in ones (<see cref="BuiltInFormats"/>): records and sequences of records as HTML
/// tables, PNG/JPEG/GIF bytes as images, sequences as lists, anything else as its text.
/// Every bundle has <c>text/plain</c>.
/// </summary>
/// <example>
/// <code>Formatters.Register&lt;Money&gt;(m =&gt; MimeBundle.PlainText($"{m.Amount:F2} {m.Currency}"));</code>
/// </example>
public static class Formatters
{
    private static readonly object Gate = new();
    private static Dictionary<Type, Registration> registrations = new();
    private static readonly ConcurrentDictionary<Type, Registration?> Resolved = new();
    private static int order;

    private sealed record Registration(Type Type, Func<object, MimeBundle> Format, int Order);

    static Formatters() => KitFormatters.RegisterAll();

    /// <summary>At most this many items of a sequence are shown.</summary>
    public static int MaxItems { get; set; } = 100;

    /// <summary>At most this many rows of a table are shown.</summary>
    public static int MaxRows { get; set; } = 50;

    /// <summary>Registers (or replaces) the formatter for <typeparamref name="T"/> and the types derived from it.</summary>
    public static void Register<T>(Func<T, MimeBundle> formatter) =>
        Register(typeof(T), value => formatter((T)value));

    /// <summary>
    /// Registers (or replaces) the formatter for <paramref name="type"/>, which may be an interface
    /// or an open generic type such as <c>typeof(List&lt;&gt;)</c>.
    /// </summary>
    public static void Register(Type type, Func<object, MimeBundle> formatter)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(formatter);
        lock (Gate)
        {
            registrations = new Dictionary<Type, Registration>(registrations)
            {
                [type] = new Registration(type, formatter, order++),
            };
            Resolved.Clear();
        }
    }

    /// <summary>Removes the formatter registered for exactly <paramref name="type"/>; true if there was one.</summary>
    public static bool Unregister(Type type)
    {
        lock (Gate)
        {
            if (!registrations.ContainsKey(type)) return false;
            var copy = new Dictionary<Type, Registration>(registrations);
            copy.Remove(type);
            registrations = copy;
            Resolved.Clear();
            return true;
        }
    }

    [ThreadStatic]
    private static string? currentDisplayId;

    /// <summary>
    /// While a formatter runs: the display id of the output it formats when that output is an
    /// updatable display (<c>display(x)</c> or its <c>update</c>); null for a cell's result.
    /// </summary>
    public static string? CurrentDisplayId => currentDisplayId;

    /// <summary><see cref="Format(object?)"/> for the display with id <paramref name="displayId"/>.</summary>
    public static MimeBundle Format(object? value, string? displayId)
    {
        var previous = currentDisplayId;
        currentDisplayId = displayId;
        try { return Format(value); }
        finally { currentDisplayId = previous; }
    }

    /// <summary>The bundle to display for <paramref name="value"/>; always has <c>text/plain</c>.</summary>
    public static MimeBundle Format(object? value)
    {
        if (value is null) return MimeBundle.PlainText("null");
        var registration = Resolve(value.GetType());
        if (registration is null)
        {
            // a formatter registered with .NET Interactive, by a package's kernel extension or a cell
            if (InteractiveExtensions.TryFormat(value) is { } registeredThere)
                return registeredThere.Add(MimeBundle.PlainTextType, BuiltIn(value).Text ?? "");
            return BuiltIn(value);
        }
        MimeBundle bundle;
        try
        {
            bundle = registration.Format(value) ?? new MimeBundle();
        }
        catch (Exception e)
        {
            var text = BuiltIn(value).Text;
            return MimeBundle.PlainText($"(the formatter for {registration.Type.Name} failed: {e.GetType().Name}: {e.Message})\n{text}");
        }
        if (bundle.Text is null) bundle.Add(MimeBundle.PlainTextType, BuiltIn(value).Text ?? "");
        return bundle;
    }

    /// <summary>The built-in formats; a value whose own ToString or properties throw still shows something.</summary>
    private static MimeBundle BuiltIn(object value)
    {
        try
        {
            return BuiltInFormats.Format(value);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return MimeBundle.PlainText($"<{value.GetType().Name}: showing it threw {e.GetType().Name}: {e.Message}>");
        }
    }

    /// <summary>The short text of a value as it appears inside lists and table cells.</summary>
    public static string PlainText(object? value)
    {
        if (value is null) return "null";
        try
        {
            return RegisteredText(value) ?? BuiltInFormats.Text(value);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return $"<{e.GetType().Name}>";
        }
    }

    /// <summary>The <c>text/plain</c> of the formatter registered for the value's type, if any gives one.</summary>
    internal static string? RegisteredText(object value)
    {
        if (Resolve(value.GetType()) is not { } registration) return null;
        try { return registration.Format(value)?.Text; }
        catch (Exception) { return null; }
    }

    private static Registration? Resolve(Type type) => Resolved.GetOrAdd(type, Find);

    private static Registration? Find(Type type)
    {
        var table = registrations;
        if (table.Count == 0) return null;
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (Lookup(table, t) is { } exact) return exact;
        }
        // Among matching interfaces the most specific wins: one that no other matching interface extends.
        var candidates = type.GetInterfaces()
            .Select(i => (Interface: i, Registration: Lookup(table, i)))
            .Where(c => c.Registration is not null)
            .ToList();
        return candidates
            .Where(c => !candidates.Any(other => other.Interface != c.Interface && c.Interface.IsAssignableFrom(other.Interface)))
            .OrderBy(c => c.Registration!.Order)
            .Select(c => c.Registration)
            .FirstOrDefault();
    }

    private static Registration? Lookup(Dictionary<Type, Registration> table, Type type)
    {
        if (table.TryGetValue(type, out var registration)) return registration;
        if (type.IsConstructedGenericType && table.TryGetValue(type.GetGenericTypeDefinition(), out registration)) return registration;
        return null;
    }
}

using System.Collections;
using System.Reflection;
using System.Text;

namespace Research.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>Base of every layer and model. Parameters, buffers and submodules are found by
        /// reflection over the instance's fields, so nothing needs registering: a field of type
        /// <see cref="Parameter"/>, <see cref="Module"/>, a list or array of modules, or a dictionary
        /// of modules by name, is part of the state under the field's name in snake_case
        /// (<c>mlpTokens</c> -> <c>mlp_tokens</c>), exactly as PyTorch names it. Buffers are tensor
        /// fields marked <see cref="BufferAttribute"/>. Fields marked <see cref="IgnoreAttribute"/> are skipped.</summary>
        public abstract class Module : IDisposable
        {
            private static readonly Dictionary<Type, (string Name, FieldInfo Field)[]> FieldCache = new();
            private bool _training = true;

            /// <summary>Whether the module is in training mode (dropout active, batch statistics updated).</summary>
            public bool training => _training;

            /// <summary>Sets training mode on this module and every submodule.</summary>
            public Module train(bool mode = true)
            {
                foreach (var (_, m) in named_modules()) m._training = mode;
                return this;
            }

            public Module eval() => train(false);

            // ----- discovery -------------------------------------------------------------

            private static (string Name, FieldInfo Field)[] StateFields(Type type)
            {
                lock (FieldCache)
                {
                    if (FieldCache.TryGetValue(type, out var cached)) return cached;
                    var chain = new List<Type>();
                    for (var t = type; t != null && t != typeof(Module); t = t.BaseType) chain.Insert(0, t);
                    var fields = chain
                        .SelectMany(t => t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                            .OrderBy(f => f.MetadataToken))
                        .Where(f => f.GetCustomAttribute<IgnoreAttribute>() is null && IsStateType(f.FieldType, f))
                        .Select(f => (f.GetCustomAttribute<StateNameAttribute>()?.Name ?? SnakeCase(FieldName(f)), f))
                        .ToArray();
                    FieldCache[type] = fields;
                    return fields;
                }
            }

            private static bool IsStateType(Type t, FieldInfo f) =>
                typeof(Parameter).IsAssignableFrom(t) || typeof(Module).IsAssignableFrom(t)
                || (t == typeof(Tensor) && f.GetCustomAttribute<BufferAttribute>() is not null)
                || typeof(IEnumerable<Module>).IsAssignableFrom(t)
                || typeof(IEnumerable<KeyValuePair<string, Module>>).IsAssignableFrom(t)
                || (t.IsGenericType && t.GetGenericArguments().Length == 2 && t.GetGenericArguments()[0] == typeof(string)
                    && typeof(Module).IsAssignableFrom(t.GetGenericArguments()[1]) && typeof(IEnumerable).IsAssignableFrom(t));

            // Auto-properties compile to <Name>k__BackingField; a leading underscore is a C# habit, not part of the name.
            private static string FieldName(FieldInfo f)
            {
                var name = f.Name;
                if (name.StartsWith('<')) name = name[1..name.IndexOf('>')];
                return name.TrimStart('_');
            }

            /// <summary><c>mlpTokens</c> -> <c>mlp_tokens</c>, <c>layerScale1</c> -> <c>layer_scale1</c>; snake_case names pass unchanged.</summary>
            public static string SnakeCase(string name)
            {
                var sb = new StringBuilder(name.Length + 4);
                for (int i = 0; i < name.Length; i++)
                {
                    char c = name[i];
                    if (char.IsUpper(c))
                    {
                        if (i > 0 && name[i - 1] != '_' && (!char.IsUpper(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]))))
                            sb.Append('_');
                        sb.Append(char.ToLowerInvariant(c));
                    }
                    else sb.Append(c);
                }
                return sb.ToString();
            }

            /// <summary>Direct submodules with their names; list items are numbered as <c>nn.Sequential</c> does.</summary>
            public virtual IEnumerable<(string name, Module module)> named_children()
            {
                foreach (var (name, field) in StateFields(GetType()))
                {
                    var value = field.GetValue(this);
                    switch (value)
                    {
                        case Module m:
                            yield return (name, m);
                            break;
                        case IEnumerable<KeyValuePair<string, Module>> dict:
                            foreach (var kv in dict) yield return ($"{name}.{kv.Key}", kv.Value);
                            break;
                        case IEnumerable<Module> list:
                            int i = 0;
                            foreach (var m in list) yield return ($"{name}.{i++}", m);
                            break;
                        case IEnumerable other when field.FieldType.IsGenericType && field.FieldType.GetGenericArguments().Length == 2:
                            foreach (var item in other)
                            {
                                var kvType = item.GetType();
                                var key = (string)kvType.GetProperty("Key")!.GetValue(item)!;
                                if (kvType.GetProperty("Value")!.GetValue(item) is Module mv) yield return ($"{name}.{key}", mv);
                            }
                            break;
                    }
                }
            }

            /// <summary>Parameters held directly by this module (not its children).</summary>
            protected virtual IEnumerable<(string name, Parameter parameter)> own_parameters()
            {
                foreach (var (name, field) in StateFields(GetType()))
                    if (field.GetValue(this) is Parameter p) yield return (name, p);
            }

            /// <summary>Buffers held directly by this module: running statistics and other state saved with the weights.</summary>
            protected virtual IEnumerable<(string name, Tensor buffer)> own_buffers()
            {
                foreach (var (name, field) in StateFields(GetType()))
                    if (field.FieldType == typeof(Tensor) && field.GetValue(this) is Tensor t) yield return (name, t);
            }

            /// <summary>This module and every descendant, depth first, with dotted names ("" for this one).</summary>
            public IEnumerable<(string name, Module module)> named_modules(string prefix = "")
            {
                yield return (prefix, this);
                foreach (var (name, child) in named_children())
                    foreach (var item in child.named_modules(prefix.Length == 0 ? name : $"{prefix}.{name}"))
                        yield return item;
            }

            public IEnumerable<Module> modules() => named_modules().Select(m => m.module);

            public IEnumerable<Module> children() => named_children().Select(c => c.module);

            /// <summary>Every parameter with its state-dict key (<c>blocks.0.mlp.fc1.weight</c>); a parameter
            /// shared by two modules is listed once, as in PyTorch.</summary>
            public IEnumerable<(string name, Parameter parameter)> named_parameters()
            {
                var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
                foreach (var (prefix, m) in named_modules())
                    foreach (var (name, p) in m.own_parameters())
                        if (seen.Add(p)) yield return (Join(prefix, name), p);
            }

            public IEnumerable<Parameter> parameters() => named_parameters().Select(p => p.parameter);

            public IEnumerable<(string name, Tensor buffer)> named_buffers()
            {
                foreach (var (prefix, m) in named_modules())
                    foreach (var (name, b) in m.own_buffers())
                        yield return (Join(prefix, name), b);
            }

            private static string Join(string prefix, string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";

            // ----- state dict ---------------------------------------------------------------

            /// <summary>Parameters and buffers by key, as PyTorch's <c>state_dict()</c>. The tensors are
            /// the module's own (not copies): do not dispose them.</summary>
            public Dictionary<string, Tensor> state_dict()
            {
                var dict = new Dictionary<string, Tensor>();
                foreach (var (name, p) in named_parameters()) dict[name] = p;
                foreach (var (name, b) in named_buffers()) dict[name] = b;
                return dict;
            }

            /// <summary>Copies values in by key, converting each to the parameter's device and dtype. A shape mismatch
            /// always throws, as PyTorch's does; with <paramref name="strict"/> missing or unexpected keys throw too, and
            /// without it they are returned (PyTorch's <c>missing_keys</c>, <c>unexpected_keys</c>) and the keys present
            /// are copied. The error names every key at fault, and nothing is copied unless all match.</summary>
            public (List<string> missing, List<string> unexpected) load_state_dict(IReadOnlyDictionary<string, Tensor> source, bool strict = true)
            {
                var own = state_dict();
                var missing = own.Keys.Where(k => !source.ContainsKey(k)).ToList();
                var unexpected = source.Keys.Where(k => !own.ContainsKey(k)).ToList();
                var mismatched = own.Where(kv => source.TryGetValue(kv.Key, out var s) && !s.shape.SequenceEqual(kv.Value.shape))
                    .Select(kv => $"{kv.Key}: checkpoint [{string.Join(", ", source[kv.Key].shape)}] vs model [{string.Join(", ", kv.Value.shape)}]")
                    .ToList();
                if (mismatched.Count > 0 || (strict && (missing.Count > 0 || unexpected.Count > 0)))
                {
                    var problems = new List<string>();
                    if (missing.Count > 0) problems.Add("missing keys: " + string.Join(", ", missing));
                    if (unexpected.Count > 0) problems.Add("unexpected keys: " + string.Join(", ", unexpected));
                    if (mismatched.Count > 0) problems.Add("shape mismatch: " + string.Join("; ", mismatched));
                    throw new ArgumentException($"load_state_dict into {GetType().Name}: {string.Join(". ", problems)}");
                }
                using (no_grad())
                    foreach (var (key, target) in own)
                        if (source.TryGetValue(key, out var value))
                        {
                            using var converted = value.to(target.device, target.dtype);
                            target.copy_(converted);
                        }
                return (missing, unexpected);
            }

            // ----- devices, dtypes, gradients -------------------------------------------------

            /// <summary>Moves parameters and buffers to <paramref name="device"/> in place (the same
            /// Parameter objects, so optimizers built before keep working).</summary>
            public Module to(Device device) => Apply(t => t.to(device));

            public Module to(ScalarType dtype) => Apply(t => t.is_floating_point() ? t.to(dtype) : t.clone());

            private Module Apply(Func<Tensor, Tensor> convert)
            {
                using (no_grad())
                {
                    foreach (var (_, m) in named_modules())
                    {
                        foreach (var (name, field) in StateFields(m.GetType()))
                        {
                            switch (field.GetValue(m))
                            {
                                case Parameter p:
                                    using (var moved = convert(p)) p.SetData(moved);
                                    break;
                                case Tensor b when field.FieldType == typeof(Tensor):
                                    var nb = convert(b).DetachFromDisposeScope();
                                    b.Dispose();
                                    field.SetValue(m, nb);
                                    break;
                            }
                        }
                    }
                }
                return this;
            }

            /// <summary>Clears every parameter's gradient (sets it to None, as PyTorch 2 does by default).</summary>
            public void zero_grad()
            {
                foreach (var p in parameters()) p.grad = null;
            }

            /// <summary>Total number of parameter elements.</summary>
            public long num_parameters() => parameters().Sum(p => p.numel());

            /// <summary>Releases every parameter and buffer now.</summary>
            public void Dispose()
            {
                ReleaseNative();
                foreach (var p in parameters()) p.Dispose();
                foreach (var (_, b) in named_buffers()) b.Dispose();
                GC.SuppressFinalize(this);
            }

            /// <summary>Native state a module holds besides its tensors (DDP's reducer), released first on <see cref="Dispose"/>.</summary>
            protected virtual void ReleaseNative() { }

            public override string ToString() => ModuleSummary.Format(this);

            /// <summary>The layer's settings for its printed form, as PyTorch's <c>extra_repr</c>.</summary>
            public virtual string extra_repr() => "";
        }

        /// <summary>A module with a typed forward, as <c>nn.Module</c> subclasses in PyTorch.</summary>
        public abstract class Module<TIn, TOut> : Module
        {
            public abstract TOut forward(TIn input);

            /// <summary>Runs <see cref="forward"/>; <c>model.call(x)</c> is PyTorch's <c>model(x)</c>.</summary>
            public TOut call(TIn input) => forward(input);
        }

        /// <summary>Marks a tensor field as a buffer: saved in the state dict and moved by <c>to</c>, not trained.</summary>
        [AttributeUsage(AttributeTargets.Field)]
        public sealed class BufferAttribute : Attribute { }

        /// <summary>Keeps a field out of the module's state.</summary>
        [AttributeUsage(AttributeTargets.Field)]
        public sealed class IgnoreAttribute : Attribute { }

        /// <summary>Gives a field a state-dict name other than its snake_case name.</summary>
        [AttributeUsage(AttributeTargets.Field)]
        public sealed class StateNameAttribute(string name) : Attribute
        {
            public string Name { get; } = name;
        }
    }
}

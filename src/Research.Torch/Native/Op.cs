using System.Runtime.InteropServices;
using System.Text;

namespace Research.Torch.Native;

/// <summary>An ATen operator found by schema name and overload, called through the dispatcher
/// (so autograd and every backend apply). The handle is looked up once, on first use.</summary>
public sealed unsafe class Op
{
    private const int SmallResultCapacity = 8;
    private const int ListResultCapacity = 4096;

    private IntPtr _handle;
    private readonly bool _returnsList;

    /// <summary>Schema name, as <c>aten::add</c>.</summary>
    public string Name { get; }

    /// <summary>Overload name, as <c>Tensor</c>; empty for the unnamed overload.</summary>
    public string Overload { get; }

    /// <param name="name">Schema name, as <c>aten::conv2d</c>.</param>
    /// <param name="overload">Overload, as <c>Tensor</c> or <c>Scalar</c>; empty for none.</param>
    /// <param name="returnsList">Whether the operator returns a list of tensors of unknown length.</param>
    public Op(string name, string overload = "", bool returnsList = false)
    {
        Name = name;
        Overload = overload;
        FullName = overload.Length == 0 ? name : $"{name}.{overload}";
        _returnsList = returnsList;
    }

    // Built once: it is passed with every tensor argument, and a string built per call
    // costs as much as the dispatch itself on small tensors.
    private readonly string FullName;

    private IntPtr Handle
    {
        get
        {
            if (_handle != IntPtr.Zero) return _handle;
            NativeMethods.Check(NativeMethods.rt_op_find(Name, Overload, out var h), FullName);
            return _handle = h;
        }
    }

    /// <summary>The operator's schema as libtorch prints it.</summary>
    public string Schema
    {
        get
        {
            NativeMethods.Check(NativeMethods.rt_op_schema(Handle, out var s), FullName);
            return NativeMethods.TakeString(s)!;
        }
    }

    /// <summary>Calls the operator and returns its first result as a tensor.</summary>
    public Tensor Invoke(params ReadOnlySpan<Arg> args)
    {
        if (_returnsList) return InvokeMany(args)[0];
        NativeArg* outs = stackalloc NativeArg[SmallResultCapacity];
        int n = Call(args, outs, SmallResultCapacity);
        for (int k = 1; k < n; k++) Free(outs[k]);
        if (n == 0 || outs[0].Tag != ArgTag.Tensor)
        {
            if (n > 0) Free(outs[0]);
            throw new TorchException(FullName, "expected a tensor result");
        }
        return new Tensor(outs[0].P);
    }

    /// <summary>Calls the operator and returns every tensor it returned, tuples and lists flattened.</summary>
    public Tensor[] InvokeMany(params ReadOnlySpan<Arg> args)
    {
        int capacity = _returnsList ? ListResultCapacity : SmallResultCapacity;
        var outs = (NativeArg*)NativeMemory.Alloc((nuint)(capacity * sizeof(NativeArg)));
        try
        {
            int n = Call(args, outs, capacity);
            var list = new List<Tensor>(n);
            for (int k = 0; k < n; k++)
                if (outs[k].Tag == ArgTag.Tensor) list.Add(new Tensor(outs[k].P));
            return list.ToArray();
        }
        finally { NativeMemory.Free(outs); }
    }

    /// <summary>Calls an operator that returns one number (as <c>aten::item</c>).</summary>
    public double InvokeScalar(params ReadOnlySpan<Arg> args)
    {
        NativeArg* outs = stackalloc NativeArg[SmallResultCapacity];
        int n = Call(args, outs, SmallResultCapacity);
        var first = n > 0 ? outs[0] : default;
        for (int k = 0; k < n; k++) Free(outs[k]);
        return first.Tag switch
        {
            ArgTag.Int or ArgTag.Bool => first.I,
            ArgTag.Double => first.D,
            _ => throw new TorchException(FullName, "expected a number result"),
        };
    }

    /// <summary>Calls the operator for its side effect (in-place operators), releasing what it returns.</summary>
    public void InvokeVoid(params ReadOnlySpan<Arg> args)
    {
        NativeArg* outs = stackalloc NativeArg[SmallResultCapacity];
        int n = Call(args, outs, SmallResultCapacity);
        for (int k = 0; k < n; k++) Free(outs[k]);
    }

    private static void Free(in NativeArg a)
    {
        if (a.Tag == ArgTag.Tensor) NativeMethods.rt_tensor_free(a.P);
    }

    private int Call(ReadOnlySpan<Arg> args, NativeArg* outs, int capacity)
    {
        int longs = 0, pointers = 0, bytes = 0;
        foreach (ref readonly var a in args)
        {
            switch (a.Tag)
            {
                case ArgTag.IntList: longs += ((long[])a.Ref!).Length; break;
                case ArgTag.DoubleList: longs += ((double[])a.Ref!).Length; break;
                case ArgTag.BoolList: bytes += ((bool[])a.Ref!).Length; break;
                case ArgTag.TensorList: pointers += ((Tensor?[])a.Ref!).Length; break;
                case ArgTag.String: bytes += Encoding.UTF8.GetMaxByteCount(((string)a.Ref!).Length); break;
            }
        }

        // Lists are copied into one scratch block rather than pinned one by one; it
        // lives on the stack unless an argument is unusually large.
        int scratchBytes = longs * 8 + pointers * IntPtr.Size + bytes;
        byte* heapScratch = scratchBytes > 2048 ? (byte*)NativeMemory.Alloc((nuint)scratchBytes) : null;
        byte* stackScratch = stackalloc byte[heapScratch == null ? scratchBytes : 0];
        byte* scratch = heapScratch != null ? heapScratch : stackScratch;
        NativeArg* native = stackalloc NativeArg[args.Length];
        try
        {
            byte* cursor = scratch;
            for (int k = 0; k < args.Length; k++)
                native[k] = Lower(args[k], ref cursor);
            var error = NativeMethods.rt_op_call(Handle, native, args.Length, outs, capacity, out int n);
            if (error != IntPtr.Zero)
                throw new TorchException(FullName, NativeMethods.TakeString(error)!, Describe(args));
            return n;
        }
        finally
        {
            if (heapScratch != null) NativeMemory.Free(heapScratch);
        }
    }

    private NativeArg Lower(in Arg a, ref byte* cursor)
    {
        var n = new NativeArg { Tag = a.Tag, I = a.I, D = a.D };
        switch (a.Tag)
        {
            case ArgTag.Tensor:
                n.P = ((Tensor)a.Ref!).HandleFor(FullName);
                break;
            case ArgTag.IntList:
            {
                var v = (long[])a.Ref!;
                n.Length = v.Length; n.P = (IntPtr)cursor;
                v.AsSpan().CopyTo(new Span<long>(cursor, v.Length));
                cursor += v.Length * 8;
                break;
            }
            case ArgTag.DoubleList:
            {
                var v = (double[])a.Ref!;
                n.Length = v.Length; n.P = (IntPtr)cursor;
                v.AsSpan().CopyTo(new Span<double>(cursor, v.Length));
                cursor += v.Length * 8;
                break;
            }
            case ArgTag.BoolList:
            {
                var v = (bool[])a.Ref!;
                n.Length = v.Length; n.P = (IntPtr)cursor;
                for (int k = 0; k < v.Length; k++) cursor[k] = v[k] ? (byte)1 : (byte)0;
                cursor += v.Length;
                break;
            }
            case ArgTag.TensorList:
            {
                var v = (Tensor?[])a.Ref!;
                n.Length = v.Length; n.P = (IntPtr)cursor;
                var handles = (IntPtr*)cursor;
                for (int k = 0; k < v.Length; k++) handles[k] = v[k]?.HandleFor(FullName) ?? IntPtr.Zero;
                cursor += v.Length * IntPtr.Size;
                break;
            }
            case ArgTag.String:
            {
                var s = (string)a.Ref!;
                int len = Encoding.UTF8.GetBytes(s, new Span<byte>(cursor, Encoding.UTF8.GetMaxByteCount(s.Length)));
                n.Length = len; n.P = (IntPtr)cursor;
                cursor += len;
                break;
            }
            case ArgTag.Device:
            {
                var d = (Device)a.Ref!;
                n.I = (long)d.Type; n.Length = d.Index;
                break;
            }
        }
        return n;
    }

    private static string Describe(ReadOnlySpan<Arg> args)
    {
        var parts = new List<string>(args.Length);
        foreach (ref readonly var a in args) parts.Add(a.Describe());
        return "arguments: " + string.Join(", ", parts);
    }
}

using System.Runtime.InteropServices;
using System.Text;
using Research.Torch.Native;

namespace Research.Torch;

public static partial class torch
{
    public static partial class distributed
    {
        /// <summary>A key-value store that the processes of a group meet through, as <c>torch.distributed.Store</c>:
        /// c10d's own stores, reached through the shim.</summary>
        public abstract class Store : IDisposable
        {
            private IntPtr _handle;

            private protected Store(IntPtr handle, TimeSpan timeout) => (_handle, Timeout) = (handle, timeout);

            /// <summary>How long a <see cref="get"/> or a join waits before it fails.</summary>
            public TimeSpan Timeout { get; }

            internal IntPtr Handle => _handle != IntPtr.Zero ? _handle : throw new ObjectDisposedException(GetType().Name);

            public unsafe void set(string key, byte[] value)
            {
                fixed (byte* p = value) Check(NativeMethods.rt_store_set(Handle, key, p, value.Length), "set");
            }

            public void set(string key, string value) => set(key, Encoding.UTF8.GetBytes(value));

            /// <summary>The value of <paramref name="key"/>, waiting for it to be set up to <see cref="Timeout"/>.</summary>
            public byte[] get(string key)
            {
                Check(NativeMethods.rt_store_get(Handle, key, out var data, out long len), $"get('{key}')");
                try
                {
                    var bytes = new byte[len];
                    Marshal.Copy(data, bytes, 0, (int)len);
                    return bytes;
                }
                finally { NativeMethods.rt_free_string(data); }
            }

            public string get_string(string key) => Encoding.UTF8.GetString(get(key));

            /// <summary>Adds <paramref name="delta"/> to the integer at <paramref name="key"/> (0 when unset) and returns the sum.</summary>
            public long add(string key, long delta)
            {
                Check(NativeMethods.rt_store_add(Handle, key, delta, out long value), $"add('{key}')");
                return value;
            }

            private protected void Check(IntPtr error, string operation)
            {
                if (error != IntPtr.Zero) throw new DistributedException(-1, $"{GetType().Name}.{operation}", NativeMethods.TakeString(error)!);
            }

            public void Dispose()
            {
                if (_handle != IntPtr.Zero) NativeMethods.rt_store_free(_handle);
                _handle = IntPtr.Zero;
                GC.SuppressFinalize(this);
            }

            ~Store() => Dispose();
        }

        /// <summary>c10d's TCPStore: the master (rank 0) listens on <c>host:port</c> and waits until
        /// <c>worldSize - 1</c> clients have joined; clients retry the connection until the timeout (30 minutes unless given).</summary>
        public sealed class TCPStore : Store
        {
            public TCPStore(string host, int port, int worldSize, bool isMaster, TimeSpan? timeout = null)
                : base(Open(host, port, worldSize, isMaster, timeout ?? DefaultTimeout), timeout ?? DefaultTimeout)
            {
                (Host, Port) = (host, port);
            }

            public string Host { get; }
            public int Port { get; }

            private static IntPtr Open(string host, int port, int worldSize, bool isMaster, TimeSpan timeout)
            {
                if (port is < 1 or > 65535) throw new ArgumentOutOfRangeException(nameof(port), $"TCPStore: port must be in 1..65535, not {port}");
                if (worldSize < 1) throw new ArgumentOutOfRangeException(nameof(worldSize), $"TCPStore: world size must be at least 1, not {worldSize}");
                var error = NativeMethods.rt_store_tcp(host, port, isMaster ? 1 : 0, worldSize, (long)timeout.TotalMilliseconds, out var handle);
                if (error != IntPtr.Zero)
                {
                    var message = NativeMethods.TakeString(error)!;
                    string what = isMaster
                        ? $"the master could not serve {host}:{port} to {worldSize} processes within {timeout.TotalSeconds:0.#} s"
                        : $"could not reach the master at {host}:{port} within {timeout.TotalSeconds:0.#} s";
                    throw new DistributedException(-1, "TCPStore", $"{what}: {message}");
                }
                return handle;
            }
        }

        /// <summary>c10d's FileStore: the processes of one machine meet through a file that all of them can open.</summary>
        public sealed class FileStore : Store
        {
            public FileStore(string path, int worldSize, TimeSpan? timeout = null)
                : base(Open(path, worldSize, timeout ?? DefaultTimeout), timeout ?? DefaultTimeout)
            {
                Path = path;
            }

            public string Path { get; }

            private static IntPtr Open(string path, int worldSize, TimeSpan timeout)
            {
                var error = NativeMethods.rt_store_file(path, worldSize, (long)timeout.TotalMilliseconds, out var handle);
                if (error != IntPtr.Zero) throw new DistributedException(-1, "FileStore", $"{path}: {NativeMethods.TakeString(error)}");
                return handle;
            }
        }
    }
}

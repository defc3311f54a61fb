using System.Runtime.InteropServices;
using Research.Torch.Native;

namespace Research.Torch;

public static partial class torch
{
    public static partial class nn
    {
        public static partial class parallel
        {
            /// <summary>Data-parallel training as <c>torch.nn.parallel.DistributedDataParallel</c>, on c10d's own
            /// <c>Reducer</c>. At wrap, rank 0's parameters and buffers are broadcast to every rank. Each forward with
            /// gradients enabled arms the reducer; during backward, as the gradients of a bucket (a small first bucket,
            /// then <c>bucket_cap_mb</c> each) are ready, the bucket is all-reduced while backward goes on, and each
            /// parameter's <c>grad</c> ends as the mean over ranks. Buffers (running statistics) are broadcast from
            /// rank 0 before each training forward. The wrapped model is <see cref="module"/>, so state-dict keys gain a
            /// <c>module.</c> prefix, as in PyTorch.</summary>
            public sealed class DistributedDataParallel : Module<Tensor, Tensor>
            {
                /// <summary>What first-bucket size PyTorch uses (<c>dist._DEFAULT_FIRST_BUCKET_BYTES</c>): small, so the
                /// first all-reduce starts early in backward.</summary>
                public const long FirstBucketBytes = 1L << 20;

                public readonly Module<Tensor, Tensor> module;
                [Ignore] private IntPtr _reducer;
                [Ignore] private readonly Tensor[] _buffers;
                [Ignore] private int _noSyncDepth;

                public DistributedDataParallel(Module<Tensor, Tensor> module, distributed.ProcessGroup? process_group = null,
                    double bucket_cap_mb = 25, bool broadcast_buffers = true, bool find_unused_parameters = false)
                {
                    if (bucket_cap_mb <= 0) throw new ArgumentOutOfRangeException(nameof(bucket_cap_mb), $"DistributedDataParallel: bucket_cap_mb must be positive, not {bucket_cap_mb}");
                    this.module = module;
                    process_group ??= distributed.group;
                    this.process_group = process_group;
                    BroadcastBuffers = broadcast_buffers;
                    FindUnusedParameters = find_unused_parameters;
                    var named = module.named_parameters().Where(p => p.parameter.requires_grad).ToList();
                    if (named.Count == 0) throw new ArgumentException("DistributedDataParallel: the module has no parameter that requires grad", nameof(module));
                    _buffers = module.named_buffers().Select(b => b.buffer).ToArray();
                    using (no_grad())
                        process_group.broadcast_coalesced([.. module.parameters(), .. _buffers]);
                    _reducer = NewReducer(process_group, named, (long)(bucket_cap_mb * (1 << 20)), find_unused_parameters);
                }

                public distributed.ProcessGroup process_group { get; }
                public bool BroadcastBuffers { get; }
                public bool FindUnusedParameters { get; }

                /// <summary>False inside <see cref="no_sync"/>: backward then leaves the local gradients as they are.</summary>
                public bool require_backward_grad_sync => _noSyncDepth == 0;

                /// <summary>The buckets the reducer holds now (it rebuilds them once, in the order gradients arrived, after the first step).</summary>
                public int bucket_count => NativeMethods.rt_reducer_bucket_count(Reducer);

                private IntPtr Reducer => _reducer != IntPtr.Zero ? _reducer : throw new ObjectDisposedException(nameof(DistributedDataParallel));

                public override Tensor forward(Tensor input)
                {
                    bool sync = is_grad_enabled() && require_backward_grad_sync;
                    if (sync)
                    {
                        Check(NativeMethods.rt_reducer_prepare_for_forward(Reducer), "forward");
                        if (BroadcastBuffers && _buffers.Length > 0 && process_group.Size > 1)
                            using (no_grad()) process_group.broadcast_coalesced(_buffers);
                    }
                    var output = module.forward(input);
                    if (sync) PrepareForBackward(FindUnusedParameters ? [output] : []);
                    return output;
                }

                /// <summary>Gradient accumulation: backward passes run inside the returned scope add to the local gradients
                /// with no communication; the first backward after it averages the sum, as <c>with ddp.no_sync():</c>.</summary>
                public IDisposable no_sync()
                {
                    _noSyncDepth++;
                    return new NoSync(this);
                }

                private sealed class NoSync(DistributedDataParallel owner) : IDisposable
                {
                    private bool _done;
                    public void Dispose()
                    {
                        if (_done) return;
                        _done = true;
                        owner._noSyncDepth--;
                    }
                }

                private unsafe void PrepareForBackward(Tensor[] outputs)
                {
                    var handles = outputs.Select(t => t.HandleFor("DistributedDataParallel.forward")).ToArray();
                    IntPtr error;
                    fixed (IntPtr* p = handles) error = NativeMethods.rt_reducer_prepare_for_backward(Reducer, p, handles.Length);
                    GC.KeepAlive(outputs);
                    Check(error, "forward");
                }

                private static unsafe IntPtr NewReducer(distributed.ProcessGroup group, List<(string name, Parameter parameter)> named, long bucketBytes, bool findUnused)
                {
                    var handles = named.Select(p => p.parameter.HandleFor("DistributedDataParallel")).ToArray();
                    var names = named.Select(p => Marshal.StringToCoTaskMemUTF8(p.name)).ToArray();
                    try
                    {
                        IntPtr error, reducer;
                        fixed (IntPtr* ph = handles)
                        fixed (IntPtr* pn = names)
                            error = NativeMethods.rt_reducer_new(group.Handle, ph, pn, handles.Length, bucketBytes, Math.Min(FirstBucketBytes, bucketBytes),
                                findUnused ? 1 : 0, out reducer);
                        if (error != IntPtr.Zero) throw group.Failure("DistributedDataParallel", NativeMethods.TakeString(error)!);
                        return reducer;
                    }
                    finally
                    {
                        foreach (var n in names) Marshal.FreeCoTaskMem(n);
                        GC.KeepAlive(named);
                    }
                }

                private void Check(IntPtr error, string where)
                {
                    if (error != IntPtr.Zero) throw process_group.Failure($"DistributedDataParallel.{where}", NativeMethods.TakeString(error)!);
                }

                protected override void ReleaseNative()
                {
                    if (_reducer == IntPtr.Zero) return;
                    var error = NativeMethods.rt_reducer_free(_reducer);
                    _reducer = IntPtr.Zero;
                    if (error != IntPtr.Zero) NativeMethods.TakeString(error);   // a reducer torn down mid-step: nothing left to report to
                }

                public override string extra_repr() =>
                    $"world_size={process_group.Size}, backend={process_group.Backend}, broadcast_buffers={BroadcastBuffers}, find_unused_parameters={FindUnusedParameters}";
            }
        }
    }
}

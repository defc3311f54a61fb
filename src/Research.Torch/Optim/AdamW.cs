namespace Research.Torch;

public static partial class torch
{
    public static partial class optim
    {
        /// <summary>Adam with decoupled weight decay (Loshchilov and Hutter), PyTorch's update:
        /// p ← p(1 − lr·λ); m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²;
        /// p ← p − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε).</summary>
        public sealed class AdamW : Optimizer
        {
            public double beta1 { get; }
            public double beta2 { get; }
            public double eps { get; }

            /// <summary>As PyTorch's <c>foreach</c>: null picks per device (one native pass on the CPU, libtorch's
            /// multi-tensor operators on a GPU), true takes the multi-tensor operators everywhere, false the
            /// operator-by-operator rule.</summary>
            public bool? @foreach { get; }

            public AdamW(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
                double weight_decay = 1e-2, bool? @foreach = null)
                : this([new ParamGroup(parameters, lr, weight_decay)], beta1, beta2, eps, @foreach) { }

            public AdamW(IEnumerable<ParamGroup> groups, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, bool? @foreach = null) : base(groups)
            {
                if (beta1 is < 0 or >= 1 || beta2 is < 0 or >= 1)
                    throw new ArgumentOutOfRangeException(nameof(beta1), $"AdamW: betas must be in [0, 1), got ({beta1}, {beta2})");
                (this.beta1, this.beta2, this.eps, this.@foreach) = (beta1, beta2, eps, @foreach);
            }

            // The whole group in one native call (src/native/adamw.cpp) when its tensors share a device, a dtype
            // and a contiguous layout; the operator-by-operator rule below otherwise.
            protected override unsafe void StepGroup(ParamGroup group, IReadOnlyList<(Parameter p, Tensor grad)> items)
            {
                int n = items.Count;
                if (n == 0) return;
                if (@foreach == false)
                {
                    base.StepGroup(group, items);
                    return;
                }
                var handles = new IntPtr[4 * n];
                for (int k = 0; k < n; k++)
                {
                    var (p, g) = items[k];
                    var state = Moments(p);
                    handles[k] = p.HandleFor("AdamW");
                    handles[n + k] = g.HandleFor("AdamW");
                    handles[2 * n + k] = state["exp_avg"].HandleFor("AdamW");
                    handles[3 * n + k] = state["exp_avg_sq"].HandleFor("AdamW");
                }
                int fused;
                fixed (IntPtr* h = handles)
                    Native.NativeMethods.Check(Native.NativeMethods.rt_adamw_step(h, h + n, h + 2 * n, h + 3 * n, n, group.lr, beta1, beta2, eps,
                        group.weight_decay, step_count, @foreach == true ? 1 : 0, out fused), "AdamW.step");
                if (fused == 0) base.StepGroup(group, items);
            }

            private Dictionary<string, Tensor> Moments(Parameter p)
            {
                var state = StateOf(p);
                if (!state.ContainsKey("exp_avg"))
                {
                    state["exp_avg"] = Keep(zeros_like(p));
                    state["exp_avg_sq"] = Keep(zeros_like(p));
                }
                return state;
            }

            protected override void Update(Parameter p, Tensor grad, ParamGroup group, Dictionary<string, Tensor> state)
            {
                var m = Moments(p)["exp_avg"];
                var v = state["exp_avg_sq"];
                if (group.weight_decay != 0) p.mul_(1 - group.lr * group.weight_decay);
                m.lerp_(grad, 1 - beta1);
                v.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
                double bias1 = 1 - Math.Pow(beta1, step_count);
                double bias2Sqrt = Math.Sqrt(1 - Math.Pow(beta2, step_count));
                var denom = v.sqrt().div_(bias2Sqrt).add_(eps);
                p.addcdiv_(m, denom, -group.lr / bias1);
            }
        }
    }
}

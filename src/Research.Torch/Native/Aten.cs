namespace Research.Torch.Native;

/// <summary>The ATen operators the kit calls, by schema name and overload. Anything else is
/// reachable through <see cref="torch.ops"/>.</summary>
internal static class aten
{
    // creation
    internal static readonly Op zeros = new("aten::zeros");
    internal static readonly Op ones = new("aten::ones");
    internal static readonly Op empty = new("aten::empty", "memory_format");
    internal static readonly Op full = new("aten::full");
    internal static readonly Op arange = new("aten::arange", "start_step");
    internal static readonly Op linspace = new("aten::linspace");
    internal static readonly Op eye = new("aten::eye");
    internal static readonly Op eye_m = new("aten::eye", "m");
    internal static readonly Op randn = new("aten::randn");
    internal static readonly Op rand = new("aten::rand");
    internal static readonly Op randint = new("aten::randint", "low");
    internal static readonly Op randperm = new("aten::randperm");
    internal static readonly Op scalar_tensor = new("aten::scalar_tensor");
    internal static readonly Op zeros_like = new("aten::zeros_like");
    internal static readonly Op ones_like = new("aten::ones_like");
    internal static readonly Op full_like = new("aten::full_like");
    internal static readonly Op randn_like = new("aten::randn_like");
    internal static readonly Op rand_like = new("aten::rand_like");
    internal static readonly Op empty_like = new("aten::empty_like");
    internal static readonly Op sparse_coo_tensor = new("aten::sparse_coo_tensor", "indices_size");
    internal static readonly Op bernoulli_p = new("aten::bernoulli", "p");

    // conversion and copies
    internal static readonly Op to_dtype = new("aten::to", "dtype");
    internal static readonly Op to_device = new("aten::to", "device");
    internal static readonly Op pin_memory = new("aten::pin_memory");
    internal static readonly Op is_pinned = new("aten::is_pinned");
    internal static readonly Op clone = new("aten::clone");
    internal static readonly Op contiguous = new("aten::contiguous");
    internal static readonly Op detach = new("aten::detach");
    internal static readonly Op alias = new("aten::alias");
    internal static readonly Op item = new("aten::item");
    internal static readonly Op copy_ = new("aten::copy_");
    internal static readonly Op to_dense = new("aten::to_dense");
    internal static readonly Op coalesce = new("aten::coalesce");

    // shape
    internal static readonly Op reshape = new("aten::reshape");
    internal static readonly Op view = new("aten::view");
    internal static readonly Op permute = new("aten::permute");
    internal static readonly Op transpose = new("aten::transpose", "int");
    internal static readonly Op t = new("aten::t");
    internal static readonly Op flatten = new("aten::flatten", "using_ints");
    internal static readonly Op unflatten = new("aten::unflatten", "int");
    internal static readonly Op squeeze = new("aten::squeeze");
    internal static readonly Op squeeze_dim = new("aten::squeeze", "dim");
    internal static readonly Op unsqueeze = new("aten::unsqueeze");
    internal static readonly Op expand = new("aten::expand");
    internal static readonly Op expand_as = new("aten::expand_as");
    internal static readonly Op repeat = new("aten::repeat");
    internal static readonly Op movedim = new("aten::movedim", "int");
    internal static readonly Op cat = new("aten::cat");
    internal static readonly Op stack = new("aten::stack");
    internal static readonly Op split = new("aten::split", "Tensor", returnsList: true);
    internal static readonly Op split_sizes = new("aten::split_with_sizes", "", returnsList: true);
    internal static readonly Op chunk = new("aten::chunk", "", returnsList: true);
    internal static readonly Op unbind = new("aten::unbind", "int", returnsList: true);
    internal static readonly Op roll = new("aten::roll");
    internal static readonly Op flip = new("aten::flip");
    internal static readonly Op pad = new("aten::pad");
    internal static readonly Op unfold = new("aten::unfold");
    internal static readonly Op tril = new("aten::tril");
    internal static readonly Op triu = new("aten::triu");

    // indexing
    internal static readonly Op slice = new("aten::slice", "Tensor");
    internal static readonly Op narrow = new("aten::narrow");
    internal static readonly Op select = new("aten::select", "int");
    internal static readonly Op index = new("aten::index", "Tensor");
    internal static readonly Op index_put_ = new("aten::index_put_");
    internal static readonly Op index_select = new("aten::index_select");
    internal static readonly Op gather = new("aten::gather");
    internal static readonly Op scatter = new("aten::scatter", "src");
    internal static readonly Op scatter_value = new("aten::scatter", "value");
    internal static readonly Op scatter_add = new("aten::scatter_add");
    internal static readonly Op scatter_reduce = new("aten::scatter_reduce", "two");
    internal static readonly Op index_add = new("aten::index_add");
    internal static readonly Op index_add_ = new("aten::index_add_");
    internal static readonly Op masked_fill = new("aten::masked_fill", "Scalar");
    internal static readonly Op masked_fill_ = new("aten::masked_fill_", "Scalar");
    internal static readonly Op masked_select = new("aten::masked_select");
    internal static readonly Op where = new("aten::where", "self");
    internal static readonly Op where_scalar_other = new("aten::where", "ScalarOther");
    internal static readonly Op nonzero = new("aten::nonzero");
    internal static readonly Op fill_ = new("aten::fill_", "Scalar");
    internal static readonly Op zero_ = new("aten::zero_");

    // arithmetic
    internal static readonly Op add = new("aten::add", "Tensor");
    internal static readonly Op add_scalar = new("aten::add", "Scalar");
    internal static readonly Op add_ = new("aten::add_", "Tensor");
    internal static readonly Op add_scalar_ = new("aten::add_", "Scalar");
    internal static readonly Op sub = new("aten::sub", "Tensor");
    internal static readonly Op sub_scalar = new("aten::sub", "Scalar");
    internal static readonly Op sub_ = new("aten::sub_", "Tensor");
    internal static readonly Op rsub_scalar = new("aten::rsub", "Scalar");
    internal static readonly Op mul = new("aten::mul", "Tensor");
    internal static readonly Op mul_scalar = new("aten::mul", "Scalar");
    internal static readonly Op mul_ = new("aten::mul_", "Tensor");
    internal static readonly Op mul_scalar_ = new("aten::mul_", "Scalar");
    internal static readonly Op div = new("aten::div", "Tensor");
    internal static readonly Op div_scalar = new("aten::div", "Scalar");
    internal static readonly Op div_mode = new("aten::div", "Tensor_mode");
    internal static readonly Op div_ = new("aten::div_", "Tensor");
    internal static readonly Op div_scalar_ = new("aten::div_", "Scalar");
    internal static readonly Op remainder_scalar = new("aten::remainder", "Scalar");
    internal static readonly Op addcmul_ = new("aten::addcmul_");
    internal static readonly Op addcmul = new("aten::addcmul");
    internal static readonly Op addcdiv_ = new("aten::addcdiv_");
    internal static readonly Op lerp_ = new("aten::lerp_", "Scalar");
    internal static readonly Op neg = new("aten::neg");
    internal static readonly Op abs = new("aten::abs");
    internal static readonly Op sign = new("aten::sign");
    internal static readonly Op exp = new("aten::exp");
    internal static readonly Op log = new("aten::log");
    internal static readonly Op log1p = new("aten::log1p");
    internal static readonly Op sqrt = new("aten::sqrt");
    internal static readonly Op rsqrt = new("aten::rsqrt");
    internal static readonly Op pow_scalar = new("aten::pow", "Tensor_Scalar");
    internal static readonly Op pow_tensor = new("aten::pow", "Tensor_Tensor");
    internal static readonly Op sin = new("aten::sin");
    internal static readonly Op cos = new("aten::cos");
    internal static readonly Op floor = new("aten::floor");
    internal static readonly Op ceil = new("aten::ceil");
    internal static readonly Op round = new("aten::round");
    internal static readonly Op clamp = new("aten::clamp");
    internal static readonly Op clamp_ = new("aten::clamp_");
    internal static readonly Op maximum = new("aten::maximum");
    internal static readonly Op minimum = new("aten::minimum");
    internal static readonly Op reciprocal = new("aten::reciprocal");
    internal static readonly Op square = new("aten::square");
    internal static readonly Op isnan = new("aten::isnan");
    internal static readonly Op isfinite = new("aten::isfinite");
    internal static readonly Op logical_not = new("aten::logical_not");
    internal static readonly Op logical_and = new("aten::logical_and");
    internal static readonly Op logical_or = new("aten::logical_or");
    internal static readonly Op matmul = new("aten::matmul");
    internal static readonly Op block_diag = new("aten::block_diag");
    internal static readonly Op linalg_eigh = new("aten::linalg_eigh");
    internal static readonly Op segment_reduce = new("aten::segment_reduce");
    internal static readonly Op mm = new("aten::mm");
    internal static readonly Op bmm = new("aten::bmm");
    internal static readonly Op addmm = new("aten::addmm");
    internal static readonly Op outer = new("aten::outer");
    internal static readonly Op einsum = new("aten::einsum");
    internal static readonly Op sparse_mm = new("aten::_sparse_mm");

    // comparisons
    internal static readonly Op eq = new("aten::eq", "Tensor");
    internal static readonly Op eq_scalar = new("aten::eq", "Scalar");
    internal static readonly Op ne = new("aten::ne", "Tensor");
    internal static readonly Op ne_scalar = new("aten::ne", "Scalar");
    internal static readonly Op lt = new("aten::lt", "Tensor");
    internal static readonly Op lt_scalar = new("aten::lt", "Scalar");
    internal static readonly Op le = new("aten::le", "Tensor");
    internal static readonly Op le_scalar = new("aten::le", "Scalar");
    internal static readonly Op gt = new("aten::gt", "Tensor");
    internal static readonly Op gt_scalar = new("aten::gt", "Scalar");
    internal static readonly Op ge = new("aten::ge", "Tensor");
    internal static readonly Op ge_scalar = new("aten::ge", "Scalar");
    internal static readonly Op allclose = new("aten::allclose");
    internal static readonly Op equal = new("aten::equal");

    // reductions
    internal static readonly Op sum = new("aten::sum");
    internal static readonly Op sum_dim = new("aten::sum", "dim_IntList");
    internal static readonly Op mean = new("aten::mean");
    internal static readonly Op mean_dim = new("aten::mean", "dim");
    internal static readonly Op max = new("aten::max");
    internal static readonly Op max_dim = new("aten::max", "dim");
    internal static readonly Op min = new("aten::min");
    internal static readonly Op min_dim = new("aten::min", "dim");
    internal static readonly Op amax = new("aten::amax");
    internal static readonly Op argmax = new("aten::argmax");
    internal static readonly Op argmin = new("aten::argmin");
    internal static readonly Op var_dim = new("aten::var", "correction");
    internal static readonly Op std_dim = new("aten::std", "correction");
    internal static readonly Op logsumexp = new("aten::logsumexp");
    internal static readonly Op prod = new("aten::prod");
    internal static readonly Op cumsum = new("aten::cumsum");
    internal static readonly Op norm = new("aten::linalg_vector_norm");
    internal static readonly Op all = new("aten::all");
    internal static readonly Op any = new("aten::any");
    internal static readonly Op sort = new("aten::sort");
    internal static readonly Op topk = new("aten::topk");
    internal static readonly Op bincount = new("aten::bincount");

    // neural network functions
    internal static readonly Op linear = new("aten::linear");
    internal static readonly Op conv2d = new("aten::conv2d");
    internal static readonly Op avg_pool2d = new("aten::avg_pool2d");
    internal static readonly Op max_pool2d = new("aten::max_pool2d");
    internal static readonly Op adaptive_avg_pool2d = new("aten::adaptive_avg_pool2d");
    internal static readonly Op layer_norm = new("aten::layer_norm");
    internal static readonly Op group_norm = new("aten::group_norm");
    internal static readonly Op batch_norm = new("aten::batch_norm");
    internal static readonly Op dropout = new("aten::dropout");
    internal static readonly Op gelu = new("aten::gelu");
    internal static readonly Op relu = new("aten::relu");
    internal static readonly Op relu_ = new("aten::relu_");
    internal static readonly Op leaky_relu = new("aten::leaky_relu");
    internal static readonly Op elu = new("aten::elu");
    internal static readonly Op silu = new("aten::silu");
    internal static readonly Op sigmoid = new("aten::sigmoid");
    internal static readonly Op tanh = new("aten::tanh");
    internal static readonly Op softmax = new("aten::softmax", "int");
    internal static readonly Op log_softmax = new("aten::log_softmax", "int");
    internal static readonly Op one_hot = new("aten::one_hot");
    internal static readonly Op cross_entropy = new("aten::cross_entropy_loss");
    internal static readonly Op nll_loss = new("aten::nll_loss_nd");
    internal static readonly Op kl_div = new("aten::kl_div");
    internal static readonly Op mse_loss = new("aten::mse_loss");
    internal static readonly Op binary_cross_entropy_with_logits = new("aten::binary_cross_entropy_with_logits");
    internal static readonly Op upsample_nearest2d = new("aten::upsample_nearest2d", "vec");
    internal static readonly Op upsample_bilinear2d = new("aten::upsample_bilinear2d", "vec");
    internal static readonly Op upsample_bicubic2d = new("aten::upsample_bicubic2d", "vec");
    internal static readonly Op grid_sampler = new("aten::grid_sampler");
    internal static readonly Op im2col = new("aten::im2col");
    internal static readonly Op col2im = new("aten::col2im");
    internal static readonly Op embedding = new("aten::embedding");
    internal static readonly Op cosine_similarity = new("aten::cosine_similarity");

    // initialisation (in place, under no_grad by the callers)
    internal static readonly Op normal_ = new("aten::normal_");
    internal static readonly Op uniform_ = new("aten::uniform_");
}

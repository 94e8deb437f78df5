//===- Passes.td - Kiln's passes ---------------------------*- tablegen -*-===//
//
// Every Kiln pass, declared once; each is implemented in its own file under
// passes/<group>/. Flags read <dialect>-<verb>, conversions convert-<a>-to-<b>.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES
#define KILN_PASSES

include "mlir/Pass/PassBase.td"

def ConvertGraphToLinalg : Pass<"convert-graph-to-linalg"> {
  let summary = "Lower graph ops to linalg, tensor, arith and math on tensors";
  let description = [{
    Rewrites every `graph` op into ops of upstream dialects on tensors:
    elementwise ops and broadcasts into `linalg.generic`s with numpy
    broadcasting maps, matmul into a contraction `linalg.generic`, conv2d
    and pooling into linalg's named convolution and pooling ops (grouped
    convolutions through `linalg.conv_2d_ngchw_gfchw`), reductions and
    normalizations into reduction generics, data movement into `tensor` ops
    or index-computing generics. `graph.dispatch` regions stay, with their
    contents lowered. Shapes must be static; a dynamic one is reported on the
    op that has it.
  }];
  let options = [
    Option<"gatherPads", "gather-pads", "bool", /*default=*/"false",
           "A constant graph.pad as a generic over its result reading the "
           "input through bounds checks (every element a parallel "
           "iteration, for GPUs), rather than a fill and an insert of the "
           "input (two copies a CPU streams)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def GraphFormDispatches : Pass<"graph-form-dispatches", "::mlir::func::FuncOp"> {
  let summary = "Wrap each compute op of the model graph in a dispatch region";
  let description = [{
    Puts every graph op that computes (all but `graph.constant` and
    `graph.reshape`, which are data and views) into its own `graph.dispatch`
    region, the unit that becomes one kernel. Splat constants it reads are
    copied into the region, so kernels see them as scalars; other values
    become the region's inputs. This is the compile without fusion
    (`kiln-compile --no-fusion`); `graph-fuse` forms the fused regions.
  }];
}

def GraphPlace : Pass<"graph-place", "::mlir::ModuleOp"> {
  let summary = "Choose the target each compute op runs on, across several";
  let description = [{
    With several `targets`, sets `graph.device` on every compute op (of
    every function of the module, each placed on its own) to the
    target that minimizes the estimated time of a run: each op's time on
    each target from its backend's cost figures (launch, arithmetic and
    bytes over the target's rates), plus the transfers between memories the
    choice implies (a value crosses once per memory reading it; inputs
    start and outputs end on the host; weights are uploaded once). The
    search is a minimum cut per pair of targets (exact for a host-memory
    target and one device), starting from the best single target. An op a
    target cannot run never goes there; `placements` (NAME=TARGET, NAME a
    prefix of op location names such as `layer4` or `/layer4/`) force ops
    onto a target; `costs` (TARGET.FIGURE=VALUE) correct the figures. With
    one target it only checks that the target can run every op (an error
    names each it cannot); with none it does nothing. docs/placement.md.
  }];
  let options = [
    ListOption<"targetNames", "targets", "std::string",
               "The targets to place ops on (backend names)">,
    Option<"targetOptions", "target-options", "std::string", /*default=*/"",
           "The compile's backend options (TARGET.name=value, or name=value "
           "for the first target): the figures of some depend on them">,
    ListOption<"placements", "placements", "std::string",
               "NAME=TARGET: ops whose location name is NAME or inside it "
               "run on TARGET">,
    ListOption<"costs", "costs", "std::string",
               "TARGET.FIGURE=VALUE: a cost figure of a target (gflops, "
               "memory-gbps, launch-us, transfer-gbps, transfer-us)">,
  ];
}

def GraphFuse : Pass<"graph-fuse", "::mlir::func::FuncOp"> {
  let summary = "Group the model graph's compute ops into fused dispatch regions";
  let description = [{
    Forms `graph.dispatch` regions of several ops, by rules over the kind of
    loop nest each op becomes (elementwise, reduction, contraction, window,
    data movement): a matmul or convolution takes its elementwise epilogue
    (bias, activation, residual add); elementwise chains become one region;
    a softmax, layer norm or reduction takes its elementwise producers, and
    a reduction over the same rows joins another (mean and variance);
    elementwise producers with users elsewhere are recomputed; a pooling
    window takes the convolution that only it reads (whole channels per
    workgroup, the convolution's padding hoisted into a graph.pad). Never
    fused: other producers into contractions or pooling, two contractions, reductions
    over different axes, transcendental producers that are broadcast, data
    movement. Reshapes (and transposes, where free) first sink below the
    elementwise ops that read them, so they do not cut a chain.
    docs/fusion.md lists the rules with their reasons.
  }];
}

def GraphFoldBatchNorm : Pass<"graph-fold-batch-norm", "::mlir::func::FuncOp"> {
  let summary = "Fold inference batch norm into the convolution before it";
  let description = [{
    `batch_norm(conv2d(x, W, b))` with constant W, b and batch-norm
    parameters becomes `conv2d(x, W * s, (b - mean) * s + beta)` with
    `s = scale / sqrt(variance + epsilon)` per output channel. The new
    weight and bias are graph ops on constants, which
    `graph-fold-constants` then evaluates, so nothing of the batch norm is
    left to compute at run time. Only a convolution with no other user is
    rewritten.
  }];
}

def GraphFoldConstants : Pass<"graph-fold-constants", "::mlir::func::FuncOp"> {
  let summary = "Evaluate weight-only subgraphs at compile time";
  let description = [{
    Evaluates every graph op whose operands are all constants and replaces
    it with a constant holding its result (a `dense_resource`, or a splat):
    transposes and casts of weights, elementwise arithmetic on them (the
    folded batch norm), broadcasts and reshapes. Floating-point results are
    computed in double precision and rounded once to the element type.
    An op is left alone when its result would be larger than
    `max-growth` times its largest operand (a broadcast that would bloat the
    artifact), has more than 2^26 elements (the host computes in double), or
    is not one of the evaluated ops.
  }];
  let options = [
    Option<"maxGrowth", "max-growth", "int64_t", /*default=*/"1",
           "Largest allowed ratio of result bytes to largest operand bytes "
           "(results up to 4 KiB always fold)">,
  ];
}

def GraphPackWeights : Pass<"graph-pack-weights", "::mlir::func::FuncOp"> {
  let summary = "Store f32 weights as the panels CPU micro-kernels stream";
  let description = [{
    A `graph.matmul` whose rhs is an f32 weight [K, N] becomes a
    `graph.panel_matmul` reading the same weight stored as [N/P, K, P]
    panels of `panel-columns` (P) columns. A register tile of P output
    columns then reads its part of B as one contiguous K x P stream instead
    of K rows N elements apart (which on a 4096-column weight all fall in
    one L1 set). Likewise an ungrouped `graph.conv2d` whose filter is an f32
    weight [O, C, KH, KW] becomes a `graph.panel_conv2d` reading it as
    [O/P, KH, KW, C, P]: P output channels' weights of one reduction step
    are one vector, the steps over input channels contiguous.
    The weight is rearranged once, here; the artifact holds only the packed
    copy, so a weight is packed only when every user of it is such an op,
    and only when P divides N (O). An f32 rhs [K, N] computed at run time
    (sgemm's B) is packed at run time instead, by a reshape to [K, N/P, P]
    and a transpose to [N/P, K, P] (its own kernel), when the matmul has at
    least `min-activation-rows` rows to reuse each panel. The compile
    pipeline runs it for targets whose backend asks (the CPU);
    `panel-columns=0` does nothing.
  }];
  let options = [
    Option<"panelColumns", "panel-columns", "int64_t", /*default=*/"16",
           "Columns of a weight panel: the micro-kernel's register tile "
           "width (0: leave weights as they are)">,
    Option<"device", "device", "std::string", /*default=*/"",
           "Pack only for the ops graph-place put on this target (empty: "
           "every op)">,
    // The panel micro-kernel reads and writes each pixel's channels as
    // strided vectors once per tile; below this the reduction is too short
    // to pay for it and the column micro-kernel (weights broadcast, rows
    // stored whole) is faster. Measured on 1x1 convolutions: 16 -> 96
    // channels ran at 13 GFLOP/s packed against 29, 128 -> 512 at 75
    // against 88, while 256 -> 64 ran at 58 against 48 and every 3x3 with
    // 16 or more channels (144) was faster packed.
    Option<"minActivationRows", "min-activation-rows", "int64_t",
           /*default=*/"64",
           "Fewest rows (M, batch included) for which a matmul's rhs "
           "computed at run time is packed into panels by a transpose "
           "kernel (0: never)">,
    Option<"minConvReduction", "min-conv-reduction", "int64_t",
           /*default=*/"144",
           "Fewest multiply-adds per output (C x KH x KW) for which a "
           "convolution's filter is packed">,
  ];
}

def GraphAnnotateShardings : Pass<"graph-annotate-shardings", "::mlir::ModuleOp"> {
  let summary = "The user's mesh and per-tensor shardings as shard annotations";
  let description = [{
    Turns `mesh` ("dp=2,tp=2": named axes and their sizes) into a
    `shard.grid @mesh` whose `kiln.axes` keeps the names, and each entry of
    `shardings` ("fc1.weight=tp,_;x=dp,_": a tensor, then per dim the mesh
    axis splitting it, `_` for none, `dp+tp` for two) into `shard.shard`
    annotations on that tensor. A tensor is an input of the entry function
    (by its `exec.name`, or `inputN` for input N) or a weight (a
    `graph.constant` by its `exec.name` or resource name). Errors name the
    tensor and the axis: an unknown tensor or axis, the wrong number of
    dims, an axis used twice, a dim the axes do not divide. Without a mesh
    the module is left as it is (it may carry annotations of its own).
  }];
  let options = [
    Option<"mesh", "mesh", "std::string", /*default=*/"\"\"",
           "Named mesh axes and their sizes: dp=2,tp=2">,
    Option<"shardings", "shardings", "std::string", /*default=*/"\"\"",
           "Per-tensor shardings separated by ';': fc1.weight=tp,_;x=dp,_">,
    Option<"entry", "entry", "std::string", /*default=*/"\"\"",
           "The function whose inputs are named (default: the only one)">,
  ];
  let dependentDialects = ["::mlir::shard::ShardDialect"];
}

def GraphPartition : Pass<"graph-partition", "::mlir::ModuleOp"> {
  let summary = "Propagate shardings and rewrite the graph into the per-device program";
  let description = [{
    For a module with a `shard.grid`: checks the annotations
    (`graph-check-sharding`), propagates them to every op (upstream
    `sharding-propagation`, forward then backward), records each function's
    argument and result shardings (`kiln.split_axes`: what the runtime
    splits and assembles), and partitions (upstream `shard-partition`): the
    function takes and returns local shards, with collectives where the
    computation needs other devices' data. A weight sliced per device
    (`shard.all_slice` of a constant) has the weight-only ops that follow it
    (transposes, casts, elementwise ops) moved before the slice, so constant
    folding still evaluates them once, at compile time.
  }];
  // Resharding casts what a collective returns (tensor.cast), folded away
  // by the canonicalization after it.
  let dependentDialects = ["::mlir::shard::ShardDialect",
                           "::mlir::tensor::TensorDialect"];
}

def GraphCheckSharding : Pass<"graph-check-sharding", "::mlir::func::FuncOp"> {
  let summary = "Reject shardings that cannot partition the model graph";
  let description = [{
    Checks every `shard.shard` annotation of the model graph before
    upstream `shard-partition` runs (which would floor a dimension that does
    not divide, silently computing the wrong thing): each split axis exists
    in its grid and the product of a dim's axes divides it (an axis used
    twice is the sharding verifier's error). Errors name the
    tensor (its `exec.name`, or the op computing it), the dim and the axis
    (by the grid's `kiln.axes` names when it has them).
  }];
  let dependentDialects = ["::mlir::shard::ShardDialect"];
}

def ExecBuildSchedule : Pass<"exec-build-schedule", "::mlir::ModuleOp"> {
  let summary = "Outline dispatch regions into kernels and schedule them over buffers";
  let description = [{
    Turns the entry function (`entry`, or the module's only function) into
    the host schedule the runtime runs: each `graph.dispatch` region becomes
    a kernel function in the nested module `@kernels_<target>`, launched by
    `exec.dispatch`; `graph.constant` becomes `exec.constant`,
    `graph.reshape` an `exec.view` of the same bytes, and every other
    intermediate tensor an `exec.alloc`ated buffer. The function then takes
    its inputs followed by its outputs as buffers (`exec.num_inputs` says
    where the outputs start); a dispatch writes a returned value straight into
    its output buffer, anything else is copied there. The collectives of a
    partitioned graph (`shard.all_reduce`, `all_gather`, `reduce_scatter`,
    `all_to_all`) become the `exec` collectives over buffers, their grid the
    function's `exec.mesh`.

    With `memory` a device's, the kernels' buffers are in that memory
    (`memref<..., "opencl">`): weights are constants there, each input the
    kernels read is transferred in once (`exec.transfer`), every dispatch
    writes device buffers, and results are transferred into the output
    buffers, which stay in host memory like the inputs.
  }];
  let options = [
    Option<"entry", "entry", "std::string", /*default=*/"\"\"",
           "Function to schedule (default: the module's only function)">,
    Option<"target", "target", "std::string", /*default=*/"\"cpu\"",
           "Backend the kernels are compiled for">,
    Option<"targetOptions", "target-options", "std::string",
           /*default=*/"\"\"",
           "The backend's options, name=value separated by ',' (recorded "
           "in the kernel module's #exec.target)">,
    Option<"alignment", "alignment", "int64_t", /*default=*/"64",
           "Byte alignment the target's device needs for buffers (recorded "
           "on the kernel module as exec.alignment)">,
    Option<"memory", "memory", "std::string", /*default=*/"\"host\"",
           "The memory the kernels bind: host (a target working on host "
           "memory, the CPU) or the device's own (the target's name); then "
           "weights live there, inputs are transferred in and results out">,
  ];
  let dependentDialects = ["::kiln::exec::ExecDialect"];
}

def ExecLowerKernels : Pass<"exec-lower-kernels", "::mlir::ModuleOp"> {
  let summary = "Lower each kernel module with its target's backend";
  let description = [{
    Runs, on every nested module carrying an `exec.target`, the pipelines
    of that target's backend with the options the attribute records: the
    kernel pipeline (`kernels`) and the binary pipeline (`binary`). A
    schedule spread over several targets has one kernel module per target,
    each lowered by its own backend.
  }];
  let options = [
    Option<"kernels", "kernels", "bool", /*default=*/"true",
           "Run the backends' kernel pipelines (the compile's kernels stage)">,
    Option<"binary", "binary", "bool", /*default=*/"true",
           "Run the backends' binary pipelines (the compile's binary stage)">,
  ];
}

def ExecPlanMemory : Pass<"exec-plan-memory", "::mlir::ModuleOp"> {
  let summary = "Place every transient buffer in one arena per device";
  let description = [{
    Lays out the transient buffers (`exec.alloc`) of each host function
    (`exec.entry`) at compile time, so the runtime allocates one arena per
    device once and never allocates during a run:
    1. in place: a dispatch whose kernel is elementwise (graph ops, one
       result, every op of the result's shape) writes its result over an
       input of the same type that dies there, unless the input is a
       caller's buffer (an input, output or constant);
    2. lifetimes: a buffer is live from the first step (dispatch or copy)
       that touches it, through any view, to the last, inclusive;
    3. offsets, greedy by size with best fit (as TFLite's and XLA's heap
       simulators): largest buffer first, each into the smallest gap between
       the buffers already placed whose lifetimes overlap its own, else on
       top of them; offsets and gaps in multiples of the device's alignment
       (the kernel module's exec.alignment).
    Each alloc gets `in "<target>" at <offset>`; the function gets
    `exec.arenas = {<target> = {alignment, bytes, lower_bound_bytes,
    naive_bytes, buffers, in_place}}`, where the lower bound is the most
    bytes live at any one step and naive is the sum of all transient buffers
    (one allocation each). A function already planned is checked instead:
    no two buffers live at the same step may share bytes.
    With `device-memory-limit`, a plan needing more than that many bytes on
    a device (arena, weights, inputs and outputs) is an error that lists the
    buffers live at the peak and the dispatches that write them.
  }];
  let options = [
    Option<"inPlace", "in-place", "bool", /*default=*/"true",
           "Let elementwise dispatches overwrite an input that dies there">,
    Option<"deviceMemoryLimit", "device-memory-limit", "int64_t",
           /*default=*/"0",
           "Bytes a device may use (0: no limit)">,
  ];
  let dependentDialects = ["::kiln::exec::ExecDialect"];
}

#endif // KILN_PASSES

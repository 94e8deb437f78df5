//===- ExecOps.td - the Kiln host schedule dialect ---------*- tablegen -*-===//
//
// `exec` is what the runtime runs: a host function over buffers that
// allocates, views, copies and transfers them and launches kernels on them.
// Buffers are static, identity-layout memrefs whose memory space says where
// their bytes are: none for the host's memory, a string naming the device
// otherwise (`memref<4x8xf32, "opencl">`). Kernels are functions in a nested
// module per target (`module @kernels_cpu attributes {exec.target =
// #exec.target<"cpu">}`); a target whose kernels work on host memory (the
// CPU) binds host buffers, any other binds buffers in its own memory.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_EXEC_OPS
#define KILN_EXEC_OPS

include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Exec_Dialect : Dialect {
  let name = "exec";
  let cppNamespace = "::kiln::exec";
  let summary = "The host schedule: buffers, kernel launches, copies";
  let useDefaultAttributePrinterParser = 1;
}

def Exec_TargetAttr : AttrDef<Exec_Dialect, "Target"> {
  let mnemonic = "target";
  let summary = "the backend a kernel module is compiled for, with its options";
  let description = [{
    On each kernel module (`exec.target`), as MLIR's GPU target attributes
    are: the backend's name and the options the compile gave it, so the
    kernel pipeline and the serializer read them from the IR and `kiln-opt`
    replays a compile exactly.
    ```mlir
    module @kernels_cpu attributes {exec.target = #exec.target<"cpu", {cpu = "host"}>}
    ```
  }];
  let parameters = (ins StringRefParameter<"the backend's name">:$name,
                        OptionalParameter<"::mlir::DictionaryAttr">:$options);
  let assemblyFormat = "`<` $name (`,` $options^)? `>`";
  let extraClassDeclaration = [{
    /// The option `key`, or `fallback` when it is not set.
    std::string option(llvm::StringRef key, llvm::StringRef fallback = "") const;
  }];
}

class Exec_Op<string mnemonic, list<Trait> traits = []>
    : Op<Exec_Dialect, mnemonic, traits>;

def Exec_Buffer : MemRefOf<[AnyType]>;

def Exec_TransferOp : Exec_Op<"transfer"> {
  let summary = "moves a buffer's bytes between memories (host and devices)";
  let description = [{
    Copies `source` into `target`, of the same shape and element type in
    another memory: host to device, device to host, or device to device.
    `exec-build-schedule` inserts them where data crosses into or out of a
    device's memory.
    ```mlir
    exec.transfer %x, %x_d : memref<8x512xf32>, memref<8x512xf32, "opencl">
    ```
  }];
  let arguments = (ins Arg<Exec_Buffer, "", [MemRead]>:$source,
                       Arg<Exec_Buffer, "", [MemWrite]>:$target);
  let assemblyFormat =
      "$source `,` $target attr-dict `:` type($source) `,` type($target)";
  let hasVerifier = 1;
}

def Exec_AllocOp : Exec_Op<"alloc", [
    MemoryEffects<[MemAlloc<DefaultResource>]>]> {
  let summary = "a transient buffer, live for one run";
  let description = [{
    A buffer the schedule writes and reads within one run. Memory planning
    (`exec-plan-memory`) places it in a device's arena, a byte range the
    runtime allocates once per executor:
    ```mlir
    %t = exec.alloc in "host" at 4096 : memref<2x8xf32>
    %d = exec.alloc in "opencl" at 0 : memref<2x8xf32, "opencl">
    ```
    `in` names the arena (listed in the host function's `exec.arenas`): the
    memory of the buffer's type, "host" or the device's. `at` is the byte
    offset, a multiple of the arena's alignment. Buffers whose live
    ranges overlap never overlap in the arena; others may share bytes.
  }];
  let arguments = (ins OptionalAttr<StrAttr>:$arena,
                       OptionalAttr<I64Attr>:$offset);
  let results = (outs Exec_Buffer:$buffer);
  let assemblyFormat =
      "(`in` $arena^ `at` $offset)? attr-dict `:` type($buffer)";
  let builders = [
    OpBuilder<(ins "::mlir::MemRefType":$type), [{
      build($_builder, $_state, type, nullptr, nullptr);
    }]>
  ];
  let hasVerifier = 1;
}

def Exec_ConstantOp : Exec_Op<"constant", [Pure]> {
  let summary = "a buffer holding constant data (weights) from the artifact";
  let description = [{
    With `split` (per dim, the mesh axes it is split along), `value` is the
    whole tensor and the buffer is this device's block of it, as a
    sharding's split_axes say: the artifact stores each device's block. In a
    device's memory (its type's memory space), the runtime uploads it there
    once, when it loads the model.
    ```mlir
    %w = exec.constant dense_resource<fc1_weight> split = [[], [1]] : memref<16x4xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value, OptionalAttr<ArrayAttr>:$split);
  let results = (outs Exec_Buffer:$buffer);
  let assemblyFormat =
      "$value (`split` `=` $split^)? attr-dict `:` type($buffer)";
  let hasVerifier = 1;
}

def Exec_ViewOp : Exec_Op<"view", [Pure]> {
  let summary = "the same bytes seen with another shape (a reshape), in the same memory";
  let arguments = (ins Exec_Buffer:$source);
  let results = (outs Exec_Buffer:$result);
  let assemblyFormat =
      "$source attr-dict `:` type($source) `to` type($result)";
  let hasVerifier = 1;
}

def Exec_CopyOp : Exec_Op<"copy"> {
  let summary = "copies one buffer into another of the same type (one memory)";
  let arguments = (ins Arg<Exec_Buffer, "", [MemRead]>:$source,
                       Arg<Exec_Buffer, "", [MemWrite]>:$target);
  let assemblyFormat =
      "$source `,` $target attr-dict `:` type($source) `,` type($target)";
  let hasVerifier = 1;
}

def Exec_DispatchOp : Exec_Op<"dispatch", [AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "launches a kernel over its workgroup grid";
  let description = [{
    Runs `kernel` reading the `inputs` buffers and writing the `outputs`
    buffers (its bindings, in that order). The kernel is a function in a
    target's kernel module whose signature, seen as tensors, maps the inputs
    to the outputs; its backend decides the workgroup grid. All bindings are
    in one memory, one the target's kernels can read.
    ```mlir
    exec.dispatch @kernels_cpu::@dispatch_0 ins(%x, %w : memref<4x8xf32>, memref<8x16xf32>)
        outs(%y : memref<4x16xf32>)
    ```
  }];
  let arguments = (ins SymbolRefAttr:$kernel,
                       Arg<Variadic<Exec_Buffer>, "", [MemRead]>:$inputs,
                       Arg<Variadic<Exec_Buffer>, "", [MemWrite]>:$outputs);
  let assemblyFormat = [{
    $kernel (`ins` `(` $inputs^ `:` type($inputs) `)`)?
    `outs` `(` $outputs `:` type($outputs) `)` attr-dict
  }];
}

//===----------------------------------------------------------------------===//
// Collectives
//===----------------------------------------------------------------------===//

class Exec_CollectiveOp<string mnemonic> : Exec_Op<mnemonic> {
  code commonDescription = [{
    Runs on every device of the host function's mesh (`exec.mesh`, the
    device count along each axis), between the devices that differ only in
    the mesh `axes` given (the group): reads `source` and writes `target`,
    each device its own, both in one memory: the host's, or the device's
    (the runtime's communicator reads device memory where it can, e.g.
    NCCL on CUDA; otherwise the runtime stages it through the host).
  }];
  dag commonArguments = (ins Arg<Exec_Buffer, "", [MemRead]>:$source,
                             Arg<Exec_Buffer, "", [MemWrite]>:$target,
                             DenseI16ArrayAttr:$axes);
  let hasVerifier = 1;
}

def Exec_AllSliceOp : Exec_CollectiveOp<"all_slice"> {
  let summary = "each device of the group keeps its block of `dim`";
  let description = commonDescription # [{
    The source is the same on every device of the group (replicated);
    device i of the group keeps block i along `dim`. No data moves between
    devices.
  }];
  let arguments = !con(commonArguments, (ins I64Attr:$dim));
  let assemblyFormat = [{
    $source `,` $target `axes` `=` $axes `dim` `=` $dim attr-dict
    `:` type($source) `,` type($target)
  }];
}

def Exec_AllReduceOp : Exec_CollectiveOp<"all_reduce"> {
  let summary = "every device of the group gets the reduction of all sources";
  let description = commonDescription # [{
    `reduction` is "sum", "max" or "min"; source and target have one type.
    ```mlir
    exec.all_reduce %partial, %sum axes = [1] reduction = "sum" : memref<4x8xf32>, memref<4x8xf32>
    ```
  }];
  let arguments = !con(commonArguments, (ins StrAttr:$reduction));
  let assemblyFormat = [{
    $source `,` $target `axes` `=` $axes `reduction` `=` $reduction attr-dict
    `:` type($source) `,` type($target)
  }];
}

def Exec_AllGatherOp : Exec_CollectiveOp<"all_gather"> {
  let summary = "the group's sources concatenated along `dim`, on every device";
  let description = commonDescription # [{
    The target's `dim` is the group size times the source's.
  }];
  let arguments = !con(commonArguments, (ins I64Attr:$dim));
  let assemblyFormat = [{
    $source `,` $target `axes` `=` $axes `dim` `=` $dim attr-dict
    `:` type($source) `,` type($target)
  }];
}

def Exec_ReduceScatterOp : Exec_CollectiveOp<"reduce_scatter"> {
  let summary = "the reduction of the group's sources, split along `dim`";
  let description = commonDescription # [{
    Device i of the group gets block i of the reduction; the source's `dim`
    is the group size times the target's.
  }];
  let arguments = !con(commonArguments, (ins I64Attr:$dim, StrAttr:$reduction));
  let assemblyFormat = [{
    $source `,` $target `axes` `=` $axes `dim` `=` $dim `reduction` `=`
    $reduction attr-dict `:` type($source) `,` type($target)
  }];
}

def Exec_AllToAllOp : Exec_CollectiveOp<"all_to_all"> {
  let summary = "blocks along `split_dim` exchanged, concatenated along `concat_dim`";
  let description = commonDescription # [{
    Device i sends block j of its source (split along `split_dim`) to
    device j, which concatenates what it receives along `concat_dim`.
  }];
  let arguments = !con(commonArguments, (ins I64Attr:$split_dim,
                                             I64Attr:$concat_dim));
  let assemblyFormat = [{
    $source `,` $target `axes` `=` $axes `split_dim` `=` $split_dim
    `concat_dim` `=` $concat_dim attr-dict `:` type($source) `,` type($target)
  }];
}

#endif // KILN_EXEC_OPS

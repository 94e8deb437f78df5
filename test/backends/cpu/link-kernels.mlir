// RUN: kiln-opt %s --pass-pipeline="builtin.module(builtin.module(cpu-link-kernels))" --mlir-print-debuginfo | FileCheck %s

// The kernels become the shared library's bytes; each kernel the host names
// stays as a declaration, the rest goes. lld resets LLVM's command-line
// options when it links: --mlir-print-debuginfo must still hold after it.
// CHECK-LABEL: module @kernels_cpu attributes {exec.library = "\7FELF
// CHECK-SAME: exec.target = #exec.target<"cpu", {cpu = "x86-64"}>, exec.workgroups = {k = 2 : i64}
// CHECK-NEXT: llvm.func @k(!llvm.ptr, i64) loc(
// CHECK-NEXT: } loc(
module {
  module @kernels_cpu attributes {exec.target = #exec.target<"cpu", {cpu = "x86-64"}>, exec.workgroups = {k = 2 : i64}} {
    llvm.func internal @k(%out: !llvm.ptr, %workgroup: i64) {
      %one = llvm.mlir.constant(1.0 : f32) : f32
      %p = llvm.getelementptr %out[%workgroup] : (!llvm.ptr, i64) -> !llvm.ptr, f32
      llvm.store %one, %p : f32, !llvm.ptr
      llvm.return
    }
    llvm.func @kiln_k(%bindings: !llvm.ptr, %workgroup: i64) {
      %out = llvm.load %bindings : !llvm.ptr -> !llvm.ptr
      llvm.call @k(%out, %workgroup) : (!llvm.ptr, i64) -> ()
      llvm.return
    }
  }
}

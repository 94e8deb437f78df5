// cpu-emit-entry-points: kiln_<kernel>(bindings, workgroup) unpacks the
// binding array; everything else becomes internal.
// RUN: kiln-opt %s -split-input-file -cpu-emit-entry-points -verify-diagnostics | FileCheck %s

// CHECK-LABEL: llvm.func internal @k(
// CHECK: llvm.func @kiln_k(%[[BINDINGS:.*]]: !llvm.ptr, %[[WG:.*]]: i64)
// CHECK: %[[P0:.*]] = llvm.getelementptr %[[BINDINGS]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[B0:.*]] = llvm.load %[[P0]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[P1:.*]] = llvm.getelementptr %[[BINDINGS]][1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[B1:.*]] = llvm.load %[[P1]] : !llvm.ptr -> !llvm.ptr
// CHECK: llvm.call @k(%[[B0]], %[[B1]], %[[WG]])
module attributes {exec.workgroups = {k = 4 : i64}} {
  llvm.func @k(%a: !llvm.ptr, %b: !llvm.ptr, %wg: i64) {
    llvm.return
  }
}

// -----

// A loop annotation convert-scf-to-cf left on a branch as a discardable
// attribute becomes the branch's own, which the LLVM IR translation emits
// as !llvm.loop metadata.
// CHECK-LABEL: llvm.func internal @annotated(
// CHECK: llvm.br ^bb1 {loop_annotation = #{{.*}}}
// CHECK-NOT: llvm.loop_annotation =
#unroll = #llvm.loop_unroll<disable = true>
#annotation = #llvm.loop_annotation<unroll = #unroll>
module attributes {exec.workgroups = {annotated = 1 : i64}} {
  llvm.func @annotated(%wg: i64) {
    llvm.br ^bb1
  ^bb1:
    llvm.br ^bb1 {llvm.loop_annotation = #annotation}
  }
}

// -----

// expected-error @+1 {{no exec.workgroups attribute: run kernel-distribute-workgroups}}
module {
}

// -----

// expected-error @+1 {{kernel @gone was not lowered}}
module attributes {exec.workgroups = {gone = 1 : i64}} {
}

// gpu-build-kernels refuses what it cannot turn into work items, saying why.
// RUN: kiln-opt %s -split-input-file -gpu-build-kernels -verify-diagnostics

// expected-error @+1 {{has no exec.workgroups: distribute the kernels over work items first (kernel-distribute-workgroups)}}
module {
  func.func @k(%out: memref<4xf32>, %id: index) {
    return
  }
}

// -----

module attributes {exec.workgroups = {k = 4 : i64}} {
  // expected-error @+1 {{'func.func' op does not take a work index last (run kernel-distribute-workgroups)}}
  func.func @k(%out: memref<4xf32>) {
    return
  }
}

// -----

module attributes {exec.workgroups = {}} {
  // expected-error @+1 {{'func.func' op has no work item count in exec.workgroups}}
  func.func @k(%out: memref<4xf32>, %id: index) {
    return
  }
}

// -----

module attributes {exec.workgroups = {k = 4 : i64}} {
  func.func @k(%out: memref<4xf32>, %id: index) {
    // expected-error @+1 {{'memref.alloca' op is a work item's temporary used by memref.copy; GPU kernels need temporaries that are only loaded, stored and selected between}}
    %t = memref.alloca() : memref<4xf32>
    memref.copy %t, %out : memref<4xf32> to memref<4xf32>
    return
  }
}

// -----

module attributes {exec.workgroups = {k = 4 : i64}} {
  memref.global "private" @state : memref<4xf32> = dense<0.0>
  func.func @k(%out: memref<4xf32>, %id: index) {
    // expected-error @+1 {{'memref.get_global' op reads a global a GPU kernel cannot hold (a constant of at most 4096 elements)}}
    %g = memref.get_global @state : memref<4xf32>
    %x = memref.load %g[%id] : memref<4xf32>
    memref.store %x, %out[%id] : memref<4xf32>
    return
  }
}

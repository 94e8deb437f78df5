// exec-plan-memory errors, one case each.
// RUN: kiln-opt %s -split-input-file -verify-diagnostics --pass-pipeline="builtin.module(exec-plan-memory{device-memory-limit=4000})"

// A plan over the limit names the total and its parts, the step where the
// arena peaks and the buffers live there, each at the dispatch writing it.
module {
  module @kernels_cpu attributes {exec.target = #exec.target<"cpu">} {
    func.func private @k(tensor<256xf32>) -> tensor<256xf32>
    func.func private @k2(tensor<256xf32>, tensor<256xf32>) -> tensor<256xf32>
  }
  // expected-error @+1 {{the memory plan of @over needs 4.00 KiB (4096 bytes) in memory 'host', over the limit of 3.91 KiB (4000 bytes): arena 2.00 KiB (2048 bytes), weights 0 bytes, inputs 1.00 KiB (1024 bytes), outputs 1.00 KiB (1024 bytes)}}
  func.func @over(%x: memref<256xf32>, %y: memref<256xf32>) attributes {exec.entry, exec.num_inputs = 1 : i64} {
    %a = exec.alloc : memref<256xf32>
    // expected-note @+1 {{1. 1.00 KiB (1024 bytes) f32[256] written by k, live from step 0 to 2}}
    exec.dispatch @kernels_cpu::@k ins(%x : memref<256xf32>) outs(%a : memref<256xf32>)
    %b = exec.alloc : memref<256xf32>
    // expected-note @+2 {{2. 1.00 KiB (1024 bytes) f32[256] written by k, live from step 1 to 2}}
    // expected-note @+1 {{the arena peaks at step 1 of 3, k, with 2.00 KiB (2048 bytes) live in 2 buffer(s); the largest:}}
    exec.dispatch @kernels_cpu::@k ins(%a : memref<256xf32>) outs(%b : memref<256xf32>)
    exec.dispatch @kernels_cpu::@k2 ins(%a, %b : memref<256xf32>, memref<256xf32>) outs(%y : memref<256xf32>)
    return
  }
}

// -----

module {
  module @kernels_cpu attributes {exec.target = #exec.target<"cpu">} {
    func.func private @k(tensor<4xf32>) -> tensor<4xf32>
  }
  // expected-error @+1 {{@mixed has 1 of 2 buffers placed in an arena; plan all or none}}
  func.func @mixed(%x: memref<4xf32>, %y: memref<4xf32>) attributes {exec.entry, exec.num_inputs = 1 : i64, exec.arenas = {host = {alignment = 64 : i64, bytes = 64 : i64}}} {
    %a = exec.alloc in "host" at 0 : memref<4xf32>
    exec.dispatch @kernels_cpu::@k ins(%x : memref<4xf32>) outs(%a : memref<4xf32>)
    %b = exec.alloc : memref<4xf32>
    exec.dispatch @kernels_cpu::@k ins(%a : memref<4xf32>) outs(%b : memref<4xf32>)
    exec.dispatch @kernels_cpu::@k ins(%b : memref<4xf32>) outs(%y : memref<4xf32>)
    return
  }
}

// -----

// A plan given by hand is checked: two buffers live at step 1 share bytes.
module {
  module @kernels_cpu attributes {exec.target = #exec.target<"cpu">} {
    func.func private @k(tensor<4xf32>) -> tensor<4xf32>
  }
  func.func @overlap(%x: memref<4xf32>, %y: memref<4xf32>) attributes {exec.entry, exec.num_inputs = 1 : i64, exec.arenas = {host = {alignment = 64 : i64, bytes = 128 : i64}}} {
    // expected-note @+1 {{the other buffer}}
    %a = exec.alloc in "host" at 0 : memref<4xf32>
    exec.dispatch @kernels_cpu::@k ins(%x : memref<4xf32>) outs(%a : memref<4xf32>)
    // expected-error @+1 {{'exec.alloc' op shares bytes of arena 'host' with another buffer live at step 1 (k)}}
    %b = exec.alloc in "host" at 0 : memref<4xf32>
    exec.dispatch @kernels_cpu::@k ins(%a : memref<4xf32>) outs(%b : memref<4xf32>)
    exec.dispatch @kernels_cpu::@k ins(%b : memref<4xf32>) outs(%y : memref<4xf32>)
    return
  }
}


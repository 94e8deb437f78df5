// Every verifier error of the exec dialect, one case each.
// RUN: kiln-opt %s -split-input-file -verify-diagnostics

func.func @alloc_dynamic() {
  // expected-error @+1 {{'exec.alloc' op the buffer must be a static, identity-layout memref, got 'memref<?xf32>'}}
  %0 = exec.alloc : memref<?xf32>
  return
}

// -----

func.func @constant_shape() {
  // expected-error @+1 {{'exec.constant' op value of type 'tensor<4xf32>' does not fill a buffer of type 'memref<2x2xf32>'}}
  %0 = exec.constant dense<1.0> : tensor<4xf32> : memref<2x2xf32>
  return
}

// -----

func.func @constant_layout() {
  // expected-error @+1 {{'exec.constant' op the buffer must be a static, identity-layout memref, got 'memref<4xf32, strided<[2]>>'}}
  %0 = exec.constant dense<1.0> : tensor<4xf32> : memref<4xf32, strided<[2]>>
  return
}

// -----

func.func @view_count(%b: memref<6xf32>) {
  // expected-error @+1 {{'exec.view' op cannot view 'memref<6xf32>' as 'memref<2x2xf32>': element type and count must stay the same}}
  %0 = exec.view %b : memref<6xf32> to memref<2x2xf32>
  return
}

// -----

func.func @view_dynamic(%b: memref<?xf32>) {
  // expected-error @+1 {{'exec.view' op the source must be a static, identity-layout memref, got 'memref<?xf32>'}}
  %0 = exec.view %b : memref<?xf32> to memref<2x2xf32>
  return
}

// -----

func.func @copy_types(%a: memref<4xf32>, %b: memref<4xf16>) {
  // expected-error @+1 {{'exec.copy' op copies between different types 'memref<4xf32>' and 'memref<4xf16>'}}
  exec.copy %a, %b : memref<4xf32>, memref<4xf16>
  return
}

// -----

func.func @dispatch_unknown(%a: memref<4xf32>) {
  // expected-error @+1 {{'exec.dispatch' op kernel @kernels::@nope does not exist}}
  exec.dispatch @kernels::@nope outs(%a : memref<4xf32>)
  return
}

// -----

module @kernels attributes {exec.target = "cpu"} {
  func.func @neg(%a: tensor<4xf32>) -> tensor<4xf32> {
    %0 = graph.neg %a : tensor<4xf32>
    return %0 : tensor<4xf32>
  }
}
func.func @dispatch_signature(%a: memref<4xf32>, %b: memref<8xf32>) {
  // expected-error @+1 {{'exec.dispatch' op kernel @kernels::@neg has type '(tensor<4xf32>) -> tensor<4xf32>', but the buffers need '(tensor<4xf32>) -> tensor<8xf32>'}}
  exec.dispatch @kernels::@neg ins(%a : memref<4xf32>) outs(%b : memref<8xf32>)
  return
}

// -----

func.func @alloc_arena_without_offset() {
  // expected-error @+1 {{'exec.alloc' op needs both an arena and an offset, or neither}}
  %0 = "exec.alloc"() {arena = "cpu"} : () -> memref<4xf32>
  return
}

// -----

func.func @alloc_negative_offset() attributes {exec.arenas = {cpu = {alignment = 64 : i64, bytes = 64 : i64}}} {
  // expected-error @+1 {{'exec.alloc' op offset -64 is negative}}
  %0 = exec.alloc in "cpu" at -64 : memref<4xf32>
  return
}

// -----

func.func @alloc_unknown_arena() attributes {exec.arenas = {cpu = {alignment = 64 : i64, bytes = 64 : i64}}} {
  // expected-error @+1 {{'exec.alloc' op arena 'gpu' is not in the function's exec.arenas}}
  %0 = exec.alloc in "gpu" at 0 : memref<4xf32>
  return
}

// -----

func.func @alloc_malformed_arena() attributes {exec.arenas = {cpu = {bytes = 64 : i64}}} {
  // expected-error @+1 {{'exec.alloc' op arena 'cpu' needs integer 'bytes' and a positive 'alignment'}}
  %0 = exec.alloc in "cpu" at 0 : memref<4xf32>
  return
}

// -----

func.func @alloc_misaligned() attributes {exec.arenas = {cpu = {alignment = 64 : i64, bytes = 128 : i64}}} {
  // expected-error @+1 {{'exec.alloc' op offset 32 is not a multiple of arena 'cpu''s alignment 64}}
  %0 = exec.alloc in "cpu" at 32 : memref<4xf32>
  return
}

// -----

func.func @alloc_outside_arena() attributes {exec.arenas = {cpu = {alignment = 64 : i64, bytes = 128 : i64}}} {
  // expected-error @+1 {{'exec.alloc' op bytes [64, 192) lie outside arena 'cpu' of 128 bytes}}
  %0 = exec.alloc in "cpu" at 64 : memref<32xf32>
  return
}

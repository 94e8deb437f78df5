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

func.func @constant_split_shape() attributes {exec.mesh = array<i64: 2>} {
  // expected-error @+1 {{'exec.constant' op value of type 'tensor<4x4xf32>' split as given does not fill a buffer of type 'memref<4x4xf32>'}}
  %0 = exec.constant dense<1.0> : tensor<4x4xf32> split = [array<i16: 0>] : memref<4x4xf32>
  return
}

// -----

func.func @constant_split_no_mesh() {
  // expected-error @+1 {{'exec.constant' op is split, but its function has no device mesh (exec.mesh)}}
  %0 = exec.constant dense<1.0> : tensor<4xf32> split = [array<i16: 0>] : memref<2xf32>
  return
}

// -----

func.func @constant_split_axis() attributes {exec.mesh = array<i64: 2>} {
  // expected-error @+1 {{'exec.constant' op axis 1 is not an axis of the 1-axis mesh}}
  %0 = exec.constant dense<1.0> : tensor<4xf32> split = [array<i16: 1>] : memref<2xf32>
  return
}

// -----

func.func @constant_split_divides() attributes {exec.mesh = array<i64: 3>} {
  // expected-error @+1 {{'exec.constant' op dim 0 of size 4 does not split across 3 devices}}
  %0 = exec.constant dense<1.0> : tensor<4xf32> split = [array<i16: 0>] : memref<1xf32>
  return
}

// -----

func.func @constant_split_rank() attributes {exec.mesh = array<i64: 2>} {
  // expected-error @+1 {{'exec.constant' op splits 2 dims of a rank-1 tensor}}
  %0 = exec.constant dense<1.0> : tensor<4xf32> split = [array<i16: 0>, array<i16>] : memref<2xf32>
  return
}

// -----

func.func @constant_split_entry() attributes {exec.mesh = array<i64: 2>} {
  // expected-error @+1 {{'exec.constant' op split dim 0 must be an array<i16> of mesh axes}}
  %0 = exec.constant dense<1.0> : tensor<4xf32> split = [0 : i64] : memref<2xf32>
  return
}

// -----

func.func @all_slice_shape(%a: memref<4xf32>, %b: memref<4xf32>) attributes {exec.mesh = array<i64: 2>} {
  // expected-error @+1 {{'exec.all_slice' op target 'memref<4xf32>' should have shape 'memref<2xf32>'}}
  exec.all_slice %a, %b axes = [0] dim = 0 : memref<4xf32>, memref<4xf32>
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
  // expected-error @+1 {{'exec.view' op cannot view 'memref<6xf32>' as 'memref<2x2xf32>': element type, count and memory must stay the same}}
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

module @kernels attributes {exec.target = #exec.target<"cpu">} {
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

func.func @alloc_negative_offset() attributes {exec.arenas = {host = {alignment = 64 : i64, bytes = 64 : i64}}} {
  // expected-error @+1 {{'exec.alloc' op offset -64 is negative}}
  %0 = exec.alloc in "host" at -64 : memref<4xf32>
  return
}

// -----

func.func @alloc_unknown_arena() attributes {exec.arenas = {host = {alignment = 64 : i64, bytes = 64 : i64}}} {
  // expected-error @+1 {{'exec.alloc' op arena 'gpu' is not in the function's exec.arenas}}
  %0 = exec.alloc in "gpu" at 0 : memref<4xf32, "gpu">
  return
}

// -----

func.func @alloc_malformed_arena() attributes {exec.arenas = {host = {bytes = 64 : i64}}} {
  // expected-error @+1 {{'exec.alloc' op arena 'host' needs integer 'bytes' and a positive 'alignment'}}
  %0 = exec.alloc in "host" at 0 : memref<4xf32>
  return
}

// -----

func.func @alloc_misaligned() attributes {exec.arenas = {host = {alignment = 64 : i64, bytes = 128 : i64}}} {
  // expected-error @+1 {{'exec.alloc' op offset 32 is not a multiple of arena 'host''s alignment 64}}
  %0 = exec.alloc in "host" at 32 : memref<4xf32>
  return
}

// -----

func.func @alloc_outside_arena() attributes {exec.arenas = {host = {alignment = 64 : i64, bytes = 128 : i64}}} {
  // expected-error @+1 {{'exec.alloc' op bytes [64, 192) lie outside arena 'host' of 128 bytes}}
  %0 = exec.alloc in "host" at 64 : memref<32xf32>
  return
}

// -----

func.func @collective_without_mesh(%a: memref<4xf32>, %b: memref<4xf32>) {
  // expected-error @+1 {{'exec.all_reduce' op needs the device mesh (exec.mesh) on its function}}
  exec.all_reduce %a, %b axes = [0] reduction = "sum" : memref<4xf32>, memref<4xf32>
  return
}

// -----

func.func @collective_axis(%a: memref<4xf32>, %b: memref<4xf32>) attributes {exec.mesh = array<i64: 2>} {
  // expected-error @+1 {{'exec.all_reduce' op axis 1 is not an axis of the 1-axis mesh}}
  exec.all_reduce %a, %b axes = [1] reduction = "sum" : memref<4xf32>, memref<4xf32>
  return
}

// -----

func.func @collective_axis_twice(%a: memref<4xf32>, %b: memref<4xf32>) attributes {exec.mesh = array<i64: 2>} {
  // expected-error @+1 {{'exec.all_reduce' op names axis 0 twice}}
  exec.all_reduce %a, %b axes = [0, 0] reduction = "sum" : memref<4xf32>, memref<4xf32>
  return
}

// -----

func.func @collective_reduction(%a: memref<4xf32>, %b: memref<4xf32>) attributes {exec.mesh = array<i64: 2>} {
  // expected-error @+1 {{'exec.all_reduce' op reduction 'mean' is not sum, max or min}}
  exec.all_reduce %a, %b axes = [0] reduction = "mean" : memref<4xf32>, memref<4xf32>
  return
}

// -----

func.func @all_reduce_types(%a: memref<4xf32>, %b: memref<2xf32>) attributes {exec.mesh = array<i64: 2>} {
  // expected-error @+1 {{'exec.all_reduce' op source and target must have one type}}
  exec.all_reduce %a, %b axes = [0] reduction = "sum" : memref<4xf32>, memref<2xf32>
  return
}

// -----

func.func @collective_element_types(%a: memref<4xf32>, %b: memref<8xi32>) attributes {exec.mesh = array<i64: 2>} {
  // expected-error @+1 {{'exec.all_gather' op source 'memref<4xf32>' and target 'memref<8xi32>' must have one element type and rank}}
  exec.all_gather %a, %b axes = [0] dim = 0 : memref<4xf32>, memref<8xi32>
  return
}

// -----

func.func @all_gather_shape(%a: memref<4xf32>, %b: memref<4xf32>) attributes {exec.mesh = array<i64: 2>} {
  // expected-error @+1 {{'exec.all_gather' op target 'memref<4xf32>' should have shape 'memref<8xf32>'}}
  exec.all_gather %a, %b axes = [0] dim = 0 : memref<4xf32>, memref<4xf32>
  return
}

// -----

func.func @all_gather_dim(%a: memref<4xf32>, %b: memref<8xf32>) attributes {exec.mesh = array<i64: 2>} {
  // expected-error @+1 {{'exec.all_gather' op dim 1 is not a dim of 'memref<4xf32>'}}
  exec.all_gather %a, %b axes = [0] dim = 1 : memref<4xf32>, memref<8xf32>
  return
}

// -----

func.func @reduce_scatter_split(%a: memref<3xf32>, %b: memref<1xf32>) attributes {exec.mesh = array<i64: 2>} {
  // expected-error @+1 {{'exec.reduce_scatter' op dim 0 of 'memref<3xf32>' does not split across 2 devices}}
  exec.reduce_scatter %a, %b axes = [0] dim = 0 reduction = "sum" : memref<3xf32>, memref<1xf32>
  return
}

// -----

func.func @all_to_all_shape(%a: memref<2x8xf32>, %b: memref<2x8xf32>) attributes {exec.mesh = array<i64: 2>} {
  // expected-error @+1 {{'exec.all_to_all' op target 'memref<2x8xf32>' should have shape 'memref<4x4xf32>'}}
  exec.all_to_all %a, %b axes = [0] split_dim = 1 concat_dim = 0 : memref<2x8xf32>, memref<2x8xf32>
  return
}

// -----

func.func @collective_layout(%a: memref<4xf32, strided<[2]>>, %b: memref<4xf32>) attributes {exec.mesh = array<i64: 2>} {
  // expected-error @+1 {{'exec.all_reduce' op the source must be a static, identity-layout memref, got 'memref<4xf32, strided<[2]>>'}}
  exec.all_reduce %a, %b axes = [0] reduction = "sum" : memref<4xf32, strided<[2]>>, memref<4xf32>
  return
}

// -----

func.func @buffer_names_host(%x: memref<4xf32, "host">) {
  // expected-error @+1 {{'exec.view' op the source names memory 'host'; host memory is written without a memory space}}
  %0 = exec.view %x : memref<4xf32, "host"> to memref<2x2xf32, "host">
  return
}

// -----

func.func @view_across_memories(%x: memref<4xf32, "opencl">) {
  // expected-error @+1 {{'exec.view' op cannot view 'memref<4xf32, "opencl">' as 'memref<2x2xf32>': element type, count and memory must stay the same}}
  %0 = exec.view %x : memref<4xf32, "opencl"> to memref<2x2xf32>
  return
}

// -----

func.func @alloc_in_another_memory() attributes {exec.arenas = {host = {alignment = 64 : i64, bytes = 64 : i64}}} {
  // expected-error @+1 {{'exec.alloc' op is in arena 'host', but its buffer is in memory 'opencl'}}
  %0 = exec.alloc in "host" at 0 : memref<4xf32, "opencl">
  return
}

// -----

func.func @transfer_within_a_memory(%x: memref<4xf32, "opencl">, %y: memref<4xf32, "opencl">) {
  // expected-error @+1 {{'exec.transfer' op moves bytes within memory 'opencl'; that is an exec.copy}}
  exec.transfer %x, %y : memref<4xf32, "opencl">, memref<4xf32, "opencl">
  return
}

// -----

func.func @transfer_reshapes(%x: memref<4xf32>, %y: memref<2x2xf32, "opencl">) {
  // expected-error @+1 {{'exec.transfer' op moves 'memref<4xf32>' into 'memref<2x2xf32, "opencl">': shape and element type must be the same}}
  exec.transfer %x, %y : memref<4xf32>, memref<2x2xf32, "opencl">
  return
}

// -----

func.func @transfer_layout(%x: memref<4xf32>, %y: memref<4xf32, strided<[2]>, "opencl">) {
  // expected-error @+1 {{'exec.transfer' op the target must be a static, identity-layout memref, got 'memref<4xf32, strided<[2]>, "opencl">'}}
  exec.transfer %x, %y : memref<4xf32>, memref<4xf32, strided<[2]>, "opencl">
  return
}

// -----

module {
  module @kernels_opencl attributes {exec.target = #exec.target<"opencl">} {
    func.func private @k(tensor<4xf32>) -> tensor<4xf32>
  }
  func.func @dispatch_two_memories(%x: memref<4xf32>, %y: memref<4xf32, "opencl">) {
    // expected-error @+1 {{'exec.dispatch' op binds buffers in memories 'host' and 'opencl'; a kernel reads one memory (transfer the others)}}
    exec.dispatch @kernels_opencl::@k ins(%x : memref<4xf32>) outs(%y : memref<4xf32, "opencl">)
    return
  }
}

// -----

func.func @collective_across_memories(%a: memref<2x8xf32, "opencl">, %b: memref<2x8xf32>) attributes {exec.mesh = array<i64: 2>} {
  // expected-error @+1 {{'exec.all_reduce' op reads and writes one memory, got source in 'opencl' and target in 'host' (transfer one first)}}
  exec.all_reduce %a, %b axes = [0] reduction = "sum" : memref<2x8xf32, "opencl">, memref<2x8xf32>
  return
}

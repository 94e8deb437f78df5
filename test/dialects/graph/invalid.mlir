// Every verifier error of the graph dialect, one case each.
// RUN: kiln-opt %s -split-input-file -verify-diagnostics

//===--- constant, arange ---===//

func.func @constant_sparse() -> tensor<4xf32> {
  // expected-error @+1 {{value must be a dense<...> or dense_resource<...> elements attribute}}
  %0 = graph.constant sparse<[[1]], [2.0]> : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @constant_resource_missing() -> tensor<4xf32> {
  // expected-error @+1 {{dense_resource<absent> has no data: the file's dialect_resources section does not define it}}
  %0 = graph.constant dense_resource<absent> : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @constant_resource_size() -> tensor<4xf32> {
  // expected-error @+1 {{dense_resource<short_blob> holds 8 bytes, but 'tensor<4xf32>' needs 16}}
  %0 = graph.constant dense_resource<short_blob> : tensor<4xf32>
  return %0 : tensor<4xf32>
}
{-#
  dialect_resources: {
    builtin: {
      short_blob: "0x040000000000803F00000040"
    }
  }
#-}

// -----

func.func @constant_type_mismatch() -> tensor<3xf32> {
  // expected-error @+1 {{failed to verify that all of {value, result} have same type}}
  %0 = "graph.constant"() <{value = dense<1.0> : tensor<2xf32>}> : () -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @constant_index_elements() -> tensor<2xindex> {
  // expected-error @+1 {{result #0 must be ranked tensor of floating-point or 8/16/32/64-bit signless integer or 1-bit signless integer values}}
  %0 = graph.constant dense<1> : tensor<2xindex>
  return %0 : tensor<2xindex>
}

// -----

func.func @arange_rank() -> tensor<2x2xf32> {
  // expected-error @+1 {{result must be rank 1, got 'tensor<2x2xf32>'}}
  %0 = graph.arange start = 0.0 step = 1.0 : tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @arange_dynamic() -> tensor<?xf32> {
  // expected-error @+1 {{result length must be static}}
  %0 = graph.arange start = 0.0 step = 1.0 : tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @arange_zero_step() -> tensor<4xf32> {
  // expected-error @+1 {{step must be non-zero}}
  %0 = graph.arange start = 0.0 step = 0.0 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @arange_fractional_int() -> tensor<4xi64> {
  // expected-error @+1 {{start 0 and step 0.5 must be integral for element type 'i64'}}
  %0 = graph.arange start = 0.0 step = 0.5 : tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

func.func @arange_bool() -> tensor<4xi1> {
  // expected-error @+1 {{result #0 must be ranked tensor of floating-point or 8/16/32/64-bit signless integer values}}
  %0 = graph.arange start = 0.0 step = 1.0 : tensor<4xi1>
  return %0 : tensor<4xi1>
}

//===--- elementwise unary ---===//

// -----

func.func @neg_bool(%x: tensor<4xi1>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point or 8/16/32/64-bit signless integer values}}
  %0 = graph.neg %x : tensor<4xi1>
  return
}

// -----

func.func @abs_bool(%x: tensor<4xi1>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point or 8/16/32/64-bit signless integer values}}
  %0 = graph.abs %x : tensor<4xi1>
  return
}

// -----

func.func @relu_unranked(%x: tensor<*xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point or 8/16/32/64-bit signless integer values}}
  %0 = "graph.relu"(%x) : (tensor<*xf32>) -> tensor<*xf32>
  return
}

// -----

func.func @exp_int(%x: tensor<4xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point values}}
  %0 = graph.exp %x : tensor<4xi32>
  return
}

// -----

func.func @log_int(%x: tensor<4xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point values}}
  %0 = graph.log %x : tensor<4xi32>
  return
}

// -----

func.func @sqrt_int(%x: tensor<4xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point values}}
  %0 = graph.sqrt %x : tensor<4xi32>
  return
}

// -----

func.func @rsqrt_int(%x: tensor<4xi64>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point values}}
  %0 = graph.rsqrt %x : tensor<4xi64>
  return
}

// -----

func.func @tanh_int(%x: tensor<4xi8>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point values}}
  %0 = graph.tanh %x : tensor<4xi8>
  return
}

// -----

func.func @sigmoid_int(%x: tensor<4xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point values}}
  %0 = graph.sigmoid %x : tensor<4xi32>
  return
}

// -----

func.func @silu_int(%x: tensor<4xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point values}}
  %0 = graph.silu %x : tensor<4xi32>
  return
}

// -----

func.func @erf_int(%x: tensor<4xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point values}}
  %0 = graph.erf %x : tensor<4xi32>
  return
}

// -----

func.func @gelu_int(%x: tensor<4xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point values}}
  %0 = graph.gelu %x : tensor<4xi32>
  return
}

// -----

func.func @gelu_unknown_approximation(%x: tensor<4xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'approximate' [none, tanh]}}
  %0 = graph.gelu %x approximate = sigmoid : tensor<4xf32>
  return
}

// -----

func.func @unary_result_type(%x: tensor<4xf32>) {
  // expected-error @+1 {{requires the same type for all operands and results}}
  %0 = "graph.tanh"(%x) : (tensor<4xf32>) -> tensor<4xf16>
  return
}

// -----

func.func @clamp_no_bounds(%x: tensor<4xf32>) {
  // expected-error @+1 {{needs at least one of 'min' and 'max'}}
  %0 = graph.clamp %x : tensor<4xf32>
  return
}

// -----

func.func @clamp_inverted(%x: tensor<4xf32>) {
  // expected-error @+1 {{min 6 is greater than max 0}}
  %0 = graph.clamp %x min = 6.0 max = 0.0 : tensor<4xf32>
  return
}

//===--- elementwise binary ---===//

// -----

func.func @add_not_broadcastable(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'graph.add' op lhs shape [2, 3] and rhs shape [4] are not broadcast-compatible}}
  %0 = graph.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @sub_element_types(%a: tensor<3xf32>, %b: tensor<3xf16>) {
  // expected-error @+1 {{'graph.sub' op lhs and rhs element types differ: 'f32' vs 'f16'}}
  %0 = graph.sub %a, %b : (tensor<3xf32>, tensor<3xf16>) -> tensor<3xf32>
  return
}

// -----

func.func @mul_wrong_result(%a: tensor<2x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'graph.mul' op result type 'tensor<3xf32>' does not match the inferred type 'tensor<2x3xf32>'}}
  %0 = graph.mul %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @div_bool(%a: tensor<3xi1>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point or 8/16/32/64-bit signless integer values}}
  %0 = graph.div %a, %a : (tensor<3xi1>, tensor<3xi1>) -> tensor<3xi1>
  return
}

// -----

func.func @pow_not_broadcastable(%a: tensor<2x3xf32>, %b: tensor<2x1x2xf32>) {
  // expected-error @+1 {{'graph.pow' op lhs shape [2, 3] and rhs shape [2, 1, 2] are not broadcast-compatible}}
  %0 = graph.pow %a, %b : (tensor<2x3xf32>, tensor<2x1x2xf32>) -> tensor<2x2x3xf32>
  return
}

// -----

func.func @max_element_types(%a: tensor<3xi32>, %b: tensor<3xi64>) {
  // expected-error @+1 {{'graph.max' op lhs and rhs element types differ: 'i32' vs 'i64'}}
  %0 = graph.max %a, %b : (tensor<3xi32>, tensor<3xi64>) -> tensor<3xi32>
  return
}

// -----

func.func @min_wrong_result(%a: tensor<?x3xf32>, %b: tensor<1x3xf32>) {
  // expected-error @+1 {{'graph.min' op result type 'tensor<4x3xf32>' does not match the inferred type 'tensor<?x3xf32>'}}
  %0 = graph.min %a, %b : (tensor<?x3xf32>, tensor<1x3xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @compare_element_types(%a: tensor<3xf32>, %b: tensor<3xi32>) {
  // expected-error @+1 {{'graph.compare' op lhs and rhs element types differ: 'f32' vs 'i32'}}
  %0 = graph.compare lt, %a, %b : (tensor<3xf32>, tensor<3xi32>) -> tensor<3xi1>
  return
}

// -----

func.func @compare_result_not_bool(%a: tensor<3xf32>) {
  // expected-error @+1 {{result #0 must be ranked tensor of 1-bit signless integer values}}
  %0 = graph.compare lt, %a, %a : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @compare_unknown_predicate(%a: tensor<3xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'predicate' [eq, ne, lt, le, gt, ge]}}
  %0 = graph.compare less, %a, %a : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xi1>
  return
}

// -----

func.func @select_condition_type(%c: tensor<3xf32>, %a: tensor<3xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 1-bit signless integer values}}
  %0 = graph.select %c, %a, %a : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @select_value_types(%c: tensor<3xi1>, %a: tensor<3xf32>, %b: tensor<3xi32>) {
  // expected-error @+1 {{'graph.select' op on_true and on_false element types differ: 'f32' vs 'i32'}}
  %0 = graph.select %c, %a, %b : (tensor<3xi1>, tensor<3xf32>, tensor<3xi32>) -> tensor<3xf32>
  return
}

// -----

func.func @select_condition_shape(%c: tensor<2xi1>, %a: tensor<3xf32>) {
  // expected-error @+1 {{'graph.select' op condition shape [2] does not broadcast with value shape [3]}}
  %0 = graph.select %c, %a, %a : (tensor<2xi1>, tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return
}

//===--- panel_conv2d ---===//

// -----

func.func @panel_conv2d_rank(%x: tensor<1x3x8x8xf32>, %w: tensor<16x3x3x3xf32>) {
  // expected-error @+1 {{'graph.panel_conv2d' op filter must be 5-D [O/P, KH, KW, C, P] panels, got 'tensor<16x3x3x3xf32>'}}
  %0 = graph.panel_conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x6x6xf32>
  return
}

// -----

func.func @panel_conv2d_channels(%x: tensor<1x4x8x8xf32>, %w: tensor<1x3x3x3x16xf32>) {
  // expected-error @+1 {{'graph.panel_conv2d' op filter panels [1, 3, 3, 3, 16] take 3 input channels, but the input has 4}}
  %0 = graph.panel_conv2d %x, %w : (tensor<1x4x8x8xf32>, tensor<1x3x3x3x16xf32>) -> tensor<1x16x6x6xf32>
  return
}

// -----

func.func @panel_conv2d_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<1x3x3x3x16xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'graph.panel_conv2d' op bias must be [16] (one per output channel), got [8]}}
  %0 = graph.panel_conv2d %x, %w, %b : (tensor<1x3x8x8xf32>, tensor<1x3x3x3x16xf32>, tensor<8xf32>) -> tensor<1x16x6x6xf32>
  return
}

// -----

func.func @panel_conv2d_window(%x: tensor<1x3x2x2xf32>, %w: tensor<1x3x3x3x16xf32>) {
  // expected-error @+1 {{'graph.panel_conv2d' op window extent 3 in H exceeds the padded input size 2}}
  %0 = graph.panel_conv2d %x, %w : (tensor<1x3x2x2xf32>, tensor<1x3x3x3x16xf32>) -> tensor<1x16x1x1xf32>
  return
}

// -----

//===--- panel_matmul ---===//

// -----

func.func @panel_matmul_rank(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) {
  // expected-error @+1 {{'graph.panel_matmul' op rhs must be 3-D [N/P, K, P] panels, got 'tensor<8x16xf32>'}}
  %0 = graph.panel_matmul %a, %b : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

func.func @panel_matmul_contraction(%a: tensor<4x8xf32>, %b: tensor<2x4x16xf32>) {
  // expected-error @+1 {{'graph.panel_matmul' op contraction sizes differ: lhs [4, 8] has K = 8, rhs panels [2, 4, 16] has K = 4}}
  %0 = graph.panel_matmul %a, %b : (tensor<4x8xf32>, tensor<2x4x16xf32>) -> tensor<4x32xf32>
  return
}

// -----

func.func @panel_matmul_element_types(%a: tensor<4x8xf32>, %b: tensor<2x8x16xf16>) {
  // expected-error @+1 {{'graph.panel_matmul' op rhs element type 'f16' differs from the input's 'f32'}}
  %0 = graph.panel_matmul %a, %b : (tensor<4x8xf32>, tensor<2x8x16xf16>) -> tensor<4x32xf32>
  return
}

// -----

func.func @panel_matmul_result(%a: tensor<4x8xf32>, %b: tensor<2x8x16xf32>) {
  // expected-error @+1 {{'graph.panel_matmul' op result type 'tensor<4x16xf32>' does not match the inferred type 'tensor<4x32xf32>'}}
  %0 = graph.panel_matmul %a, %b : (tensor<4x8xf32>, tensor<2x8x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

//===--- matmul ---===//

// -----

func.func @matmul_rank(%a: tensor<4xf32>, %b: tensor<4x2xf32>) {
  // expected-error @+1 {{'graph.matmul' op operands must have rank >= 2, got 'tensor<4xf32>' and 'tensor<4x2xf32>'}}
  %0 = graph.matmul %a, %b : (tensor<4xf32>, tensor<4x2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @matmul_element_types(%a: tensor<2x4xf32>, %b: tensor<4x2xf16>) {
  // expected-error @+1 {{'graph.matmul' op lhs and rhs element types differ: 'f32' vs 'f16'}}
  %0 = graph.matmul %a, %b : (tensor<2x4xf32>, tensor<4x2xf16>) -> tensor<2x2xf32>
  return
}

// -----

func.func @matmul_contraction(%a: tensor<2x4xf32>, %b: tensor<5x2xf32>) {
  // expected-error @+1 {{'graph.matmul' op contraction sizes differ: lhs [2, 4] has K = 4, rhs [5, 2] has K = 5}}
  %0 = graph.matmul %a, %b : (tensor<2x4xf32>, tensor<5x2xf32>) -> tensor<2x2xf32>
  return
}

// -----

func.func @matmul_batch(%a: tensor<3x2x4xf32>, %b: tensor<5x4x2xf32>) {
  // expected-error @+1 {{'graph.matmul' op batch dims [3] and [5] are not broadcast-compatible}}
  %0 = graph.matmul %a, %b : (tensor<3x2x4xf32>, tensor<5x4x2xf32>) -> tensor<3x2x2xf32>
  return
}

//===--- conv2d ---===//

// -----

func.func @conv_input_rank(%x: tensor<3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'graph.conv2d' op input must be 4-D NCHW, got 'tensor<3x8x8xf32>'}}
  %0 = graph.conv2d %x, %w : (tensor<3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_filter_rank(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3xf32>) {
  // expected-error @+1 {{'graph.conv2d' op filter must be 4-D OIHW, got 'tensor<4x3x3xf32>'}}
  %0 = graph.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_filter_element(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf16>) {
  // expected-error @+1 {{'graph.conv2d' op filter element type 'f16' differs from the input's 'f32'}}
  %0 = graph.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf16>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_int(%x: tensor<1x3x8x8xi32>, %w: tensor<4x3x3x3xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point values}}
  %0 = graph.conv2d %x, %w : (tensor<1x3x8x8xi32>, tensor<4x3x3x3xi32>) -> tensor<1x4x6x6xi32>
  return
}

// -----

func.func @conv_channels_groups(%x: tensor<1x3x8x8xf32>, %w: tensor<4x1x3x3xf32>) {
  // expected-error @+1 {{'graph.conv2d' op input channels 3 are not divisible by groups = 2}}
  %0 = graph.conv2d %x, %w groups = 2 : (tensor<1x3x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_out_channels_groups(%x: tensor<1x4x8x8xf32>, %w: tensor<3x2x3x3xf32>) {
  // expected-error @+1 {{'graph.conv2d' op filter output channels 3 are not divisible by groups = 2}}
  %0 = graph.conv2d %x, %w groups = 2 : (tensor<1x4x8x8xf32>, tensor<3x2x3x3xf32>) -> tensor<1x3x6x6xf32>
  return
}

// -----

func.func @conv_channels_per_group(%x: tensor<1x8x8x8xf32>, %w: tensor<4x2x3x3xf32>) {
  // expected-error @+1 {{'graph.conv2d' op filter [4, 2, 3, 3] takes 2 channels per group x 2 groups, but the input has 8}}
  %0 = graph.conv2d %x, %w groups = 2 : (tensor<1x8x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_groups_zero(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{attribute 'groups' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %0 = graph.conv2d %x, %w groups = 0 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_bias_element(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf16>) {
  // expected-error @+1 {{'graph.conv2d' op bias element type 'f16' differs from the input's 'f32'}}
  %0 = graph.conv2d %x, %w, %b : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf16>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_bias_shape(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'graph.conv2d' op bias must be [4] (one per output channel), got [3]}}
  %0 = graph.conv2d %x, %w, %b : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_empty_kernel(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x0x3xf32>) {
  // expected-error @+1 {{'graph.conv2d' op kernel size in H must be positive, got 0}}
  %0 = graph.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x0x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_stride(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'graph.conv2d' op stride in W must be positive, got 0}}
  %0 = graph.conv2d %x, %w strides = [1, 0] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_dilation(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'graph.conv2d' op dilation in H must be positive, got -1}}
  %0 = graph.conv2d %x, %w dilations = [-1, 1] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_padding(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'graph.conv2d' op padding in W must be non-negative, got -1 and 0}}
  %0 = graph.conv2d %x, %w padding = [0, -1, 0, 0] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_padding_count(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{attribute 'padding' failed to satisfy constraint: i64 dense array attribute with exactly 4 elements}}
  %0 = graph.conv2d %x, %w padding = [1, 1] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return
}

// -----

func.func @conv_window_too_large(%x: tensor<1x3x2x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'graph.conv2d' op window extent 3 in H exceeds the padded input size 2}}
  %0 = graph.conv2d %x, %w : (tensor<1x3x2x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x0x6xf32>
  return
}

// -----

func.func @conv_wrong_result(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'graph.conv2d' op result type 'tensor<1x4x4x4xf32>' does not match the inferred type 'tensor<1x4x3x3xf32>'}}
  %0 = graph.conv2d %x, %w strides = [2, 2] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x4x4xf32>
  return
}

//===--- pooling ---===//

// -----

func.func @max_pool_rank(%x: tensor<3x8x8xf32>) {
  // expected-error @+1 {{'graph.max_pool2d' op input must be 4-D NCHW, got 'tensor<3x8x8xf32>'}}
  %0 = graph.max_pool2d %x kernel = [2, 2] : tensor<3x8x8xf32> -> tensor<3x7x7xf32>
  return
}

// -----

func.func @max_pool_kernel(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+1 {{'graph.max_pool2d' op kernel size in W must be positive, got 0}}
  %0 = graph.max_pool2d %x kernel = [2, 0] : tensor<1x3x8x8xf32> -> tensor<1x3x7x8xf32>
  return
}

// -----

func.func @max_pool_kernel_count(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+1 {{attribute 'kernel' failed to satisfy constraint: i64 dense array attribute with exactly 2 elements}}
  %0 = graph.max_pool2d %x kernel = [2, 2, 2] : tensor<1x3x8x8xf32> -> tensor<1x3x7x7xf32>
  return
}

// -----

func.func @max_pool_padding(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+1 {{'graph.max_pool2d' op padding in H (2, 0) must be smaller than the window extent 2}}
  %0 = graph.max_pool2d %x kernel = [2, 2] padding = [2, 0, 0, 0] : tensor<1x3x8x8xf32> -> tensor<1x3x9x7xf32>
  return
}

// -----

func.func @max_pool_wrong_result(%x: tensor<1x1x5x5xf32>) {
  // expected-error @+1 {{'graph.max_pool2d' op result type 'tensor<1x1x3x3xf32>' does not match the inferred type 'tensor<1x1x2x2xf32>'}}
  %0 = graph.max_pool2d %x kernel = [2, 2] strides = [2, 2] : tensor<1x1x5x5xf32> -> tensor<1x1x3x3xf32>
  return
}

// -----

func.func @avg_pool_int(%x: tensor<1x3x8x8xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point values}}
  %0 = graph.avg_pool2d %x kernel = [2, 2] : tensor<1x3x8x8xi32> -> tensor<1x3x7x7xi32>
  return
}

// -----

func.func @avg_pool_window(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+1 {{'graph.avg_pool2d' op window extent 9 in W exceeds the padded input size 8}}
  %0 = graph.avg_pool2d %x kernel = [2, 9] : tensor<1x3x8x8xf32> -> tensor<1x3x7x1xf32>
  return
}

//===--- reductions and normalizations ---===//

// -----

func.func @reduce_no_axes(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'graph.reduce' op needs at least one axis to reduce}}
  %0 = graph.reduce sum %x axes = [] : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @reduce_axis_range(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'graph.reduce' op axis 2 is out of range for rank 2}}
  %0 = graph.reduce max %x axes = [2] : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @reduce_axis_twice(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'graph.reduce' op axis 1 is listed twice}}
  %0 = graph.reduce min %x axes = [1, 1] : tensor<2x3xf32> -> tensor<2xf32>
  return
}

// -----

func.func @reduce_mean_int(%x: tensor<2x3xi32>) {
  // expected-error @+1 {{'graph.reduce' op mean needs a floating-point input, got 'i32'}}
  %0 = graph.reduce mean %x axes = [1] : tensor<2x3xi32> -> tensor<2xi32>
  return
}

// -----

func.func @reduce_wrong_result(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'graph.reduce' op result type 'tensor<2xf32>' does not match the inferred type 'tensor<2x1xf32>'}}
  %0 = graph.reduce prod %x axes = [1] keepdims : tensor<2x3xf32> -> tensor<2xf32>
  return
}

// -----

func.func @softmax_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'graph.softmax' op axis 2 is out of range for rank 2}}
  %0 = graph.softmax %x axis = 2 : tensor<2x3xf32>
  return
}

// -----

func.func @softmax_negative_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{attribute 'axis' failed to satisfy constraint: 64-bit signless integer attribute whose value is non-negative}}
  %0 = graph.softmax %x axis = -1 : tensor<2x3xf32>
  return
}

// -----

func.func @log_softmax_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'graph.log_softmax' op axis 5 is out of range for rank 2}}
  %0 = graph.log_softmax %x axis = 5 : tensor<2x3xf32>
  return
}

// -----

func.func @layer_norm_axis(%x: tensor<2x3xf32>, %g: tensor<3xf32>) {
  // expected-error @+1 {{'graph.layer_norm' op axis 2 is out of range for rank 2}}
  %0 = graph.layer_norm %x, %g, %g axis = 2 : tensor<2x3xf32>, tensor<3xf32>
  return
}

// -----

func.func @layer_norm_shape(%x: tensor<2x3xf32>, %g: tensor<2x3xf32>) {
  // expected-error @+1 {{'graph.layer_norm' op scale and bias must have the normalized shape [3] (input dims from axis 1), got [2, 3]}}
  %0 = graph.layer_norm %x, %g, %g axis = 1 : tensor<2x3xf32>, tensor<2x3xf32>
  return
}

// -----

func.func @layer_norm_element(%x: tensor<2x3xf32>, %g: tensor<3xf16>) {
  // expected-error @+1 {{'graph.layer_norm' op scale element type 'f16' differs from the input's 'f32'}}
  %0 = graph.layer_norm %x, %g, %g axis = 1 : tensor<2x3xf32>, tensor<3xf16>
  return
}

// -----

func.func @layer_norm_bias_type(%x: tensor<2x3xf32>, %g: tensor<3xf32>, %b: tensor<1x3xf32>) {
  // expected-error @+1 {{failed to verify that all of {scale, bias} have same type}}
  %0 = "graph.layer_norm"(%x, %g, %b) <{axis = 1 : i64, epsilon = 1.0e-5 : f64}> : (tensor<2x3xf32>, tensor<3xf32>, tensor<1x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @layer_norm_epsilon(%x: tensor<2x3xf32>, %g: tensor<3xf32>) {
  // expected-error @+1 {{'graph.layer_norm' op epsilon must be non-negative, got -1}}
  %0 = graph.layer_norm %x, %g, %g axis = 1 epsilon = -1.0 : tensor<2x3xf32>, tensor<3xf32>
  return
}

// -----

func.func @layer_norm_nan_epsilon(%x: tensor<2x3xf32>, %g: tensor<3xf32>) {
  // expected-error @+1 {{'graph.layer_norm' op epsilon must be non-negative, got nan}}
  %0 = graph.layer_norm %x, %g, %g axis = 1 epsilon = 0x7FF8000000000000 : tensor<2x3xf32>, tensor<3xf32>
  return
}

// -----

func.func @batch_norm_rank(%x: tensor<3xf32>, %c: tensor<3xf32>) {
  // expected-error @+1 {{'graph.batch_norm' op input must have rank >= 2 (N, C, ...), got 'tensor<3xf32>'}}
  %0 = graph.batch_norm %x, %c, %c, %c, %c : tensor<3xf32>, tensor<3xf32>
  return
}

// -----

func.func @batch_norm_channels(%x: tensor<2x3x4xf32>, %c: tensor<4xf32>) {
  // expected-error @+1 {{'graph.batch_norm' op scale, bias, mean and variance must be [C] with C = 3 (input dim 1), got [4]}}
  %0 = graph.batch_norm %x, %c, %c, %c, %c : tensor<2x3x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @batch_norm_element(%x: tensor<2x3x4xf32>, %c: tensor<3xbf16>) {
  // expected-error @+1 {{'graph.batch_norm' op scale element type 'bf16' differs from the input's 'f32'}}
  %0 = graph.batch_norm %x, %c, %c, %c, %c : tensor<2x3x4xf32>, tensor<3xbf16>
  return
}

// -----

func.func @batch_norm_param_types(%x: tensor<2x3x4xf32>, %c: tensor<3xf32>, %v: tensor<1x3xf32>) {
  // expected-error @+1 {{failed to verify that all of {scale, bias, mean, variance} have same type}}
  %0 = "graph.batch_norm"(%x, %c, %c, %c, %v) <{epsilon = 1.0e-5 : f64}> : (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<1x3xf32>) -> tensor<2x3x4xf32>
  return
}

// -----

func.func @batch_norm_epsilon(%x: tensor<2x3x4xf32>, %c: tensor<3xf32>) {
  // expected-error @+1 {{'graph.batch_norm' op epsilon must be non-negative, got -0.001}}
  %0 = graph.batch_norm %x, %c, %c, %c, %c epsilon = -1.0e-3 : tensor<2x3x4xf32>, tensor<3xf32>
  return
}

//===--- shape and data movement ---===//

// -----

func.func @reshape_count(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'graph.reshape' op cannot reshape 6 elements [2, 3] into 8 elements [2, 4]}}
  %0 = graph.reshape %x : tensor<2x3xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @reshape_element(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'graph.reshape' op cannot change the element type ('f32' to 'i32'); use graph.cast}}
  %0 = graph.reshape %x : tensor<2x3xf32> -> tensor<6xi32>
  return
}

// -----

func.func @transpose_perm_size(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'graph.transpose' op perm has 3 entries but the input has rank 2}}
  %0 = graph.transpose %x perm = [1, 0, 2] : tensor<2x3xf32> -> tensor<3x2xf32>
  return
}

// -----

func.func @transpose_not_permutation(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'graph.transpose' op perm [1, 1] is not a permutation of 0..1}}
  %0 = graph.transpose %x perm = [1, 1] : tensor<2x3xf32> -> tensor<3x3xf32>
  return
}

// -----

func.func @transpose_wrong_result(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'graph.transpose' op result type 'tensor<2x3xf32>' does not match the inferred type 'tensor<3x2xf32>'}}
  %0 = graph.transpose %x perm = [1, 0] : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @broadcast_to_element(%x: tensor<3xf32>) {
  // expected-error @+1 {{'graph.broadcast_to' op cannot change the element type ('f32' to 'f16'); use graph.cast}}
  %0 = graph.broadcast_to %x : tensor<3xf32> -> tensor<2x3xf16>
  return
}

// -----

func.func @broadcast_to_rank(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'graph.broadcast_to' op cannot broadcast rank 2 to the lower rank 1}}
  %0 = graph.broadcast_to %x : tensor<2x3xf32> -> tensor<3xf32>
  return
}

// -----

func.func @broadcast_to_dim(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'graph.broadcast_to' op input dim 1 of size 3 cannot broadcast to size 4 ([2, 3] to [5, 2, 4])}}
  %0 = graph.broadcast_to %x : tensor<2x3xf32> -> tensor<5x2x4xf32>
  return
}

// -----

func.func @concat_empty() {
  // expected-error @+1 {{'graph.concat' op needs at least one input}}
  %0 = "graph.concat"() <{axis = 0 : i64}> : () -> tensor<2xf32>
  return
}

// -----

func.func @concat_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'graph.concat' op axis 2 is out of range for rank 2}}
  %0 = graph.concat %x, %x axis = 2 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
  return
}

// -----

func.func @concat_element(%x: tensor<2x3xf32>, %y: tensor<2x3xf16>) {
  // expected-error @+1 {{'graph.concat' op input 1 element type 'f16' differs from input 0's 'f32'}}
  %0 = graph.concat %x, %y axis = 0 : (tensor<2x3xf32>, tensor<2x3xf16>) -> tensor<4x3xf32>
  return
}

// -----

func.func @concat_rank(%x: tensor<2x3xf32>, %y: tensor<3xf32>) {
  // expected-error @+1 {{'graph.concat' op input 1 has rank 1 but input 0 has rank 2}}
  %0 = graph.concat %x, %y axis = 0 : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<3x3xf32>
  return
}

// -----

func.func @concat_dims(%x: tensor<2x3xf32>, %y: tensor<2x4xf32>) {
  // expected-error @+1 {{'graph.concat' op input 1 [2, 4] differs from input 0 [2, 3] in dim 1 (only the axis 0 may differ)}}
  %0 = graph.concat %x, %y axis = 0 : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @slice_lengths(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'graph.slice' op start, limit and step need one entry per dim (2), got 1, 2 and 2}}
  %0 = graph.slice %x start = [0] limit = [2, 3] step = [1, 1] : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @slice_zero_step(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'graph.slice' op step in dim 1 must be non-zero}}
  %0 = graph.slice %x start = [0, 0] limit = [2, 3] step = [1, 0] : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @slice_forward_range(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'graph.slice' op dim 1 of size 3: start 1, limit 4, step 1 needs 0 <= start <= limit <= size}}
  %0 = graph.slice %x start = [0, 1] limit = [2, 4] step = [1, 1] : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @slice_backward_range(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'graph.slice' op dim 0 of size 2: start 2, limit -1, step -1 needs -1 <= limit <= start < size}}
  %0 = graph.slice %x start = [2, 0] limit = [-1, 3] step = [-1, 1] : tensor<2x3xf32> -> tensor<3x3xf32>
  return
}

// -----

func.func @gather_axis(%x: tensor<2x3xf32>, %i: tensor<4xi64>) {
  // expected-error @+1 {{'graph.gather' op axis 2 is out of range for rank 2}}
  %0 = graph.gather %x, %i axis = 2 : (tensor<2x3xf32>, tensor<4xi64>) -> tensor<2x3x4xf32>
  return
}

// -----

func.func @gather_float_indices(%x: tensor<2x3xf32>, %i: tensor<4xf32>) {
  // expected-error @+1 {{operand #1 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values}}
  %0 = graph.gather %x, %i axis = 0 : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @pad_lengths(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'graph.pad' op low and high need one entry per dim (2), got 2 and 1}}
  %0 = graph.pad %x low = [1, 1] high = [1] : tensor<2x3xf32> -> tensor<4x5xf32>
  return
}

// -----

func.func @pad_negative(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'graph.pad' op padding in dim 1 must be non-negative, got low 0 and high -1}}
  %0 = graph.pad %x low = [0, 0] high = [0, -1] : tensor<2x3xf32> -> tensor<2x2xf32>
  return
}

// -----

func.func @pad_value_not_constant_mode(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'graph.pad' op value 1 is only used by constant padding, not edge}}
  %0 = graph.pad %x low = [0, 1] high = [0, 1] mode = edge value = 1.0 : tensor<2x3xf32> -> tensor<2x5xf32>
  return
}

// -----

func.func @pad_fractional_int(%x: tensor<2x3xi32>) {
  // expected-error @+1 {{'graph.pad' op value 0.5 is not integral for element type 'i32'}}
  %0 = graph.pad %x low = [0, 1] high = [0, 1] value = 0.5 : tensor<2x3xi32> -> tensor<2x5xi32>
  return
}

// -----

func.func @pad_reflect_too_wide(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'graph.pad' op reflect padding in dim 1 must be smaller than its size 3, got low 3 and high 0}}
  %0 = graph.pad %x low = [0, 3] high = [0, 0] mode = reflect : tensor<2x3xf32> -> tensor<2x6xf32>
  return
}

// -----

func.func @pad_edge_empty(%x: tensor<2x0xf32>) {
  // expected-error @+1 {{'graph.pad' op edge padding needs a non-empty dim 1}}
  %0 = graph.pad %x low = [0, 1] high = [0, 1] mode = edge : tensor<2x0xf32> -> tensor<2x2xf32>
  return
}

// -----

func.func @cast_shape(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'graph.cast' op requires the same shape for all operands and results}}
  %0 = graph.cast %x : tensor<2x3xf32> -> tensor<3x2xi32>
  return
}

//===--- dispatch regions ---===//

// -----

func.func @dispatch_arguments(%x: tensor<4xf32>) {
  // expected-error @+1 {{'graph.dispatch' op region arguments ('tensor<8xf32>') must match the inputs ('tensor<4xf32>')}}
  %0 = graph.dispatch(%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%in: tensor<8xf32>):
    %c = graph.constant dense<0.0> : tensor<4xf32>
    graph.yield %c : tensor<4xf32>
  }
  return
}

// -----

func.func @dispatch_yield_types(%x: tensor<4xf32>) {
  // expected-error @+1 {{'graph.dispatch' op yields ('tensor<4xf32>') but its results are ('tensor<4xf16>')}}
  %0 = graph.dispatch(%x) : (tensor<4xf32>) -> tensor<4xf16> {
  ^bb0(%in: tensor<4xf32>):
    graph.yield %in : tensor<4xf32>
  }
  return
}

// -----

func.func @dispatch_captures(%x: tensor<4xf32>) {
  // expected-note @+1 {{required by region isolation constraints}}
  %0 = graph.dispatch() : () -> tensor<4xf32> {
    // expected-error @+1 {{'graph.neg' op using value defined outside the region}}
    %1 = graph.neg %x : tensor<4xf32>
    graph.yield %1 : tensor<4xf32>
  }
  return
}

// -----

func.func @dispatch_no_yield(%x: tensor<4xf32>) {
  // A missing yield is an empty one, which does not match the results.
  // expected-error @+1 {{'graph.dispatch' op yields () but its results are ('tensor<4xf32>')}}
  %0 = graph.dispatch(%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%in: tensor<4xf32>):
    %1 = graph.neg %in : tensor<4xf32>
  }
  return
}

// -----

func.func @yield_outside(%x: tensor<4xf32>) {
  // expected-error @+1 {{'graph.yield' op expects parent op 'graph.dispatch'}}
  graph.yield %x : tensor<4xf32>
}

// A two-layer MLP classifier head, written the way Kiln's PyTorch frontend
// imports `nn.Sequential(Flatten(), Linear(8, 16), GELU(), LayerNorm(16),
// Dropout(0.1), Linear(16, 4), Softmax(-1))` in eval mode: Linear weights are
// stored [out, in] and transposed, Flatten is a reshape, eval-mode Dropout
// scales by 1, and LayerNorm's default affine parameters are splats.
// The weights are dense resources: their bytes sit in the resource section at
// the end of the file, not in the IR text.
//
// Run it through the graph pipeline (what the README's main command does):
//   kiln-opt --graph-canonicalize examples/mlp_classifier.mlir

func.func @main(%input: tensor<1x1x8xf32>) -> tensor<1x4xf32> {
  %fc1_weight = graph.constant dense_resource<fc1_weight> : tensor<16x8xf32>
  %fc1_bias = graph.constant dense_resource<fc1_bias> : tensor<16xf32>
  %fc2_weight = graph.constant dense_resource<fc2_weight> : tensor<4x16xf32>
  %fc2_bias = graph.constant dense_resource<fc2_bias> : tensor<4xf32>
  %norm_scale = graph.constant dense<1.0> : tensor<16xf32>
  %norm_bias = graph.constant dense<0.0> : tensor<16xf32>
  %keep_scale = graph.constant dense<1.0> : tensor<f32>

  // Flatten(): [1, 1, 8] -> [1, 8], through the view chain torch records.
  %flat = graph.reshape %input : tensor<1x1x8xf32> -> tensor<8xf32>
  %rows = graph.reshape %flat : tensor<8xf32> -> tensor<1x8xf32>

  // Linear(8, 16): x @ W^T + b.
  %fc1_weight_t = graph.transpose %fc1_weight perm = [1, 0] : tensor<16x8xf32> -> tensor<8x16xf32>
  %fc1 = graph.matmul %rows, %fc1_weight_t : (tensor<1x8xf32>, tensor<8x16xf32>) -> tensor<1x16xf32>
  %fc1_out = graph.add %fc1, %fc1_bias : (tensor<1x16xf32>, tensor<16xf32>) -> tensor<1x16xf32>

  %act = graph.gelu %fc1_out : tensor<1x16xf32>
  %norm = graph.layer_norm %act, %norm_scale, %norm_bias axis = 1 : tensor<1x16xf32>, tensor<16xf32>

  // Dropout(0.1) in eval mode.
  %dropped = graph.mul %norm, %keep_scale : (tensor<1x16xf32>, tensor<f32>) -> tensor<1x16xf32>

  // Linear(16, 4), then Softmax(-1).
  %fc2_weight_t = graph.transpose %fc2_weight perm = [1, 0] : tensor<4x16xf32> -> tensor<16x4xf32>
  %fc2 = graph.matmul %dropped, %fc2_weight_t : (tensor<1x16xf32>, tensor<16x4xf32>) -> tensor<1x4xf32>
  %logits = graph.add %fc2, %fc2_bias : (tensor<1x4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  %probs = graph.softmax %logits axis = 1 : tensor<1x4xf32>
  return %probs : tensor<1x4xf32>
}

{-#
  dialect_resources: {
    builtin: {
      fc1_weight: "0x040000003192E43D8AA2043E89346C3EAEA13B3E4B1B23BD438195BE0335AC3E9CAC403E62B57B3D14EFA13ED3E38EBE7607333DC5BA963EE56C903E0481A63E032193BDDBA24A3B4707023D0B796ABE1290CFBD75043FBEE3D4A2BE15679D3EE037653ECA7D253ED3417B3E7F8C9FBEFCD1243EC4851BBE800D3DBE33FDAF3E3967F1BD73ABC23C3BE2893EBF303D3DBE87AF3E9E17BDBDA7CED73CFEFA7D3E4CDFAFBD2166763E4C07A3BE1195823E917E81BEC8AC313D8E2C54BE5911A53EB668EABD5D3691BEC7140E3E7CD43BBC97E93DBEC2C1C83DEA5D9D3E60F4E13D1697AF3926B5FABB7D325D3D81144D3ED50857BD7E238C3EF996A33DA59CDBBC7783C63C183F66BDA8C0D8BDBC51ACBEDC12EDBDBF19313ED76F9ABE593A40BE26CBEE3C3F00D43D7702D53D3F2B0CBE363E723EC8168A3EDE904ABEFB51113DC5C2833EB225E93DABB22D3C3638763C4E918F3E24404BBEA20CC43D75CAE83D6464A9BE59533CBEC9E9A93E438CA83E06CA723EDA9525BEDB829F3E7C1B4DBEF1B310BEA49C623E94515C3E5AB31A3CC026F93C7FAFAE3EE4438DBE82B0823D7C2D253EC402483E5BDEAE3E72B5FC3D46696CBDD26CB43D51768FBEA0098B3E5F06ACBE2F03153ED28D353E8DD5E9BD5314853E1E0B553D8D2E863D3708FE3DCD5FA6BEB389D73D0BBC87BE15E133BE67AB97BEC59769BDA7717A3EFEB7FDBD5BA05E3E",
      fc1_bias: "0x040000002168A03E9C8F3BBE2FE6553EA4EE683D32C4E6BDBA4E10BD0929BDBC8C167CBEBCF6A3BEB73A693DFAA6A83E2568A43ED98C9CBEF247403EA343A13E3E702A3E",
      fc2_weight: "0x04000000291F6FBE124E04BE8EEB7EBE32D8DABC1424163DE20FF8BD0F3B463B4B82523E9D77723EF87863BBC3245D3CE23A7D3D46CEA7BD94C9D13DF7346F3E4B71C2BD386CB3BD10409C3CBE4F783E68DFEFBDBCAD5F3E6EDA6B3D6E00623CA954333E55F30DBE99F75A3D69C6933D2C36283E8425223D582274BCC615CA3DC4867D3E4A160B3DA0BE2CBE9C92BB3D14F900BE6B2D203ECEF9113DA829FCBDA74C3DBEC720E63D0A491DBEC3C7A13D357B42BDAC5D77BED88C33BE073C313DA75F323ED0A3563E179850BE2FA066BE6D1023BE509376BCA41E583D9E553DBD1DFDAD3DC91A3A3E8377EFBDFFFB7BBD24747C3D4D38AA3DCA0565BE0039673EDDDB2EBE",
      fc2_bias: "0x040000007C587C3EB1CEE53CCC3F2E3E79AFD4BD"
    }
  }
#-}

// Every error of graph-annotate-shardings names the tensor and the axis.
// RUN: kiln-opt %s -split-input-file -verify-diagnostics --pass-pipeline='builtin.module(graph-annotate-shardings{mesh=tp=2 shardings="fc3.weight=tp,_"})'
// RUN: not kiln-opt %s --pass-pipeline='builtin.module(graph-annotate-shardings{mesh=dp=2,tp=2 shardings="w=pp,_"})' 2>&1 | FileCheck %s --check-prefix=AXIS
// RUN: not kiln-opt %s --pass-pipeline='builtin.module(graph-annotate-shardings{mesh=tp=2 shardings="w=tp"})' 2>&1 | FileCheck %s --check-prefix=RANK
// RUN: not kiln-opt %s --pass-pipeline='builtin.module(graph-annotate-shardings{mesh=tp=4 shardings="w=_,tp"})' 2>&1 | FileCheck %s --check-prefix=DIVIDE
// RUN: not kiln-opt %s --pass-pipeline='builtin.module(graph-annotate-shardings{mesh=tp=2 shardings="w=tp,tp"})' 2>&1 | FileCheck %s --check-prefix=TWICE
// RUN: not kiln-opt %s --pass-pipeline='builtin.module(graph-annotate-shardings{mesh=tp=x})' 2>&1 | FileCheck %s --check-prefix=MESH
// RUN: not kiln-opt %s --pass-pipeline='builtin.module(graph-annotate-shardings{mesh=tp=2,tp=2})' 2>&1 | FileCheck %s --check-prefix=MESH2
// RUN: not kiln-opt %s --pass-pipeline='builtin.module(graph-annotate-shardings{shardings="w=tp,_"})' 2>&1 | FileCheck %s --check-prefix=NOMESH
// RUN: not kiln-opt %s --pass-pipeline='builtin.module(graph-annotate-shardings{mesh=tp=2 shardings="w"})' 2>&1 | FileCheck %s --check-prefix=SYNTAX
// RUN: not kiln-opt %s --pass-pipeline='builtin.module(graph-annotate-shardings{mesh=tp=2 shardings="w=tp,_;w=_,tp"})' 2>&1 | FileCheck %s --check-prefix=AGAIN

// AXIS: error: the sharding of 'w' names axis 'pp', which the mesh (dp=2, tp=2) does not have
// RANK: error: the sharding of 'w' has 1 entry ('tp'); the tensor 'tensor<4x6xf32>' has 2 dims: give one per dim, _ for a dim not split
// DIVIDE: error: cannot split dim 1 of 'w' (size 6) across axis 'tp' (4 devices): 6 is not a multiple of 4
// TWICE: error: the sharding of 'w' splits dims 0 and 1 along the same axis 'tp'
// MESH: error: bad mesh 'tp=x': expected NAME=SIZE[,NAME=SIZE...] with sizes >= 1 (dp=2,tp=2), got 'tp=x'
// MESH2: error: bad mesh 'tp=2,tp=2': axis 'tp' is named twice
// NOMESH: error: shardings need a mesh to split tensors across (--mesh NAME=SIZE,...)
// SYNTAX: error: bad sharding 'w': expected TENSOR=AXES, one entry per dim, each a mesh axis or _ (fc1.weight=tp,_)
// AGAIN: error: 'w' is sharded twice

// expected-error @+1 {{no input or weight named 'fc3.weight' to shard (inputs: x, input1; weights: w)}}
module {
  func.func @f(%x: tensor<4x6xf32> {exec.name = "x"}, %y: tensor<4x6xf32>) -> tensor<4x6xf32> {
    %w = graph.constant {exec.name = "w"} dense<[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [1.0, 2.0, 3.0, 4.0, 5.0, 7.0]]> : tensor<4x6xf32>
    %0 = graph.add %x, %w : (tensor<4x6xf32>, tensor<4x6xf32>) -> tensor<4x6xf32>
    %1 = graph.add %0, %y : (tensor<4x6xf32>, tensor<4x6xf32>) -> tensor<4x6xf32>
    return %1 : tensor<4x6xf32>
  }
}

// RUN: kiln-opt %s --split-input-file --pass-pipeline="builtin.module(builtin.module(cpu-link-kernels))" -verify-diagnostics -o /dev/null

module {
  // expected-error @below {{cpu-link-kernels runs on a kernel module whose #exec.target is cpu}}
  module @kernels_gpu attributes {exec.target = #exec.target<"opencl">} {
  }
}

// -----

module {
  // expected-error-re @below {{unknown CPU 'pentium9000' for {{.*}} (use host, x86-64, aarch64 or an LLVM CPU name)}}
  module @kernels_cpu attributes {exec.target = #exec.target<"cpu", {cpu = "pentium9000"}>} {
  }
}

//===- CountAllocations.cpp - heap allocations of steady-state runs -------===//
//
//   kiln-count-allocations MODEL.kiln [RUNS] [--caller-arena]
//
// Runs a model once to warm up (the executor allocates its arenas then),
// then RUNS more times into the same output tensors, counting every heap
// allocation the process makes meanwhile (malloc and friends are replaced
// below, so the runtime, the C++ library and the dlopened kernels are all
// seen). Prints the count and exits 1 when it is not zero: a run of a planned
// model allocates nothing. With --caller-arena the test gives the executor
// the arena itself (Executor::useArena), before the first run.
//
//===----------------------------------------------------------------------===//

#include "kiln/runtime/Error.h"
#include "kiln/runtime/Runtime.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

extern "C" {
void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void *__libc_memalign(size_t, size_t);
void __libc_free(void *);
}

static std::atomic<bool> counting{false};
static std::atomic<long> allocations{0};

static void count() {
  if (counting.load(std::memory_order_relaxed))
    allocations.fetch_add(1, std::memory_order_relaxed);
}

extern "C" {
void *malloc(size_t size) {
  count();
  return __libc_malloc(size);
}
void *calloc(size_t count_, size_t size) {
  count();
  return __libc_calloc(count_, size);
}
void *realloc(void *pointer, size_t size) {
  count();
  return __libc_realloc(pointer, size);
}
void *aligned_alloc(size_t alignment, size_t size) {
  count();
  return __libc_memalign(alignment, size);
}
void *memalign(size_t alignment, size_t size) {
  count();
  return __libc_memalign(alignment, size);
}
int posix_memalign(void **out, size_t alignment, size_t size) {
  count();
  *out = __libc_memalign(alignment, size);
  return *out ? 0 : ENOMEM;
}
void free(void *pointer) { __libc_free(pointer); }
}

int main(int argc, char **argv) {
  std::string path;
  int runs = 3;
  bool callerArena = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--caller-arena") == 0)
      callerArena = true;
    else if (path.empty())
      path = argv[i];
    else
      runs = std::atoi(argv[i]);
  }
  if (path.empty() || runs <= 0) {
    std::fprintf(stderr, "usage: kiln-count-allocations MODEL.kiln [RUNS] "
                         "[--caller-arena]\n");
    return 2;
  }
  try {
    auto model = kiln::rt::Model::load(path);
    kiln::rt::Executor executor(model, {});
    std::vector<kiln::rt::HostTensor> inputs, outputs;
    for (const kiln::rt::TensorSpec &spec : model->inputs()) {
      inputs.emplace_back(spec.dtype, spec.shape);
      std::memset(inputs.back().data(), 0, inputs.back().byteSize());
    }
    for (const kiln::rt::TensorSpec &spec : model->outputs())
      outputs.emplace_back(spec.dtype, spec.shape);
    std::vector<const kiln::rt::HostTensor *> inputPointers;
    std::vector<kiln::rt::HostTensor *> outputPointers;
    for (auto &input : inputs)
      inputPointers.push_back(&input);
    for (auto &output : outputs)
      outputPointers.push_back(&output);

    uint64_t arenaBytes = executor.arenaBytes("host");
    void *arena = nullptr;
    if (callerArena && arenaBytes > 0) {
      uint64_t alignment = executor.arenaAlignment("host");
      arena = std::aligned_alloc(alignment, (arenaBytes + alignment - 1) /
                                                alignment * alignment);
      executor.useArena("host", arena, arenaBytes);
    }
    executor.run(inputPointers, outputPointers); // warm-up
    counting = true;
    for (int i = 0; i < runs; ++i)
      executor.run(inputPointers, outputPointers);
    counting = false;
    std::printf("arena: %llu bytes%s\n",
                static_cast<unsigned long long>(arenaBytes),
                callerArena ? " (the caller's)" : "");
    std::printf("heap allocations in %d runs after the first: %ld\n", runs,
                allocations.load());
    std::free(arena);
    return allocations.load() == 0 ? 0 : 1;
  } catch (const kiln::rt::Error &error) {
    std::fprintf(stderr, "kiln-count-allocations: error: %s\n", error.what());
    return 1;
  }
}

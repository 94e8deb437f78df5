//===- Artifact.h - the .kiln artifact format -------------------*- C++ -*-===//
//
// The one contract between compiler and runtime. A .kiln file is:
//
//   header (64 bytes)        magic "KILNART\0", format version, section count,
//                            file size, checksum of everything after the
//                            header, offset of the section table
//   section table            per section: kind, offset, size (64-byte aligned)
//   MANIFEST section         the program (encoded as below)
//   KERNELS sections         one per target: the binary its device loads
//   CONSTANTS section        weights, each 64-byte aligned, so the file can
//                            be memory-mapped and used in place
//
// The manifest lists the inputs and outputs (name, dtype, shape), the
// memories (the host's, then each device's that holds buffers), the arenas
// (one per memory: the bytes its transient buffers need, as the compiler's
// memory plan laid them out), the buffers (input, output, constant,
// transient at an arena offset, or a view of another buffer; each in one
// memory: inputs and outputs in the host's, a constant in the memory of the
// device that reads it), the kernels (target library, entry symbol, launch:
// grid, workgroup size, workgroup memory) and the steps (dispatch a kernel
// over bindings, copy a buffer within a memory, transfer it between
// memories, a collective). All integers are little-endian. Plain C++17, no
// LLVM: both sides include it.
//
// A sharded program runs on every device of its mesh (the device count per
// named axis): each device runs the same steps on its own blocks. An input
// or output lists the mesh axes splitting each dim (its shape is the whole
// tensor's; its buffer holds one device's block), a split constant has one
// constant per device, and collective steps move data between the devices
// of a group (those differing only along the step's axes).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_ARTIFACT_H
#define KILN_RUNTIME_ARTIFACT_H

#include "kiln/runtime/Device.h"
#include "kiln/runtime/Tensor.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kiln::rt {

inline constexpr char kArtifactMagic[8] = {'K', 'I', 'L', 'N',
                                           'A', 'R', 'T', '\0'};
/// Bumped whenever the layout or the manifest encoding changes.
/// 4: memories (host and devices), per-kernel launch data, transfers.
inline constexpr uint32_t kArtifactVersion = 4;
inline constexpr size_t kArtifactHeaderSize = 64;
inline constexpr size_t kArtifactAlignment = 64;

enum class SectionKind : uint32_t { manifest = 1, kernels = 2, constants = 3 };

/// Per dim, the mesh axes it is split along (outer to inner); no entry or
/// an empty one: not split.
using SplitAxes = std::vector<std::vector<uint16_t>>;

struct TensorSpec {
  std::string name;
  DType dtype = DType::f32;
  std::vector<int64_t> shape; ///< The whole tensor's.
  uint32_t buffer = 0;        ///< The buffer holding (a device's block of) it.
  SplitAxes split;            ///< Sharded programs: how it is split.
};

enum class BufferKind : uint8_t {
  input = 0,     ///< The caller's input `index`.
  output = 1,    ///< The caller's output `index`.
  constant = 2,  ///< Constant `index` in the CONSTANTS section.
  transient = 3, ///< At `offset` in arena `index`, for the run's duration.
  view = 4,      ///< The bytes of buffer `index`.
};

/// The host's memory: always memory 0 of a manifest.
inline constexpr char kHostMemory[] = "host";

struct BufferSpec {
  BufferKind kind = BufferKind::transient;
  uint32_t index = 0;
  uint64_t bytes = 0;
  uint64_t offset = 0; ///< transient: the byte offset in its arena
  /// constant split across the mesh: the constant of each device (by linear
  /// mesh index); empty: constant `index` on every device.
  std::vector<uint32_t> shards;
  uint32_t memory = 0; ///< Where its bytes are: an index into memories.
};

/// The memory a device's transient buffers share: allocated once per
/// executor (or given by the caller), reused by every run.
struct ArenaSpec {
  uint32_t memory = 0; ///< The memory it is in: an index into memories.
  uint64_t bytes = 0;
  uint64_t alignment = kHostAlignment; ///< Of the arena and every offset.
};

struct ConstantSpec {
  uint64_t offset = 0; ///< Within the CONSTANTS section.
  uint64_t bytes = 0;
};

struct KernelLibrarySpec {
  std::string target; ///< The device that loads it ("cpu").
  uint32_t section = 0;
};

struct KernelSpec {
  uint32_t library = 0;
  std::string symbol;
  Launch launch;
};

enum class StepKind : uint8_t {
  dispatch = 0,
  copy = 1,
  allReduce = 2,
  allGather = 3,
  reduceScatter = 4,
  allToAll = 5,
  allSlice = 6,
  transfer = 7,
};

/// "all_reduce", ...; "dispatch", "copy", "transfer".
const char *stepKindName(StepKind kind);
inline bool isCollective(StepKind kind) {
  return kind != StepKind::dispatch && kind != StepKind::copy &&
         kind != StepKind::transfer;
}

struct StepSpec {
  StepKind kind = StepKind::dispatch;
  uint32_t kernel = 0;            ///< dispatch: the kernel
  std::vector<uint32_t> bindings; ///< dispatch: inputs then outputs;
                                  ///< copy, transfer, collectives: source,
                                  ///< target
  // Collectives:
  std::vector<uint16_t> axes; ///< the mesh axes of the group
  uint8_t reduction = 0;      ///< all_reduce, reduce_scatter: a ReduceOp
  DType dtype = DType::f32;   ///< of the elements
  std::vector<int64_t> shape; ///< of the source
  int64_t dim = 0;  ///< gather/scatter/slice dim; all_to_all: the split dim
  int64_t dim2 = 0; ///< all_to_all: the concat dim
};

struct Manifest {
  std::string entry;
  /// Sharded programs: devices per mesh axis, and the axes' names; empty:
  /// one device.
  std::vector<int64_t> mesh;
  std::vector<std::string> meshAxes;
  std::vector<TensorSpec> inputs, outputs;
  /// "host" first, then the devices whose memory holds buffers (by target).
  std::vector<std::string> memories{kHostMemory};
  std::vector<ArenaSpec> arenas;
  std::vector<BufferSpec> buffers;
  std::vector<ConstantSpec> constants;
  std::vector<KernelLibrarySpec> libraries;
  std::vector<KernelSpec> kernels;
  std::vector<StepSpec> steps;
};

/// An artifact's contents, as the compiler assembles them.
struct ArtifactContents {
  Manifest manifest;
  std::vector<std::string> libraries; ///< Indexed like manifest.libraries.
  std::vector<std::string> constants; ///< Indexed like manifest.constants.
};

/// The file bytes (offsets and sizes in the manifest are filled in here).
std::string encodeArtifact(ArtifactContents contents);

/// A validated view of an artifact's bytes: the manifest decoded, sections
/// pointing into `bytes`, which must outlive it. Throws Error on a wrong
/// magic or version, a size or checksum mismatch, or a malformed manifest.
struct ArtifactView {
  Manifest manifest;
  std::vector<std::string_view> libraries;
  std::string_view constants;
};
ArtifactView decodeArtifact(std::string_view bytes, const std::string &name);

/// The number of devices of `mesh` (1 for none).
int64_t meshSize(const std::vector<int64_t> &mesh);
/// "dp=2, tp=2" (axes without names are numbered).
std::string describeMesh(const Manifest &manifest);
/// Device `rank`'s coordinates on `mesh` (row-major, the last axis fastest).
std::vector<int64_t> meshCoordinates(const std::vector<int64_t> &mesh,
                                     int64_t rank);
/// The shape of one device's block of `shape` split as `split` says.
std::vector<int64_t> blockShape(const std::vector<int64_t> &shape,
                                const SplitAxes &split,
                                const std::vector<int64_t> &mesh);
/// Per dim, which block of it device `rank` holds.
std::vector<int64_t> blockIndex(const SplitAxes &split,
                                const std::vector<int64_t> &mesh, int64_t rank);

/// The checksum stored in the header: 64-bit, over 8-byte words.
uint64_t artifactChecksum(std::string_view bytes);

} // namespace kiln::rt

#endif // KILN_RUNTIME_ARTIFACT_H

//===- Artifact.cpp - encoding and validating .kiln files -----------------===//

#include "kiln/runtime/Artifact.h"

#include "kiln/runtime/Communicator.h"
#include "kiln/runtime/Error.h"

#include <cstring>

namespace kiln::rt {
namespace {

//===--- little-endian encoding of the manifest --------------------------===//

class Writer {
public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) { raw(v, 4); }
  void u64(uint64_t v) { raw(v, 8); }
  void i64(int64_t v) { raw(static_cast<uint64_t>(v), 8); }
  void string(std::string_view s) {
    u64(s.size());
    out_.append(s);
  }
  template <typename T, typename F> void list(const std::vector<T> &v, F each) {
    u64(v.size());
    for (const T &item : v)
      each(item);
  }
  std::string take() { return std::move(out_); }

private:
  void raw(uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i)
      out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  std::string out_;
};

class Reader {
public:
  Reader(std::string_view in, const std::string &name) : in_(in), name_(name) {}
  uint8_t u8() { return static_cast<uint8_t>(raw(1)); }
  uint32_t u32() { return static_cast<uint32_t>(raw(4)); }
  uint64_t u64() { return raw(8); }
  int64_t i64() { return static_cast<int64_t>(raw(8)); }
  std::string string() {
    uint64_t size = u64();
    need(size);
    std::string s(in_.substr(pos_, size));
    pos_ += size;
    return s;
  }
  template <typename T, typename F> std::vector<T> list(F each) {
    uint64_t count = u64();
    // Each element takes at least one byte: a larger count is corrupt.
    need(count);
    std::vector<T> v;
    v.reserve(count);
    for (uint64_t i = 0; i < count; ++i)
      v.push_back(each());
    return v;
  }
  bool atEnd() const { return pos_ == in_.size(); }
  [[noreturn]] void fail(const std::string &what) const {
    throw Error("artifact '" + name_ + "' has a malformed manifest: " + what);
  }

private:
  void need(uint64_t bytes) const {
    if (bytes > in_.size() - pos_)
      fail("it ends early");
  }
  uint64_t raw(int bytes) {
    need(bytes);
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i)
      v |= uint64_t(static_cast<uint8_t>(in_[pos_ + i])) << (8 * i);
    pos_ += bytes;
    return v;
  }
  std::string_view in_;
  const std::string &name_;
  size_t pos_ = 0;
};

void writeAxes(Writer &w, const std::vector<uint16_t> &axes) {
  w.list(axes, [&](uint16_t a) { w.u32(a); });
}
std::vector<uint16_t> readAxes(Reader &r) {
  return r.list<uint16_t>([&] { return static_cast<uint16_t>(r.u32()); });
}

DType readDType(Reader &r) {
  uint8_t dtype = r.u8();
  if (dtype > static_cast<uint8_t>(DType::ui8))
    r.fail("unknown dtype code " + std::to_string(dtype));
  return static_cast<DType>(dtype);
}

void writeTensor(Writer &w, const TensorSpec &t) {
  w.string(t.name);
  w.u8(static_cast<uint8_t>(t.dtype));
  w.list(t.shape, [&](int64_t d) { w.i64(d); });
  w.u32(t.buffer);
  w.list(t.split, [&](const std::vector<uint16_t> &a) { writeAxes(w, a); });
}

TensorSpec readTensor(Reader &r) {
  TensorSpec t;
  t.name = r.string();
  t.dtype = readDType(r);
  t.shape = r.list<int64_t>([&] { return r.i64(); });
  t.buffer = r.u32();
  t.split = r.list<std::vector<uint16_t>>([&] { return readAxes(r); });
  return t;
}

std::string encodeManifest(const Manifest &m) {
  Writer w;
  w.string(m.entry);
  w.list(m.mesh, [&](int64_t d) { w.i64(d); });
  w.list(m.meshAxes, [&](const std::string &a) { w.string(a); });
  w.list(m.inputs, [&](const TensorSpec &t) { writeTensor(w, t); });
  w.list(m.outputs, [&](const TensorSpec &t) { writeTensor(w, t); });
  w.list(m.memories, [&](const std::string &memory) { w.string(memory); });
  w.list(m.arenas, [&](const ArenaSpec &a) {
    w.u32(a.memory);
    w.u64(a.bytes);
    w.u64(a.alignment);
  });
  w.list(m.buffers, [&](const BufferSpec &b) {
    w.u8(static_cast<uint8_t>(b.kind));
    w.u32(b.index);
    w.u32(b.memory);
    w.u64(b.bytes);
    w.u64(b.offset);
    w.list(b.shards, [&](uint32_t c) { w.u32(c); });
  });
  w.list(m.constants, [&](const ConstantSpec &c) {
    w.u64(c.offset);
    w.u64(c.bytes);
  });
  w.list(m.libraries, [&](const KernelLibrarySpec &l) {
    w.string(l.target);
    w.u32(l.section);
  });
  w.list(m.kernels, [&](const KernelSpec &k) {
    w.u32(k.library);
    w.string(k.symbol);
    for (int i = 0; i < 3; ++i)
      w.u32(k.launch.grid[i]);
    for (int i = 0; i < 3; ++i)
      w.u32(k.launch.workgroup[i]);
    w.u32(k.launch.sharedBytes);
  });
  w.list(m.steps, [&](const StepSpec &s) {
    w.u8(static_cast<uint8_t>(s.kind));
    w.u32(s.kernel);
    w.list(s.bindings, [&](uint32_t b) { w.u32(b); });
    if (!isCollective(s.kind))
      return;
    writeAxes(w, s.axes);
    w.u8(s.reduction);
    w.u8(static_cast<uint8_t>(s.dtype));
    w.list(s.shape, [&](int64_t d) { w.i64(d); });
    w.i64(s.dim);
    w.i64(s.dim2);
  });
  return w.take();
}

Manifest decodeManifest(std::string_view bytes, const std::string &name) {
  Reader r(bytes, name);
  Manifest m;
  m.entry = r.string();
  m.mesh = r.list<int64_t>([&] { return r.i64(); });
  m.meshAxes = r.list<std::string>([&] { return r.string(); });
  m.inputs = r.list<TensorSpec>([&] { return readTensor(r); });
  m.outputs = r.list<TensorSpec>([&] { return readTensor(r); });
  m.memories = r.list<std::string>([&] { return r.string(); });
  m.arenas = r.list<ArenaSpec>([&] {
    ArenaSpec a;
    a.memory = r.u32();
    a.bytes = r.u64();
    a.alignment = r.u64();
    return a;
  });
  m.buffers = r.list<BufferSpec>([&] {
    BufferSpec b;
    uint8_t kind = r.u8();
    if (kind > static_cast<uint8_t>(BufferKind::view))
      r.fail("unknown buffer kind " + std::to_string(kind));
    b.kind = static_cast<BufferKind>(kind);
    b.index = r.u32();
    b.memory = r.u32();
    b.bytes = r.u64();
    b.offset = r.u64();
    b.shards = r.list<uint32_t>([&] { return r.u32(); });
    return b;
  });
  m.constants = r.list<ConstantSpec>([&] {
    ConstantSpec c;
    c.offset = r.u64();
    c.bytes = r.u64();
    return c;
  });
  m.libraries = r.list<KernelLibrarySpec>([&] {
    KernelLibrarySpec l;
    l.target = r.string();
    l.section = r.u32();
    return l;
  });
  m.kernels = r.list<KernelSpec>([&] {
    KernelSpec k;
    k.library = r.u32();
    k.symbol = r.string();
    for (int i = 0; i < 3; ++i)
      k.launch.grid[i] = r.u32();
    for (int i = 0; i < 3; ++i)
      k.launch.workgroup[i] = r.u32();
    k.launch.sharedBytes = r.u32();
    return k;
  });
  m.steps = r.list<StepSpec>([&] {
    StepSpec s;
    uint8_t kind = r.u8();
    if (kind > static_cast<uint8_t>(StepKind::transfer))
      r.fail("unknown step kind " + std::to_string(kind));
    s.kind = static_cast<StepKind>(kind);
    s.kernel = r.u32();
    s.bindings = r.list<uint32_t>([&] { return r.u32(); });
    if (!isCollective(s.kind))
      return s;
    s.axes = readAxes(r);
    s.reduction = r.u8();
    s.dtype = readDType(r);
    s.shape = r.list<int64_t>([&] { return r.i64(); });
    s.dim = r.i64();
    s.dim2 = r.i64();
    return s;
  });
  if (!r.atEnd())
    r.fail("trailing bytes");
  return m;
}

/// A collective's group, dims and buffer sizes agree with its source shape.
template <typename Fail, typename CheckAxes>
void validateCollective(const Manifest &m, const StepSpec &s, Fail fail,
                        CheckAxes checkAxes) {
  std::string kind = stepKindName(s.kind);
  std::string what = (kind[0] == 'a' ? "an " : "a ") + kind + " step";
  if (s.bindings.size() != 2)
    fail(what + " does not have a source and a target");
  if (s.reduction > static_cast<uint8_t>(ReduceOp::min))
    fail(what + " has unknown reduction " + std::to_string(s.reduction));
  std::vector<bool> used(m.mesh.size(), false);
  int64_t group = checkAxes(s.axes, 0, used, what); // 0: no dim to divide
  int64_t rank = s.shape.size();
  auto checkDim = [&](int64_t dim) {
    if (dim < 0 || dim >= rank)
      fail(what + " names dim " + std::to_string(dim) + " of a rank-" +
           std::to_string(rank) + " tensor");
  };
  uint64_t bytes = dtypeSize(s.dtype);
  for (int64_t dim : s.shape) {
    if (dim < 0)
      fail(what + " has a negative dimension");
    bytes *= static_cast<uint64_t>(dim);
  }
  uint64_t target = bytes;
  switch (s.kind) {
  case StepKind::allGather:
    checkDim(s.dim);
    target = bytes * group;
    break;
  case StepKind::reduceScatter:
  case StepKind::allSlice:
    checkDim(s.dim);
    if (s.shape[s.dim] % group != 0)
      fail(what + " splits dim " + std::to_string(s.dim) + " of " +
           std::to_string(s.shape[s.dim]) + " " + std::to_string(group) +
           " ways");
    target = bytes / group;
    break;
  case StepKind::allToAll:
    checkDim(s.dim);
    checkDim(s.dim2);
    if (s.shape[s.dim] % group != 0)
      fail(what + " splits dim " + std::to_string(s.dim) + " " +
           std::to_string(group) + " ways");
    break;
  default:
    break;
  }
  if (s.bindings[0] < m.buffers.size() && s.bindings[1] < m.buffers.size() &&
      (m.buffers[s.bindings[0]].bytes != bytes ||
       m.buffers[s.bindings[1]].bytes != target))
    fail(what + " has buffers of " +
         std::to_string(m.buffers[s.bindings[0]].bytes) + " and " +
         std::to_string(m.buffers[s.bindings[1]].bytes) + " bytes, expected " +
         std::to_string(bytes) + " and " + std::to_string(target));
}

/// Every index the manifest holds points at something that exists, and
/// sizes agree, so the executor can trust it.
void validate(const Manifest &m, size_t constantsSize,
              const std::string &name) {
  auto fail = [&](const std::string &what) {
    throw Error("artifact '" + name + "' is inconsistent: " + what);
  };
  auto checkBuffer = [&](uint32_t id, const char *what) {
    if (id >= m.buffers.size())
      fail(std::string(what) + " refers to buffer " + std::to_string(id) +
           " of " + std::to_string(m.buffers.size()));
  };
  for (int64_t size : m.mesh)
    if (size < 1)
      fail("the mesh has an axis of " + std::to_string(size) + " devices");
  if (m.meshAxes.size() != m.mesh.size())
    fail("the mesh has " + std::to_string(m.mesh.size()) + " axes but " +
         std::to_string(m.meshAxes.size()) + " names");
  // Axes of the mesh, each at most once; true when `size` divides by them.
  auto checkAxes = [&](const std::vector<uint16_t> &axes, int64_t size,
                       std::vector<bool> &used, const std::string &what) {
    int64_t devices = 1;
    for (uint16_t axis : axes) {
      if (axis >= m.mesh.size())
        fail(what + " names mesh axis " + std::to_string(axis) + " of " +
             std::to_string(m.mesh.size()));
      if (used[axis])
        fail(what + " names mesh axis " + std::to_string(axis) + " twice");
      used[axis] = true;
      devices *= m.mesh[axis];
    }
    if (size % devices != 0)
      fail(what + " splits a dim of " + std::to_string(size) + " " +
           std::to_string(devices) + " ways");
    return devices;
  };
  for (const auto *list : {&m.inputs, &m.outputs})
    for (const TensorSpec &t : *list) {
      checkBuffer(t.buffer, "a tensor");
      for (int64_t dim : t.shape)
        if (dim < 0)
          fail("tensor '" + t.name + "' has a negative dimension");
      if (t.split.size() > t.shape.size())
        fail("tensor '" + t.name + "' splits more dims than it has");
      std::vector<bool> used(m.mesh.size(), false);
      for (size_t dim = 0; dim < t.split.size(); ++dim)
        checkAxes(t.split[dim], t.shape[dim], used, "tensor '" + t.name + "'");
      uint64_t bytes = dtypeSize(t.dtype);
      for (int64_t dim : blockShape(t.shape, t.split, m.mesh))
        bytes *= static_cast<uint64_t>(dim);
      if (bytes != m.buffers[t.buffer].bytes)
        fail("tensor '" + t.name + "' does not fill its buffer");
    }
  if (m.memories.empty() || m.memories[0] != kHostMemory)
    fail("its first memory is not the host's");
  for (size_t i = 0; i < m.memories.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (m.memories[i] == m.memories[j])
        fail("memory '" + m.memories[i] + "' is listed twice");
  for (const ArenaSpec &a : m.arenas) {
    if (a.memory >= m.memories.size())
      fail("an arena is in memory " + std::to_string(a.memory) + " of " +
           std::to_string(m.memories.size()));
    if (a.alignment == 0 || (a.alignment & (a.alignment - 1)) != 0)
      fail("the arena of '" + m.memories[a.memory] + "' has alignment " +
           std::to_string(a.alignment) + ", not a power of two");
  }
  for (size_t id = 0; id < m.buffers.size(); ++id) {
    const BufferSpec &b = m.buffers[id];
    if (b.memory >= m.memories.size())
      fail("buffer " + std::to_string(id) + " is in memory " +
           std::to_string(b.memory) + " of " +
           std::to_string(m.memories.size()));
    switch (b.kind) {
    case BufferKind::input:
      if (b.index >= m.inputs.size())
        fail("buffer " + std::to_string(id) + " is a missing input");
      if (b.memory != 0)
        fail("input buffer " + std::to_string(id) + " is not in host memory");
      break;
    case BufferKind::output:
      if (b.index >= m.outputs.size())
        fail("buffer " + std::to_string(id) + " is a missing output");
      if (b.memory != 0)
        fail("output buffer " + std::to_string(id) + " is not in host memory");
      break;
    case BufferKind::constant:
      if (b.index >= m.constants.size() ||
          m.constants[b.index].bytes != b.bytes)
        fail("buffer " + std::to_string(id) + " is a missing constant");
      if (!b.shards.empty() &&
          b.shards.size() != static_cast<size_t>(meshSize(m.mesh)))
        fail("buffer " + std::to_string(id) + " has " +
             std::to_string(b.shards.size()) + " shards for " +
             std::to_string(meshSize(m.mesh)) + " devices");
      for (uint32_t shard : b.shards)
        if (shard >= m.constants.size() || m.constants[shard].bytes != b.bytes)
          fail("buffer " + std::to_string(id) + " has a missing shard");
      break;
    case BufferKind::view:
      // Views point backwards, so following them always ends.
      if (b.index >= id || m.buffers[b.index].bytes != b.bytes ||
          m.buffers[b.index].memory != b.memory)
        fail("buffer " + std::to_string(id) + " is a bad view");
      break;
    case BufferKind::transient: {
      if (b.index >= m.arenas.size())
        fail("buffer " + std::to_string(id) + " is in a missing arena");
      const ArenaSpec &arena = m.arenas[b.index];
      if (b.offset % arena.alignment != 0 || b.offset > arena.bytes ||
          b.bytes > arena.bytes - b.offset || arena.memory != b.memory)
        fail("buffer " + std::to_string(id) + " at offset " +
             std::to_string(b.offset) + " does not lie aligned within the " +
             std::to_string(arena.bytes) + "-byte arena of '" +
             m.memories[arena.memory] + "'");
      break;
    }
    }
  }
  for (const ConstantSpec &c : m.constants)
    if (c.offset > constantsSize || c.bytes > constantsSize - c.offset)
      fail("a constant lies outside the constants section");
  for (const KernelSpec &k : m.kernels) {
    if (k.library >= m.libraries.size() || k.launch.workgroups() == 0 ||
        uint64_t(k.launch.workgroup[0]) * k.launch.workgroup[1] *
                k.launch.workgroup[2] ==
            0)
      fail("kernel '" + k.symbol + "' has no library or an empty launch");
  }
  for (const StepSpec &s : m.steps) {
    if (s.kind == StepKind::dispatch && s.kernel >= m.kernels.size())
      fail("a step dispatches a missing kernel");
    for (uint32_t binding : s.bindings)
      checkBuffer(binding, "a step");
    auto memoryOf = [&](size_t i) { return m.buffers[s.bindings[i]].memory; };
    if (s.kind == StepKind::copy || s.kind == StepKind::transfer) {
      const char *what = s.kind == StepKind::copy ? "a copy" : "a transfer";
      if (s.bindings.size() != 2 ||
          m.buffers[s.bindings[0]].bytes != m.buffers[s.bindings[1]].bytes)
        fail(std::string(what) + " step does not copy between two equal "
                                 "buffers");
      if ((memoryOf(0) == memoryOf(1)) != (s.kind == StepKind::copy))
        fail(std::string(what) +
             (s.kind == StepKind::copy
                  ? " step copies between memories (that is a transfer)"
                  : " step does not move bytes between memories"));
    }
    if (s.kind == StepKind::dispatch) {
      // A kernel binds buffers of one memory: its device's, or the host's
      // for a device that works on host memory.
      const std::string &target =
          m.libraries[m.kernels[s.kernel].library].target;
      for (size_t i = 0; i < s.bindings.size(); ++i)
        if (memoryOf(i) != memoryOf(0) ||
            (m.memories[memoryOf(i)] != kHostMemory &&
             m.memories[memoryOf(i)] != target))
          fail("a dispatch of '" + m.kernels[s.kernel].symbol +
               "' binds buffers in memory '" + m.memories[memoryOf(i)] +
               "', which its target '" + target + "' cannot read");
    }
    if (isCollective(s.kind)) {
      validateCollective(m, s, fail, checkAxes);
      if (memoryOf(0) != memoryOf(1))
        fail("a collective step reads memory '" + m.memories[memoryOf(0)] +
             "' and writes memory '" + m.memories[memoryOf(1)] +
             "'; it works in one");
    }
  }
}

void putU32(std::string &out, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
void putU64(std::string &out, size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    out[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
uint64_t getU64(std::string_view in, size_t at) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v |= uint64_t(static_cast<uint8_t>(in[at + i])) << (8 * i);
  return v;
}
uint32_t getU32(std::string_view in, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= uint32_t(static_cast<uint8_t>(in[at + i])) << (8 * i);
  return v;
}

size_t alignUp(size_t value) {
  return (value + kArtifactAlignment - 1) / kArtifactAlignment *
         kArtifactAlignment;
}

// Header field offsets.
constexpr size_t kVersionAt = 8, kSectionCountAt = 12, kFileSizeAt = 16,
                 kChecksumAt = 24, kTableAt = 32;
constexpr size_t kTableEntrySize = 24; // kind u32, pad u32, offset, size

} // namespace

const char *stepKindName(StepKind kind) {
  switch (kind) {
  case StepKind::dispatch:
    return "dispatch";
  case StepKind::copy:
    return "copy";
  case StepKind::allReduce:
    return "all_reduce";
  case StepKind::allGather:
    return "all_gather";
  case StepKind::reduceScatter:
    return "reduce_scatter";
  case StepKind::allToAll:
    return "all_to_all";
  case StepKind::allSlice:
    return "all_slice";
  case StepKind::transfer:
    return "transfer";
  }
  return "?";
}

int64_t meshSize(const std::vector<int64_t> &mesh) {
  int64_t size = 1;
  for (int64_t devices : mesh)
    size *= devices;
  return size;
}

std::string describeMesh(const Manifest &manifest) {
  std::string text;
  for (size_t axis = 0; axis < manifest.mesh.size(); ++axis)
    text += (axis ? ", " : "") +
            (axis < manifest.meshAxes.size() ? manifest.meshAxes[axis]
                                             : std::to_string(axis)) +
            "=" + std::to_string(manifest.mesh[axis]);
  return text;
}

std::vector<int64_t> meshCoordinates(const std::vector<int64_t> &mesh,
                                     int64_t rank) {
  std::vector<int64_t> coordinates(mesh.size());
  for (size_t axis = mesh.size(); axis-- > 0;) {
    coordinates[axis] = rank % mesh[axis];
    rank /= mesh[axis];
  }
  return coordinates;
}

std::vector<int64_t> blockShape(const std::vector<int64_t> &shape,
                                const SplitAxes &split,
                                const std::vector<int64_t> &mesh) {
  std::vector<int64_t> block = shape;
  for (size_t dim = 0; dim < split.size() && dim < block.size(); ++dim)
    for (uint16_t axis : split[dim])
      if (axis < mesh.size())
        block[dim] /= mesh[axis];
  return block;
}

std::vector<int64_t> blockIndex(const SplitAxes &split,
                                const std::vector<int64_t> &mesh,
                                int64_t rank) {
  std::vector<int64_t> coordinates = meshCoordinates(mesh, rank);
  std::vector<int64_t> index(split.size(), 0);
  for (size_t dim = 0; dim < split.size(); ++dim)
    for (uint16_t axis : split[dim])
      if (axis < mesh.size())
        index[dim] = index[dim] * mesh[axis] + coordinates[axis];
  return index;
}

uint64_t artifactChecksum(std::string_view bytes) {
  // A word-at-a-time multiply-rotate hash: fast enough for weights of
  // hundreds of megabytes, and any flipped or truncated byte changes it.
  constexpr uint64_t kPrime1 = 0x9E3779B185EBCA87ULL;
  constexpr uint64_t kPrime2 = 0xC2B2AE3D27D4EB4FULL;
  uint64_t hash = kPrime2 ^ bytes.size();
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, bytes.data() + i, 8);
    hash ^= word * kPrime2;
    hash = ((hash << 31) | (hash >> 33)) * kPrime1;
  }
  for (; i < bytes.size(); ++i) {
    hash ^= static_cast<uint8_t>(bytes[i]) * kPrime1;
    hash = ((hash << 11) | (hash >> 53)) * kPrime2;
  }
  hash ^= hash >> 33;
  hash *= kPrime2;
  hash ^= hash >> 29;
  return hash;
}

std::string encodeArtifact(ArtifactContents contents) {
  Manifest &manifest = contents.manifest;
  // Constants are packed, each aligned, into one section.
  std::string constants;
  for (size_t i = 0; i < contents.constants.size(); ++i) {
    constants.resize(alignUp(constants.size()), '\0');
    manifest.constants[i] = {constants.size(), contents.constants[i].size()};
    constants += contents.constants[i];
  }
  // Sections: manifest, one per kernel library, constants.
  for (size_t i = 0; i < manifest.libraries.size(); ++i)
    manifest.libraries[i].section = static_cast<uint32_t>(1 + i);
  std::vector<std::pair<SectionKind, std::string>> sections;
  sections.push_back({SectionKind::manifest, encodeManifest(manifest)});
  for (std::string &library : contents.libraries)
    sections.push_back({SectionKind::kernels, std::move(library)});
  sections.push_back({SectionKind::constants, std::move(constants)});

  std::string out(kArtifactHeaderSize, '\0');
  std::memcpy(out.data(), kArtifactMagic, sizeof(kArtifactMagic));
  putU32(out, kVersionAt, kArtifactVersion);
  putU32(out, kSectionCountAt, static_cast<uint32_t>(sections.size()));
  size_t table = out.size();
  putU64(out, kTableAt, table);
  out.resize(table + sections.size() * kTableEntrySize, '\0');
  for (size_t i = 0; i < sections.size(); ++i) {
    out.resize(alignUp(out.size()), '\0');
    size_t entry = table + i * kTableEntrySize;
    putU32(out, entry, static_cast<uint32_t>(sections[i].first));
    putU64(out, entry + 8, out.size());
    putU64(out, entry + 16, sections[i].second.size());
    out += sections[i].second;
  }
  putU64(out, kFileSizeAt, out.size());
  putU64(out, kChecksumAt,
         artifactChecksum(std::string_view(out).substr(kArtifactHeaderSize)));
  return out;
}

ArtifactView decodeArtifact(std::string_view bytes, const std::string &name) {
  auto fail = [&](const std::string &what) -> Error {
    return Error("'" + name + "' " + what);
  };
  if (bytes.size() < kArtifactHeaderSize ||
      std::memcmp(bytes.data(), kArtifactMagic, sizeof(kArtifactMagic)) != 0)
    throw fail("is not a Kiln artifact (no KILNART magic)");
  uint32_t version = getU32(bytes, kVersionAt);
  if (version != kArtifactVersion)
    throw fail("has artifact format version " + std::to_string(version) +
               (version < kArtifactVersion ? ", from an older Kiln"
                                           : ", from a newer Kiln") +
               "; this runtime reads version " +
               std::to_string(kArtifactVersion) + " (recompile the model)");
  uint64_t fileSize = getU64(bytes, kFileSizeAt);
  if (fileSize != bytes.size())
    throw fail("is truncated or padded: its header says " +
               std::to_string(fileSize) + " bytes, the file has " +
               std::to_string(bytes.size()));
  if (getU64(bytes, kChecksumAt) !=
      artifactChecksum(bytes.substr(kArtifactHeaderSize)))
    throw fail("is corrupted: its checksum does not match its contents");

  uint32_t sectionCount = getU32(bytes, kSectionCountAt);
  uint64_t table = getU64(bytes, kTableAt);
  if (table > bytes.size() ||
      sectionCount > (bytes.size() - table) / kTableEntrySize)
    throw fail("has a section table outside the file");
  std::vector<std::pair<SectionKind, std::string_view>> sections;
  for (uint32_t i = 0; i < sectionCount; ++i) {
    size_t entry = table + i * kTableEntrySize;
    uint64_t offset = getU64(bytes, entry + 8),
             size = getU64(bytes, entry + 16);
    if (offset > bytes.size() || size > bytes.size() - offset)
      throw fail("has section " + std::to_string(i) + " outside the file");
    sections.push_back({static_cast<SectionKind>(getU32(bytes, entry)),
                        bytes.substr(offset, size)});
  }
  if (sections.empty() || sections.front().first != SectionKind::manifest)
    throw fail("has no manifest section");

  ArtifactView view;
  view.manifest = decodeManifest(sections.front().second, name);
  for (const auto &[kind, data] : sections)
    if (kind == SectionKind::constants)
      view.constants = data;
  for (const KernelLibrarySpec &library : view.manifest.libraries) {
    if (library.section >= sections.size() ||
        sections[library.section].first != SectionKind::kernels)
      throw fail("names a missing kernel library for " + library.target);
    view.libraries.push_back(sections[library.section].second);
  }
  validate(view.manifest, view.constants.size(), name);
  return view;
}

} // namespace kiln::rt

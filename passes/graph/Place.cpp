//===- Place.cpp - graph-place --------------------------------------------===//
//
// Chooses the target each compute op runs on when a compile names several
// (kiln-compile --targets cuda,cpu), minimizing the estimated time of one
// run: each op's time on each target, from the backend's cost figures
// (launch + the larger of its arithmetic and its bytes over the target's
// rates), plus every transfer the choice implies. A value crosses once per
// memory that reads it (the schedule reuses a transferred copy), the
// model's inputs start and its outputs end in host memory, and weights cost
// nothing at run time (uploaded once to each memory that reads them).
//
// The search is exact for two memories: a labelling is improved by swap
// moves, each a minimum s-t cut over the ops on two targets (the others
// fixed), and a value's transfer cost is a hyperedge (paid once whatever
// the number of readers across), which a cut represents exactly with one
// auxiliary node per direction (Kolmogorov and Zabih's construction for
// "any reader across"). With a host-memory target and one device, one swap
// finds the optimum; with more targets the swaps iterate to a local one.
// It starts from the best single target, so a placement is never estimated
// slower than running everything on one target.
//
// With one target, it only checks that the target can run every op.
// A sharded model (graph-partition ran first) is placed the same way,
// rank by rank: its collectives work in the memory their operand is in.
// An op a target cannot run (Backend::cannotRun) never goes there; an op
// the user places (`placements`: NAME=TARGET, NAME a prefix of its location
// name: a torch module path, an ONNX node name) goes where they said.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/GraphCost.h"
#include "dialects/graph/GraphOps.h"
#include "kiln/Backend.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallSet.h"
#include "llvm/ADT/StringSwitch.h"

#include <limits>
#include <queue>

namespace kiln {
#define GEN_PASS_DEF_GRAPHPLACE
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

/// A minimum s-t cut (Dinic's maximum flow) on a small graph.
class MinCut {
public:
  explicit MinCut(int nodes) : edges(nodes) {}
  int addNode() {
    edges.emplace_back();
    return edges.size() - 1;
  }
  void addEdge(int from, int to, double capacity) {
    if (capacity <= 0 || from == to)
      return;
    edges[from].push_back({to, capacity, (int)edges[to].size()});
    edges[to].push_back({from, 0, (int)edges[from].size() - 1});
  }
  /// The nodes on the source's side of a minimum cut.
  std::vector<bool> sourceSide(int source, int sink) {
    while (levelGraph(source, sink)) {
      next.assign(edges.size(), 0);
      while (push(source, sink, kInfinity) > 0) {
      }
    }
    std::vector<bool> reached(edges.size(), false);
    std::vector<int> stack = {source};
    reached[source] = true;
    while (!stack.empty()) {
      int node = stack.back();
      stack.pop_back();
      for (const Edge &edge : edges[node])
        if (edge.capacity > kEpsilon && !reached[edge.to]) {
          reached[edge.to] = true;
          stack.push_back(edge.to);
        }
    }
    return reached;
  }

private:
  static constexpr double kEpsilon = 1e-12;
  struct Edge {
    int to;
    double capacity;
    int reverse;
  };
  std::vector<std::vector<Edge>> edges;
  std::vector<int> level, next;

  bool levelGraph(int source, int sink) {
    level.assign(edges.size(), -1);
    std::queue<int> queue;
    level[source] = 0;
    queue.push(source);
    while (!queue.empty()) {
      int node = queue.front();
      queue.pop();
      for (const Edge &edge : edges[node])
        if (edge.capacity > kEpsilon && level[edge.to] < 0) {
          level[edge.to] = level[node] + 1;
          queue.push(edge.to);
        }
    }
    return level[sink] >= 0;
  }
  double push(int node, int sink, double flow) {
    if (node == sink)
      return flow;
    for (int &i = next[node]; i < (int)edges[node].size(); ++i) {
      Edge &edge = edges[node][i];
      if (edge.capacity <= kEpsilon || level[edge.to] != level[node] + 1)
        continue;
      double pushed = push(edge.to, sink, std::min(flow, edge.capacity));
      if (pushed > 0) {
        edge.capacity -= pushed;
        edges[edge.to][edge.reverse].capacity += pushed;
        return pushed;
      }
    }
    return 0;
  }
};

struct Target {
  std::string name;
  const Backend *backend;
  CostFigures figures;
  /// Index into the memories: 0 is the host's.
  int memory;
};

/// A value the placement may move between memories: produced by an op (or
/// on the host: a model input), read by ops and perhaps the host (returned,
/// or read by a collective).
struct Flow {
  /// The producing op's node, or -1 for the host.
  int producer;
  llvm::SmallVector<int> readers;
  bool hostReads = false;
  double bytes;
};

/// Whether `name` (a location's) is `prefix` or inside it: the prefix ends
/// where a component of the name does ('.', ':' or '/'); a leading '/' of
/// either (ONNX node names) does not count.
bool namedBy(StringRef name, StringRef prefix) {
  name.consume_front("/");
  prefix.consume_front("/");
  if (prefix.empty() || !name.starts_with(prefix))
    return false;
  return name.size() == prefix.size() ||
         StringRef(".:/").contains(name[prefix.size()]);
}

double staticBytes(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  return shaped && shaped.hasStaticShape() ? graph::byteSize(shaped) : 0;
}

struct GraphPlace : kiln::impl::GraphPlaceBase<GraphPlace> {
  using GraphPlaceBase::GraphPlaceBase;

  std::vector<Target> targets;
  /// Per memory, the figures of its link to the host.
  std::vector<CostFigures> memoryFigures;
  std::vector<Operation *> nodes;
  /// nodes x targets, microseconds; infinite where the op cannot go.
  std::vector<std::vector<double>> cost;
  std::vector<Flow> flows;
  /// Per node: the node whose kernel it joins on the same target (an
  /// elementwise op's producer), paying its own launch only on another;
  /// -1 for none.
  std::vector<int> partners;

  /// Per placement entry: whether an op of any function matched it.
  std::vector<bool> matched;
  /// Location names of the module's ops, for the error of an entry that
  /// matched none.
  SmallVector<std::string> examples;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (targetNames.empty())
      return; // The compile's one target runs everything.
    targets.clear();
    memoryFigures.clear();
    if (failed(readTargets(module)))
      return signalPassFailure();
    matched.assign(placements.size(), false);
    examples.clear();
    for (auto function : module.getOps<func::FuncOp>())
      if (!function.isExternal() && failed(placeFunction(function)))
        return signalPassFailure();
    // A placement naming no op of any function: the user meant another.
    for (auto [entry, found] : llvm::zip(placements, matched)) {
      if (found)
        continue;
      std::string seen;
      for (const std::string &example : examples)
        seen += (seen.empty() ? "'" : ", '") + example + "'";
      InFlightDiagnostic diag = module.emitError("placement '")
                                << entry << "': no op is named '"
                                << StringRef(entry).rsplit('=').first
                                << "' or inside it";
      if (seen.empty())
        diag << " (the model's ops have no names)";
      else
        diag << " (op names look like " << seen << ")";
      return signalPassFailure();
    }
  }

  /// Places one function's ops; each function from a clean slate.
  LogicalResult placeFunction(func::FuncOp function) {
    nodes.clear();
    cost.clear();
    flows.clear();
    partners.clear();
    if (failed(checkEveryOpRuns(function)))
      return failure();
    if (targets.size() == 1)
      return success(); // Nothing to choose: every op runs there.
    buildGraph(function);
    if (failed(applyPlacements(function)))
      return failure();
    std::vector<int> labels = search();
    MLIRContext *context = &getContext();
    for (auto [node, op] : llvm::enumerate(nodes))
      op->setAttr(graph::kDeviceAttr,
                  StringAttr::get(context, targets[labels[node]].name));
    return success();
  }

  /// Fails, naming each op no target can run and why, when there is one.
  LogicalResult checkEveryOpRuns(func::FuncOp function) {
    bool runs = true;
    for (Operation &op : function.getBody().getOps()) {
      if (!graph::isKernelOp(&op))
        continue;
      SmallVector<std::string> reasons;
      for (const Target &target : targets)
        if (std::string why = target.backend->cannotRun(&op); !why.empty())
          reasons.push_back(why);
      if (reasons.size() < targets.size())
        continue;
      runs = false;
      if (targets.size() == 1) {
        op.emitError("cannot run on target '")
            << targets.front().name << "': " << reasons.front();
        continue;
      }
      InFlightDiagnostic diag = op.emitError("cannot run on any target:");
      for (auto [target, why] : llvm::zip(targets, reasons))
        diag << " " << target.name << ": " << why << ";";
    }
    return success(runs);
  }

  LogicalResult readTargets(ModuleOp module) {
    BackendOptions all;
    std::string error;
    if (failed(parseBackendOptions(targetOptions, all, error)))
      return module.emitError(error);
    std::vector<std::string> memories = {"host"};
    memoryFigures.assign(1, CostFigures());
    for (const std::string &name : targetNames) {
      const Backend *backend = lookupBackend(name);
      if (!backend)
        return module.emitError(unknownTarget(name));
      if (llvm::any_of(targets,
                       [&](const Target &t) { return t.name == name; }))
        return module.emitError("target '") << name << "' is named twice";
      Target &target = targets.emplace_back();
      target.name = name;
      target.backend = backend;
      target.figures =
          backend->costFigures(optionsOfTarget(all, name, targetNames.front()));
      std::string memory = backend->usesHostMemory() ? "host" : name;
      auto it = llvm::find(memories, memory);
      target.memory = it - memories.begin();
      if (it == memories.end()) {
        memories.push_back(memory);
        memoryFigures.push_back(target.figures);
      }
    }
    // The user's corrections of the figures: TARGET.FIGURE=VALUE.
    for (const std::string &entry : costs) {
      auto [key, text] = StringRef(entry).split('=');
      StringRef name = key.split('.').first, figure = key.split('.').second;
      double value;
      auto target = llvm::find_if(
          targets, [&](const Target &t) { return t.name == name; });
      if (target == targets.end() || figure.empty() ||
          text.trim().getAsDouble(value) || value <= 0)
        return module.emitError("bad placement cost '")
               << entry
               << "': expected TARGET.FIGURE=VALUE for one of the targets, "
                  "FIGURE one of gflops, memory-gbps, launch-us, "
                  "transfer-gbps, transfer-us, VALUE positive";
      CostFigures &figures = target->figures;
      double *field = llvm::StringSwitch<double *>(figure)
                          .Case("gflops", &figures.gflops)
                          .Case("memory-gbps", &figures.memoryGBps)
                          .Case("launch-us", &figures.launchMicros)
                          .Case("transfer-gbps", &figures.transferGBps)
                          .Case("transfer-us", &figures.transferMicros)
                          .Default(nullptr);
      if (!field)
        return module.emitError("unknown placement cost figure '")
               << figure
               << "' (gflops, memory-gbps, launch-us, transfer-gbps, "
                  "transfer-us)";
      *field = value;
      if (target->memory != 0)
        memoryFigures[target->memory] = figures;
    }
    return success();
  }

  /// The ops, their cost on each target, and the values between them.
  void buildGraph(func::FuncOp function) {
    DenseMap<Operation *, int> nodeOf;
    for (Operation &op : function.getBody().getOps())
      if (graph::isKernelOp(&op)) {
        nodeOf[&op] = nodes.size();
        nodes.push_back(&op);
      }
    for (Operation *op : nodes) {
      double flops = graph::estimateFlops(op), bytes = 0;
      for (Type type : op->getOperandTypes())
        bytes += staticBytes(type);
      for (Type type : op->getResultTypes())
        bytes += staticBytes(type);
      // An elementwise op joins the kernel of an op it reads on its
      // target (fusion: an epilogue, a chain): it launches nothing of its
      // own there, only elsewhere.
      int partner = -1;
      if (graph::loopKind(op) == graph::LoopKind::Elementwise)
        for (Value operand : op->getOperands())
          if (auto producer = nodeOf.find(operand.getDefiningOp());
              producer != nodeOf.end()) {
            partner = producer->second;
            break;
          }
      partners.push_back(partner);
      std::vector<double> &row = cost.emplace_back();
      for (const Target &target : targets) {
        const CostFigures &figures = target.figures;
        row.push_back(target.backend->cannotRun(op).empty()
                          ? figures.kernelMicros(flops, bytes, partner < 0)
                          : kInfinity);
      }
    }
    // Readers of a value, through the reshapes (views) between.
    auto addReaders = [&](Value value, Flow &flow) {
      SmallVector<Value> pending = {value};
      while (!pending.empty()) {
        Value next = pending.pop_back_val();
        for (Operation *user : next.getUsers()) {
          if (auto reader = nodeOf.find(user); reader != nodeOf.end()) {
            if (!llvm::is_contained(flow.readers, reader->second))
              flow.readers.push_back(reader->second);
          } else if (isa<graph::ReshapeOp>(user)) {
            pending.push_back(user->getResult(0));
          } else {
            flow.hostReads = true; // Returned, or a collective's.
          }
        }
      }
    };
    for (BlockArgument input : function.getArguments()) {
      Flow flow{-1, {}, false, staticBytes(input.getType())};
      addReaders(input, flow);
      flows.push_back(flow);
    }
    for (auto [node, op] : llvm::enumerate(nodes))
      for (Value result : op->getResults()) {
        Flow flow{(int)node, {}, false, staticBytes(result.getType())};
        addReaders(result, flow);
        flows.push_back(flow);
      }
  }

  /// The user's placements: each names ops by a prefix of their location
  /// names and a target; the other targets become impossible for them.
  /// Which entries matched is kept for the module (`matched`).
  LogicalResult applyPlacements(func::FuncOp function) {
    for (auto [index, entry] : llvm::enumerate(placements)) {
      StringRef name = StringRef(entry).rsplit('=').first,
                device = StringRef(entry).rsplit('=').second;
      if (name.empty() || device.empty() || !StringRef(entry).contains('='))
        return function.emitError("bad placement '")
               << entry << "': expected NAME=TARGET (e.g. layer4=cpu)";
      auto target = llvm::find_if(
          targets, [&](const Target &t) { return t.name == device; });
      if (target == targets.end()) {
        std::string known;
        for (const Target &t : targets)
          known += (known.empty() ? "" : ", ") + t.name;
        return function.emitError("placement '")
               << entry << "' names target '" << device
               << "', which this compile does not target (targets: " << known
               << ")";
      }
      unsigned chosen = target - targets.begin();
      for (auto [node, op] : llvm::enumerate(nodes)) {
        SmallVector<std::string> names = graph::locationNames(op->getLoc());
        for (const std::string &n : names)
          if (examples.size() < 4 && !llvm::is_contained(examples, n))
            examples.push_back(n);
        if (llvm::none_of(
                names, [&](const std::string &n) { return namedBy(n, name); }))
          continue;
        matched[index] = true;
        std::string why = target->backend->cannotRun(op);
        if (!why.empty())
          return op->emitError("is placed on ")
                 << device << " by '" << entry
                 << "', which cannot run it: " << why;
        for (unsigned t = 0; t < targets.size(); ++t)
          if (t != chosen)
            cost[node][t] = kInfinity;
      }
    }
    return success();
  }

  /// Microseconds to move `bytes` from one memory to another (through the
  /// host between two devices).
  double transfer(double bytes, int from, int to) const {
    if (from == to)
      return 0;
    double micros = 0;
    for (int memory : {from, to})
      if (memory != 0)
        micros += memoryFigures[memory].linkMicros(bytes);
    return micros;
  }

  double total(const std::vector<int> &labels) const {
    double sum = 0;
    for (auto [node, label] : llvm::enumerate(labels)) {
      sum += cost[node][label];
      int partner = partners[node];
      if (partner >= 0 && labels[partner] != label)
        sum += targets[label].figures.launchMicros;
    }
    for (const Flow &flow : flows) {
      int from = flow.producer < 0 ? 0 : targets[labels[flow.producer]].memory;
      llvm::SmallSet<int, 4> memories;
      if (flow.hostReads)
        memories.insert(0);
      for (int reader : flow.readers)
        memories.insert(targets[labels[reader]].memory);
      for (int memory : memories)
        sum += transfer(flow.bytes, from, memory);
    }
    return sum;
  }

  std::vector<int> search() {
    // The best single target (an op it cannot run on its cheapest other).
    std::vector<int> best;
    double bestCost = kInfinity;
    for (unsigned t = 0; t < targets.size(); ++t) {
      std::vector<int> labels;
      for (const std::vector<double> &row : cost)
        labels.push_back(row[t] < kInfinity
                             ? t
                             : std::min_element(row.begin(), row.end()) -
                                   row.begin());
      double estimate = total(labels);
      if (estimate < bestCost) {
        best = labels;
        bestCost = estimate;
      }
    }
    for (int sweep = 0; sweep < 16; ++sweep) {
      bool improved = false;
      for (unsigned a = 0; a < targets.size(); ++a)
        for (unsigned b = a + 1; b < targets.size(); ++b) {
          std::vector<int> labels = swap(best, a, b);
          double estimate = total(labels);
          if (estimate < bestCost - 1e-9) {
            best = labels;
            bestCost = estimate;
            improved = true;
          }
        }
      if (!improved)
        break;
    }
    return best;
  }

  /// The best relabelling of the ops on targets a and b between those two,
  /// the others fixed: a minimum cut, the source's side a.
  std::vector<int> swap(const std::vector<int> &labels, int a, int b) {
    int memA = targets[a].memory, memB = targets[b].memory;
    MinCut graph(nodes.size() + 2);
    int source = nodes.size(), sink = nodes.size() + 1;
    auto variable = [&](int node) {
      return node >= 0 && (labels[node] == a || labels[node] == b) &&
             cost[node][a] < kInfinity && cost[node][b] < kInfinity;
    };
    // Unary terms: the cost of a node on side a is cut by node -> sink, on
    // side b by source -> node. Large finite stand-ins for infinity keep
    // the flow arithmetic exact.
    std::vector<double> onA(nodes.size(), 0), onB(nodes.size(), 0);
    for (unsigned node = 0; node < nodes.size(); ++node)
      if (variable(node)) {
        onA[node] = cost[node][a];
        onB[node] = cost[node][b];
      }
    auto memoryOf = [&](int node) {
      return node < 0 ? 0 : targets[labels[node]].memory;
    };
    for (const Flow &flow : flows) {
      // Readers: the memories of fixed ones, and the variable ones.
      llvm::SmallSet<int, 4> fixed;
      SmallVector<int> moving;
      if (flow.hostReads)
        fixed.insert(0);
      for (int reader : flow.readers)
        if (variable(reader))
          moving.push_back(reader);
        else
          fixed.insert(memoryOf(reader));
      bool fixedOnA = fixed.contains(memA), fixedOnB = fixed.contains(memB);
      // Paid whatever the cut: fixed readers in other memories, from a
      // fixed producer.
      if (!variable(flow.producer)) {
        int from = memoryOf(flow.producer);
        // Any reader on a / on b pays from -> a / from -> b once.
        double toA = transfer(flow.bytes, from, memA);
        double toB = transfer(flow.bytes, from, memB);
        if (!moving.empty() && toA > 0 && !fixedOnA) {
          // Cost if any moving reader is on a: y, reader -> y infinite,
          // y -> sink toA.
          int y = graph.addNode();
          for (int reader : moving)
            graph.addEdge(reader, y, kInfinity);
          graph.addEdge(y, sink, toA);
        }
        if (!moving.empty() && toB > 0 && !fixedOnB) {
          int z = graph.addNode();
          graph.addEdge(source, z, toB);
          for (int reader : moving)
            graph.addEdge(z, reader, kInfinity);
        }
        continue;
      }
      int producer = flow.producer;
      // Fixed readers in a third memory: unary on the producer.
      for (int memory : fixed)
        if (memory != memA && memory != memB) {
          onA[producer] += transfer(flow.bytes, memA, memory);
          onB[producer] += transfer(flow.bytes, memB, memory);
        }
      double aToB = transfer(flow.bytes, memA, memB);
      double bToA = transfer(flow.bytes, memB, memA);
      // Producer on a, a reader on b.
      if (fixedOnB) {
        onA[producer] += aToB;
      } else if (!moving.empty() && aToB > 0) {
        int z = graph.addNode();
        graph.addEdge(producer, z, aToB);
        for (int reader : moving)
          graph.addEdge(z, reader, kInfinity);
      }
      // Producer on b, a reader on a.
      if (fixedOnA) {
        onB[producer] += bToA;
      } else if (!moving.empty() && bToA > 0) {
        int y = graph.addNode();
        for (int reader : moving)
          graph.addEdge(reader, y, kInfinity);
        graph.addEdge(y, producer, bToA);
      }
    }
    // A launch paid apart from the partner: on a when the partner is not
    // (node -> partner cut when the node is on a's side, the partner not),
    // on b likewise.
    double launchA = targets[a].figures.launchMicros;
    double launchB = targets[b].figures.launchMicros;
    for (unsigned node = 0; node < nodes.size(); ++node) {
      int partner = partners[node];
      if (partner < 0)
        continue;
      bool nodeMoves = variable(node), partnerMoves = variable(partner);
      if (nodeMoves && partnerMoves) {
        graph.addEdge(node, partner, launchA);
        graph.addEdge(partner, node, launchB);
      } else if (nodeMoves) {
        // The partner stays: apart on whichever side it is not.
        if (labels[partner] != a)
          onA[node] += launchA;
        if (labels[partner] != b)
          onB[node] += launchB;
      } else if (partnerMoves) {
        int label = labels[node];
        if (label == a)
          onB[partner] += launchA;
        else if (label == b)
          onA[partner] += launchB;
      }
    }
    for (unsigned node = 0; node < nodes.size(); ++node)
      if (variable(node)) {
        graph.addEdge(node, sink, onA[node]);
        graph.addEdge(source, node, onB[node]);
      }
    std::vector<bool> sideA = graph.sourceSide(source, sink);
    std::vector<int> result = labels;
    for (unsigned node = 0; node < nodes.size(); ++node)
      if (variable(node))
        result[node] = sideA[node] ? a : b;
    return result;
  }
};

} // namespace

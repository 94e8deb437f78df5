//===- MemoryPlot.cpp - a picture of the memory plan ----------------------===//
//
// Plain SVG written by hand (no script, no external style), so the file
// opens in any browser and diffs as text.
//
//===----------------------------------------------------------------------===//

#include "lib/MemoryPlot.h"

#include "dialects/exec/ExecMemory.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <memory>
#include <vector>

using namespace mlir;

namespace kiln {
namespace {

std::string escape(llvm::StringRef text) {
  std::string out;
  for (char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

std::string mebibytes(int64_t bytes) {
  return llvm::formatv("{0:f2} MiB", bytes / (1024.0 * 1024.0)).str();
}

/// One arena's panel, `top` pixels down the drawing.
struct Panel {
  exec::ArenaPlan arena;
  const exec::ScheduleLifetimes *lifetimes;
};

constexpr double kWidth = 960, kPlotHeight = 420, kLeft = 90, kRight = 20,
                 kTitle = 46, kBottom = 50;
constexpr double kPanelHeight = kTitle + kPlotHeight + kBottom;

void drawPanel(llvm::raw_ostream &os, const Panel &panel, double top) {
  const exec::ScheduleLifetimes &lifetimes = *panel.lifetimes;
  SmallVector<int64_t> live = lifetimes.liveBytes(panel.arena.name);
  int64_t steps = std::max<int64_t>(1, live.size());
  int64_t peak = live.empty() ? 0 : llvm::max_element(live) - live.begin();
  double height =
      std::max<int64_t>({1, panel.arena.bytes, panel.arena.lowerBound});
  double plotWidth = kWidth - kLeft - kRight, column = plotWidth / steps;
  double y0 = top + kTitle + kPlotHeight; // offset 0
  auto xAt = [&](double step) { return kLeft + step * column; };
  auto yAt = [&](double bytes) { return y0 - bytes / height * kPlotHeight; };

  os << llvm::formatv(
      "<text x='{0}' y='{1}' class='title'>{2} arena: {3} for {4} buffers "
      "over {5} steps (lower bound {6}, naive {7})</text>\n",
      kLeft, top + 20, escape(panel.arena.name), mebibytes(panel.arena.bytes),
      llvm::count_if(lifetimes.buffers,
                     [&](const exec::BufferLifetime &buffer) {
                       return buffer.arena == panel.arena.name;
                     }),
      live.size(), mebibytes(panel.arena.lowerBound),
      mebibytes(panel.arena.naive));
  os << llvm::formatv("<rect x='{0}' y='{1}' width='{2}' height='{3}' "
                      "class='frame'/>\n",
                      kLeft, yAt(height), plotWidth, kPlotHeight);

  // Buffers, each over its lifetime and bytes; a hue per buffer.
  unsigned index = 0;
  for (const exec::BufferLifetime &buffer : lifetimes.buffers) {
    if (buffer.arena != panel.arena.name || buffer.first < 0)
      continue;
    exec::AllocOp alloc = buffer.alloc;
    int64_t offset = alloc.getOffset() ? *alloc.getOffset() : 0;
    double hue = std::fmod(index++ * 137.508, 360.0);
    os << llvm::formatv(
        "<rect x='{0:f1}' y='{1:f1}' width='{2:f1}' height='{3:f1}' "
        "fill='hsl({4:f0},65%,62%)' class='buffer'><title>{5}, {6} at offset "
        "{7}, live at steps {8}-{9}, written by {10}</title></rect>\n",
        xAt(buffer.first), yAt(offset + buffer.bytes),
        (buffer.last - buffer.first + 1) * column,
        std::max(0.5, buffer.bytes / height * kPlotHeight), hue,
        escape(exec::describeBuffer(alloc.getType())),
        escape(exec::formatBytes(buffer.bytes)), offset, buffer.first,
        buffer.last, escape(exec::describeStep(buffer.producer)));
  }

  // Bytes live at each step: the lower bound is this line's maximum.
  os << "<polyline class='live' points='";
  for (auto [step, bytes] : llvm::enumerate(live))
    os << llvm::formatv("{0:f1},{1:f1} {2:f1},{1:f1} ", xAt(step), yAt(bytes),
                        xAt(step + 1));
  os << "'/>\n";
  os << llvm::formatv(
      "<line x1='{0}' x2='{1}' y1='{2:f1}' y2='{2:f1}' "
      "class='bound'/><text x='{1}' y='{3:f1}' "
      "class='label' text-anchor='end'>lower bound {4}</text>\n",
      kLeft, kLeft + plotWidth, yAt(panel.arena.lowerBound),
      yAt(panel.arena.lowerBound) - 4, mebibytes(panel.arena.lowerBound));
  if (!live.empty()) {
    double x = xAt(peak + 0.5);
    os << llvm::formatv(
        "<line x1='{0:f1}' x2='{0:f1}' y1='{1:f1}' y2='{2:f1}' class='peak'/>"
        "<text x='{0:f1}' y='{3:f1}' class='peaklabel' text-anchor='{4}'>"
        "peak {5} at step {6}: {7}</text>\n",
        x, yAt(height), y0, yAt(height) - 6, peak < steps / 2 ? "start" : "end",
        mebibytes(live[peak]), peak,
        escape(exec::describeStep(lifetimes.steps[peak])));
  }

  // Axes: offsets in MiB at fifths, steps at about ten ticks.
  for (int tick = 0; tick <= 5; ++tick) {
    double bytes = height * tick / 5;
    os << llvm::formatv("<text x='{0}' y='{1:f1}' class='label' "
                        "text-anchor='end'>{2}</text>\n",
                        kLeft - 6, yAt(bytes) + 4, mebibytes(bytes));
  }
  int64_t every = std::max<int64_t>(1, steps / 10);
  for (int64_t step = 0; step < steps; step += every)
    os << llvm::formatv("<text x='{0:f1}' y='{1:f1}' class='label' "
                        "text-anchor='middle'>{2}</text>\n",
                        xAt(step + 0.5), y0 + 16, step);
  os << llvm::formatv("<text x='{0:f1}' y='{1:f1}' class='label' "
                      "text-anchor='middle'>step (schedule order)</text>\n",
                      kLeft + plotWidth / 2, y0 + 36);
  os << llvm::formatv(
      "<text x='16' y='{0:f1}' class='label' text-anchor='middle' "
      "transform='rotate(-90 16 {0:f1})'>arena offset</text>\n",
      yAt(height / 2));
}

} // namespace

std::string buildMemoryPlot(ModuleOp module, bool html) {
  std::vector<std::unique_ptr<exec::ScheduleLifetimes>> lifetimes;
  SmallVector<Panel> panels;
  for (auto host : module.getOps<func::FuncOp>()) {
    FailureOr<SmallVector<exec::ArenaPlan>> arenas = exec::readArenas(host);
    if (failed(arenas) || arenas->empty())
      continue;
    lifetimes.push_back(std::make_unique<exec::ScheduleLifetimes>(
        exec::analyzeLifetimes(host)));
    for (const exec::ArenaPlan &arena : *arenas)
      panels.push_back({arena, lifetimes.back().get()});
  }

  std::string text;
  llvm::raw_string_ostream os(text);
  double height = std::max<size_t>(1, panels.size()) * kPanelHeight;
  os << llvm::formatv(
      "<svg xmlns='http://www.w3.org/2000/svg' width='{0}' height='{1}' "
      "viewBox='0 0 {0} {1}' font-family='sans-serif' font-size='12'>\n"
      "<style>.title{{font-size:15px;font-weight:bold} .frame{{fill:#f8f8f8;"
      "stroke:#999} .buffer{{stroke:#fff;stroke-width:0.5} "
      ".buffer:hover{{stroke:#000;stroke-width:1.5} .live{{fill:none;"
      "stroke:#222;stroke-width:1.2} .bound{{stroke:#222;"
      "stroke-dasharray:5 3} .peak{{stroke:#d00;stroke-width:1.5;"
      "stroke-dasharray:4 2} .peaklabel{{fill:#d00} .label{{fill:#333}"
      "</style>\n",
      kWidth, height);
  if (panels.empty())
    os << "<text x='20' y='30'>no transient buffers: nothing to plan</text>\n";
  for (auto [index, panel] : llvm::enumerate(panels))
    drawPanel(os, panel, index * kPanelHeight);
  os << "</svg>\n";
  if (!html)
    return text;

  std::string page;
  llvm::raw_string_ostream out(page);
  out << "<!doctype html>\n<html><head><meta charset='utf-8'><title>Kiln "
         "memory plan</title><style>body{font-family:sans-serif;margin:24px}"
         "table{border-collapse:collapse}td,th{border:1px solid #ccc;"
         "padding:2px 8px;text-align:right}td.l,th.l{text-align:left}"
         "</style></head><body>\n<h1>Memory plan</h1>\n"
      << text;
  for (const Panel &panel : panels) {
    out << "<h2>" << escape(panel.arena.name)
        << " buffers</h2>\n<table><tr><th>#</th><th class='l'>type</th>"
           "<th>bytes</th><th>offset</th><th>live</th><th "
           "class='l'>producer</th></tr>\n";
    unsigned index = 0;
    for (const exec::BufferLifetime &buffer : panel.lifetimes->buffers) {
      if (buffer.arena != panel.arena.name)
        continue;
      exec::AllocOp alloc = buffer.alloc;
      out << llvm::formatv(
          "<tr><td>{0}</td><td class='l'>{1}</td><td>{2}</td><td>{3}</td>"
          "<td>{4}-{5}</td><td class='l'>{6}</td></tr>\n",
          index++, escape(exec::describeBuffer(alloc.getType())), buffer.bytes,
          alloc.getOffset() ? *alloc.getOffset() : 0, buffer.first, buffer.last,
          escape(exec::describeStep(buffer.producer)));
    }
    out << "</table>\n";
  }
  out << "</body></html>\n";
  return page;
}

} // namespace kiln

//===- KilnModule.cpp - the _kiln Python extension ------------------------===//
//
// A thin pybind11 layer over Kiln's C++ compile API (include/kiln/Compiler.h);
// the Python-facing API and its errors live in python/kiln/__init__.py.
//
//===----------------------------------------------------------------------===//

#include "kiln/Compiler.h"

#include <pybind11/pybind11.h>

namespace py = pybind11;

PYBIND11_MODULE(_kiln, m) {
  m.doc() = "Kiln compiler core (use the `kiln` package, not this module)";

  py::class_<kiln::PipelineResult>(m, "PipelineResult")
      .def_readonly("succeeded", &kiln::PipelineResult::succeeded)
      .def_readonly("output", &kiln::PipelineResult::output)
      .def_readonly("diagnostics", &kiln::PipelineResult::diagnostics);

  // Compiling holds no Python objects, so other Python threads may run.
  m.def("run_pipeline", &kiln::runPipeline, py::arg("source"),
        py::arg("pipeline"), py::arg("source_name"),
        py::call_guard<py::gil_scoped_release>());
}

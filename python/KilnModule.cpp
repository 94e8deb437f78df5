//===- KilnModule.cpp - the _kiln Python extension ------------------------===//
//
// A thin pybind11 layer over Kiln's C++ compile API (include/kiln/Compiler.h)
// and the runtime API (kiln/runtime/Runtime.h); the Python-facing API and its
// errors live in python/kiln/.
//
//===----------------------------------------------------------------------===//

#include "kiln/Compiler.h"
#include "kiln/runtime/Error.h"
#include "kiln/runtime/Runtime.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <optional>
#include <tuple>

namespace py = pybind11;
namespace rt = kiln::rt;

namespace {

/// Borrows the bytes of every buffer in `weights` (name -> object with the
/// buffer protocol). The caller keeps the objects alive during the call.
kiln::ResourceBlobs borrowBlobs(const py::dict &weights) {
  kiln::ResourceBlobs blobs;
  for (auto [name, value] : weights) {
    py::buffer_info info = py::reinterpret_borrow<py::buffer>(value).request();
    py::ssize_t expected = info.itemsize;
    for (py::ssize_t dim = info.ndim - 1; dim >= 0; --dim) {
      if (info.shape[dim] > 1 && info.strides[dim] != expected)
        throw py::value_error("weight '" + py::str(name).cast<std::string>() +
                              "' is not a contiguous row-major array");
      expected *= info.shape[dim];
    }
    blobs[py::str(name).cast<std::string>()] = std::string_view(
        static_cast<const char *>(info.ptr), info.size * info.itemsize);
  }
  return blobs;
}

using InputShapes = std::map<std::string, std::vector<int64_t>>;

/// How the compiler reads a source handed over from Python.
kiln::SourceOptions sourceOptions(const py::dict &weights,
                                  const std::string &format,
                                  const InputShapes &inputShapes) {
  kiln::SourceOptions options;
  options.blobs = borrowBlobs(weights);
  options.format = format;
  options.inputShapes = inputShapes;
  return options;
}

/// numpy's name for a runtime element type ("float32", "bool", ...).
const char *numpyName(rt::DType dtype) {
  switch (dtype) {
  case rt::DType::f16:
    return "float16";
  case rt::DType::bf16:
    return nullptr; // numpy has no bfloat16
  case rt::DType::f32:
    return "float32";
  case rt::DType::f64:
    return "float64";
  case rt::DType::i1:
    return "bool";
  case rt::DType::i8:
    return "int8";
  case rt::DType::i16:
    return "int16";
  case rt::DType::i32:
    return "int32";
  case rt::DType::i64:
    return "int64";
  case rt::DType::ui8:
    return "uint8";
  }
  return nullptr;
}

py::dtype numpyDType(rt::DType dtype) {
  const char *name = numpyName(dtype);
  if (!name)
    throw rt::Error(std::string("element type ") +
                    std::string(rt::dtypeName(dtype)) + " has no numpy type");
  return py::dtype(name);
}

/// A numpy array that owns `tensor` (no copy of its bytes); bf16, which numpy
/// lacks, as its bits (uint16), for the Python layer to reinterpret.
py::array toNumpy(rt::HostTensor tensor) {
  py::dtype dtype = tensor.dtype() == rt::DType::bf16
                        ? py::dtype("uint16")
                        : numpyDType(tensor.dtype());
  std::vector<py::ssize_t> shape(tensor.shape().begin(), tensor.shape().end());
  auto *owned = new rt::HostTensor(std::move(tensor));
  py::capsule owner(owned, [](void *pointer) {
    delete static_cast<rt::HostTensor *>(pointer);
  });
  return py::array(dtype, shape, owned->data(), owner);
}

/// The inputs, already checked by the Python layer to match the model's
/// specs, copied into host tensors.
std::vector<rt::HostTensor> fromNumpy(const rt::Model &model,
                                      const std::vector<py::array> &arrays) {
  std::vector<rt::HostTensor> tensors;
  tensors.reserve(arrays.size());
  for (size_t i = 0; i < arrays.size(); ++i) {
    const rt::TensorSpec &spec = model.inputs().at(i);
    py::array contiguous =
        py::array::ensure(arrays[i], py::array::c_style | py::array::forcecast);
    tensors.emplace_back(spec.dtype, spec.shape);
    if (static_cast<size_t>(contiguous.nbytes()) != tensors.back().byteSize())
      throw py::value_error("input " + std::to_string(i) + " (" + spec.name +
                            ") has " + std::to_string(contiguous.nbytes()) +
                            " bytes, expected " +
                            std::to_string(tensors.back().byteSize()));
    std::memcpy(tensors.back().data(), contiguous.data(),
                tensors.back().byteSize());
  }
  return tensors;
}

/// Runs an executor (one device's, or a mesh's) on numpy arrays, without
/// the GIL, and returns its outputs as numpy arrays.
template <typename Executor>
py::list runOnArrays(Executor &executor, const std::vector<py::array> &arrays) {
  std::vector<rt::HostTensor> inputs = fromNumpy(executor.model(), arrays);
  std::vector<const rt::HostTensor *> pointers;
  for (const rt::HostTensor &input : inputs)
    pointers.push_back(&input);
  std::vector<rt::HostTensor> outputs;
  {
    py::gil_scoped_release release;
    outputs = executor.run(pointers);
  }
  py::list result;
  for (rt::HostTensor &output : outputs)
    result.append(toNumpy(std::move(output)));
  return result;
}

py::dict describeSpec(const rt::TensorSpec &spec) {
  py::dict result;
  result["name"] = spec.name;
  result["dtype"] = std::string(rt::dtypeName(spec.dtype));
  const char *numpy = numpyName(spec.dtype);
  result["numpy_dtype"] = numpy ? py::object(py::str(numpy)) : py::none();
  result["shape"] = py::tuple(py::cast(spec.shape));
  return result;
}

} // namespace

PYBIND11_MODULE(_kiln, m) {
  m.doc() = "Kiln compiler core (use the `kiln` package, not this module)";

  static py::exception<rt::Error> runtimeError(m, "RuntimeError",
                                               PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr error) {
    try {
      if (error)
        std::rethrow_exception(error);
    } catch (const rt::Error &e) {
      py::set_error(runtimeError, e.what());
    }
  });

  py::class_<kiln::PipelineResult>(m, "PipelineResult")
      .def_readonly("succeeded", &kiln::PipelineResult::succeeded)
      .def_readonly("output", &kiln::PipelineResult::output)
      .def_readonly("diagnostics", &kiln::PipelineResult::diagnostics);

  // Compiling holds no Python objects, so other Python threads may run; the
  // weights' buffers stay referenced by the caller's dict meanwhile.
  m.def(
      "run_pipeline",
      [](const std::string &source, const std::string &pipeline,
         const std::string &sourceName, const py::dict &weights,
         bool elideResources, const std::string &format,
         const InputShapes &inputShapes) {
        kiln::SourceOptions options =
            sourceOptions(weights, format, inputShapes);
        py::gil_scoped_release release;
        return kiln::runPipeline(source, pipeline, sourceName, options,
                                 elideResources);
      },
      py::arg("source"), py::arg("pipeline"), py::arg("source_name"),
      py::arg("weights") = py::dict(), py::arg("elide_resources") = false,
      py::arg("format") = "auto", py::arg("input_shapes") = InputShapes());

  py::class_<kiln::CompileResult>(m, "CompileResult")
      .def_readonly("succeeded", &kiln::CompileResult::succeeded)
      .def_readonly("diagnostics", &kiln::CompileResult::diagnostics)
      .def_readonly("timing", &kiln::CompileResult::timing)
      .def_readonly("report", &kiln::CompileResult::report)
      .def_readonly("memory_plot", &kiln::CompileResult::memoryPlot)
      // The artifact moves into a runtime model: weights are not copied.
      .def("take_model",
           [](kiln::CompileResult &result, const std::string &name) {
             return std::const_pointer_cast<rt::Model>(
                 rt::Model::fromBytes(std::move(result.artifact), name));
           });

  m.def(
      "compile",
      [](const std::string &source, const std::string &sourceName,
         const std::string &target,
         const std::map<std::string, std::string> &backendOptions,
         const std::string &entry, const std::string &dumpIrDir, bool timing,
         const py::dict &weights, const std::string &format,
         const InputShapes &inputShapes, bool fusion, int64_t deviceMemoryLimit,
         const std::string &memoryPlot, const std::string &mesh,
         const std::vector<std::string> &shardings,
         const std::vector<std::string> &targets,
         const std::vector<std::string> &placements,
         const std::vector<std::string> &placementCosts) {
        kiln::CompileOptions options;
        options.targets = targets;
        options.placements = placements;
        options.placementCosts = placementCosts;
        options.mesh = mesh;
        options.shardings = shardings;
        options.fusion = fusion;
        options.deviceMemoryLimit = deviceMemoryLimit;
        options.memoryPlot = memoryPlot;
        options.target = target;
        options.backendOptions = backendOptions;
        options.entry = entry;
        options.dumpIrDir = dumpIrDir;
        options.timing = timing;
        kiln::SourceOptions reading =
            sourceOptions(weights, format, inputShapes);
        py::gil_scoped_release release;
        return kiln::compile(source, sourceName, options, reading);
      },
      py::arg("source"), py::arg("source_name"), py::arg("target"),
      py::arg("backend_options"), py::arg("entry"), py::arg("dump_ir_dir"),
      py::arg("timing"), py::arg("weights") = py::dict(),
      py::arg("format") = "auto", py::arg("input_shapes") = InputShapes(),
      py::arg("fusion") = true, py::arg("device_memory_limit") = 0,
      py::arg("memory_plot") = "", py::arg("mesh") = "",
      py::arg("shardings") = std::vector<std::string>(),
      py::arg("targets") = std::vector<std::string>(),
      py::arg("placements") = std::vector<std::string>(),
      py::arg("placement_costs") = std::vector<std::string>());

  py::class_<rt::Model, std::shared_ptr<rt::Model>>(m, "Model")
      .def_static(
          "load",
          [](const std::string &path) {
            return std::const_pointer_cast<rt::Model>(rt::Model::load(path));
          },
          py::arg("path"))
      .def_static(
          "from_bytes",
          [](const py::bytes &bytes, const std::string &name) {
            return std::const_pointer_cast<rt::Model>(
                rt::Model::fromBytes(std::string(bytes), name));
          },
          py::arg("artifact"), py::arg("name"))
      .def_property_readonly("name", &rt::Model::name)
      .def_property_readonly("artifact",
                             [](const rt::Model &model) {
                               return py::bytes(model.bytes().data(),
                                                model.bytes().size());
                             })
      .def_property_readonly(
          "entry",
          [](const rt::Model &model) { return model.manifest().entry; })
      .def_property_readonly("mesh",
                             [](const rt::Model &model) {
                               py::dict mesh;
                               const rt::Manifest &m = model.manifest();
                               for (size_t i = 0; i < m.mesh.size(); ++i)
                                 mesh[py::str(m.meshAxes[i])] = m.mesh[i];
                               return mesh;
                             })
      .def_property_readonly("inputs",
                             [](const rt::Model &model) {
                               py::list specs;
                               for (const rt::TensorSpec &spec : model.inputs())
                                 specs.append(describeSpec(spec));
                               return specs;
                             })
      .def_property_readonly(
          "memories",
          [](const rt::Model &model) { return model.manifest().memories; })
      .def_property_readonly("outputs", [](const rt::Model &model) {
        py::list specs;
        for (const rt::TensorSpec &spec : model.outputs())
          specs.append(describeSpec(spec));
        return specs;
      });

  py::class_<rt::MeshExecutor>(m, "MeshExecutor")
      .def(py::init([](std::shared_ptr<rt::Model> model, unsigned threads,
                       int64_t devices) {
             rt::MeshExecutorOptions options;
             options.threads = threads;
             options.devices = devices;
             py::gil_scoped_release release;
             return std::make_unique<rt::MeshExecutor>(model, options);
           }),
           py::arg("model"), py::arg("threads") = 0, py::arg("devices") = 0)
      .def_property_readonly("devices", &rt::MeshExecutor::devices)
      .def("run", &runOnArrays<rt::MeshExecutor>);

  m.def("list_devices", [] {
    py::list listing;
    for (const rt::TargetDevices &target : rt::listDevices())
      listing.append(
          py::make_tuple(target.target, target.devices, target.unavailable));
    return listing;
  });

  py::class_<rt::Executor>(m, "Executor")
      .def(py::init([](std::shared_ptr<rt::Model> model, unsigned threads,
                       const std::vector<std::string> &devices, bool profile) {
             rt::ExecutorOptions options;
             options.threads = threads;
             for (const std::string &device : devices)
               options.devices.push_back(rt::parseDeviceName(device));
             options.profileKernels = profile;
             return std::make_unique<rt::Executor>(model, options);
           }),
           py::arg("model"), py::arg("threads") = 0,
           py::arg("devices") = std::vector<std::string>{},
           py::arg("profile") = false)
      .def("run", &runOnArrays<rt::Executor>)
      // Per dispatch step: (step, dispatch name, target, launches, seconds).
      .def("kernel_profile",
           [](const rt::Executor &executor) {
             py::list result;
             for (const rt::KernelTime &kernel : executor.kernelProfile())
               result.append(py::make_tuple(kernel.step, kernel.symbol,
                                            kernel.target, kernel.launches,
                                            kernel.seconds));
             return result;
           })
      .def("reset_kernel_profile", &rt::Executor::resetKernelProfile)
      // Tensors the caller keeps, each (address, dtype name, shape, memory):
      // a device's memory ("cuda") or "host"; checked by the runtime.
      .def("run_views", [](rt::Executor &executor, const py::list &inputs,
                           const py::list &outputs) {
        std::vector<std::vector<int64_t>> shapes;
        std::vector<std::string> memories;
        shapes.reserve(inputs.size() + outputs.size());
        memories.reserve(inputs.size() + outputs.size());
        auto views = [&](const py::list &list) {
          std::vector<rt::TensorView> result;
          for (py::handle item : list) {
            auto [address, dtype, shape, memory] =
                item.cast<std::tuple<uintptr_t, std::string,
                                     std::vector<int64_t>, std::string>>();
            std::optional<rt::DType> type = rt::parseDType(dtype);
            if (!type)
              throw py::value_error("unknown element type '" + dtype + "'");
            shapes.push_back(std::move(shape));
            memories.push_back(std::move(memory));
            result.push_back({*type, shapes.back().data(), shapes.back().size(),
                              reinterpret_cast<void *>(address),
                              memories.back().c_str()});
          }
          return result;
        };
        std::vector<rt::TensorView> in = views(inputs), out = views(outputs);
        py::gil_scoped_release release;
        executor.run(in, out);
      });
}

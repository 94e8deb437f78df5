"""Kiln: an ML graph compiler for heterogeneous accelerators, on MLIR.

    import kiln
    m = kiln.compile(model, example_inputs)   # torch.nn.Module, kiln.Graph,
                                              # or a .mlir / .mlirbc path
    y = m(*inputs)                            # numpy -> numpy, torch -> torch
    m.save("model.kiln"); m2 = kiln.load("model.kiln")

The package is a thin layer over Kiln's C++ compiler and runtime: the
pipelines are the ones kiln-compile and kiln-opt run, the artifact is the one
kiln-run runs, and errors carry the compiler's own diagnostics.
"""

import collections
import copy
import json
import os
import pathlib

import numpy as np

from . import _kiln
from .errors import CompileError, UnsupportedOperatorError
from .graph import Graph, Value

__all__ = ["CompileError", "UnsupportedOperatorError", "Graph", "Value",
           "CompiledModule", "compile", "load", "run_pipeline", "STAGES",
           "devices", "devices_unavailable"]

#: The stages ``CompiledModule.ir`` shows, in compile order: the input graph,
#: the canonicalized graph, dispatch regions formed, the exec schedule with
#: kernels still on tensors, the backend's lowered kernels.
STAGES = ("input", "graph", "dispatch", "schedule", "kernels", "binary")

RuntimeError = _kiln.RuntimeError  # noqa: A001 - a kiln.RuntimeError


def run_pipeline(source, pipeline="graph-canonicalize"):
    """Runs a Kiln pass pipeline on MLIR and returns the resulting IR as text.

    source: MLIR text (``str``), the path of a ``.mlir`` file
        (``os.PathLike``, e.g. ``pathlib.Path``), or a ``kiln.Graph``.
    pipeline: a registered pipeline or pass, with options
        (``"graph-canonicalize{cse=false}"``), a comma-separated list of them,
        or a full textual pipeline (``"builtin.module(...)"``), exactly as
        ``kiln-opt --pass-pipeline`` takes it.

    Raises CompileError when the source does not parse or verify, the
    pipeline is unknown, or a pass fails.
    """
    src = _source(source)
    if not isinstance(pipeline, str):
        raise TypeError("pipeline must be a str, got "
                        f"{type(pipeline).__name__}")
    result = _kiln.run_pipeline(src.data, pipeline, src.name, src.weights,
                                False, src.format, src.input_shapes)
    if not result.succeeded:
        raise CompileError(result.diagnostics.rstrip())
    return result.output


def compile(model, example_inputs=None, target="cpu", *, cpu=None,
            target_options=None, entry=None, input_shape=None, dump_ir_after_all=None,
            timing=False, threads=0, device=None, fusion=True,
            device_memory_limit=None, memory_plot=None, mesh=None,
            shardings=None, targets=None, placement=None,
            placement_costs=None):
    """Compiles a model into a CompiledModule.

    model: a ``torch.nn.Module`` (captured with ``example_inputs`` through
        torch.export), a ``kiln.Graph``, an ``onnx.ModelProto``, or the path
        of a ``.onnx`` model or a ``.mlir`` / ``.mlirbc`` model graph.
    example_inputs: for a torch module, the tensors (a tuple, or one tensor)
        forward is traced with; their shapes and dtypes are the compiled
        module's. Ignored for graphs, which carry their own input types.

    Options, named as kiln-compile's and kiln-run's flags:
        target: the backend: "cpu", "opencl" (the machine's OpenCL
            platform; docs/devices.md) or "cuda" (NVIDIA GPUs; compiled
            with the CUDA toolkit, run where the NVIDIA driver is). A cuda
            module called with torch CUDA tensors reads them and writes its
            outputs on the GPU, with no copy through the host.
        cpu: the CPU to generate code for ("host", "x86-64", "aarch64", or an
            LLVM CPU name); default host.
        target_options: the backend's other options by name
            (kiln-compile --target-option name=value), e.g. opencl's
            ``{"workgroup-size": 128}`` or ``{"device-kind": "cpu"}``.
        entry: the function to compile (default: the only one).
        input_shape: static shapes of ONNX inputs by name, fixing symbolic
            dims: ``{"input": (1, 3, 224, 224)}``.
        dump_ir_after_all: a directory that receives the IR after every pass.
        timing: print a report of the time each pass took.
        threads: worker threads when running (0: all hardware threads).
        device: the device that runs the target's kernels, "TARGET:INDEX"
            (default: the target's first), e.g. ``"opencl:1"`` (kiln-run
            --device).
        fusion: fuse ops into shared kernels (default); False compiles one
            kernel per op and keeps batch norms, to compare against
            (kiln-compile --no-fusion).
        device_memory_limit: bytes a device may use (arena, weights, inputs
            and outputs); a plan needing more raises CompileError listing the
            buffers live at the peak (kiln-compile --device-memory-limit).
        memory_plot: a path ending in ``.svg`` or ``.html`` that receives a
            drawing of the memory plan (kiln-compile --memory-plot).
        mesh: shard the model across a mesh of devices: named axes and
            their device counts, ``{"dp": 2, "tp": 2}`` (kiln-compile
            --mesh). The compiled module runs on that many CPU devices, one
            thread each, and takes and returns whole tensors.
        targets: several backends instead of ``target``, e.g.
            ``("opencl", "cpu")``: each op runs on the one the placement
            estimates fastest, with transfers where values cross
            (kiln-compile --targets; docs/placement.md). Options of a
            target other than the first are named ``"TARGET.name"`` in
            target_options.
        placement: with targets, ops to place by hand: ``{"layer4": "cpu"}``
            runs the ops named ``layer4`` (a torch module path, an ONNX node
            name) or inside it on the cpu (kiln-compile --place).
        placement_costs: with targets, corrections of the figures placement
            weighs, ``{"opencl.gflops": 50}`` (gflops, memory-gbps,
            launch-us, transfer-gbps, transfer-us; kiln-compile
            --place-cost).
        shardings: which tensors to split along which mesh axes, per tensor
            one entry per dim: an axis name, a tuple of them, or None for a
            dim not split. Keys are weight names from ``state_dict()``,
            input names, or input positions (ints):
            ``{"0.weight": ("tp", None), 0: ("dp", None)}`` (kiln-compile
            --shard). Kiln propagates them to every op and adds the
            collectives the split computation needs; see docs/sharding.md.

    Raises CompileError (the compiler's diagnostics), or
    UnsupportedOperatorError for a model op Kiln cannot compile.
    """
    input_names, out_spec = None, None
    if _is_torch_module(model):
        from .torch_importer import import_module
        if example_inputs is None:
            raise TypeError("kiln.compile(torch_module, example_inputs): the "
                            "example inputs are required to capture a torch "
                            "module")
        example_inputs = _as_torch_tensors(example_inputs)
        graph, input_names, out_spec = import_module(model, example_inputs)
        src = _Source(graph.to_mlir(), type(model).__name__, graph.weights(),
                      "mlir", {})
    else:
        src = _source(model, input_shape)
        if isinstance(model, Graph):
            input_names = model.input_names
    backend_options = {str(k): str(v)
                       for k, v in (target_options or {}).items()}
    if cpu is not None:
        backend_options["cpu"] = str(cpu)
    plot_format = ""
    if memory_plot is not None:
        plot_format = os.path.splitext(os.fspath(memory_plot))[1][1:]
        if plot_format not in ("svg", "html"):
            raise ValueError(f"memory_plot must end in .svg or .html, got "
                             f"{os.fspath(memory_plot)!r}")
    limit = 0 if device_memory_limit is None else int(device_memory_limit)
    if device_memory_limit is not None and limit <= 0:
        raise ValueError("device_memory_limit must be a positive number of "
                         f"bytes, got {device_memory_limit!r}")
    mesh_text, sharding_texts = _sharding_options(mesh, shardings)
    if isinstance(targets, str):
        targets = [t for t in targets.split(",") if t]
    targets = [str(t) for t in targets or ()]
    placement_texts = [f"{name}={device}"
                       for name, device in dict(placement or {}).items()]
    cost_texts = [f"{figure}={value}"
                  for figure, value in dict(placement_costs or {}).items()]
    if (placement_texts or cost_texts) and len(targets) < 2:
        raise ValueError("placement and placement_costs need several "
                         "targets: targets=('opencl', 'cpu')")
    result = _kiln.compile(
        src.data, src.name, target, backend_options, entry or "",
        os.fspath(dump_ir_after_all) if dump_ir_after_all else "",
        bool(timing), src.weights, src.format, src.input_shapes,
        bool(fusion), limit, plot_format, mesh_text, sharding_texts,
        targets, placement_texts, cost_texts)
    if not result.succeeded:
        raise CompileError(result.diagnostics.rstrip())
    if memory_plot is not None:
        pathlib.Path(memory_plot).write_text(result.memory_plot)
    if timing:
        print(result.timing, end="")
    return CompiledModule(result.take_model(src.name), threads=threads,
                          device=device, source=(src, target, entry or "", bool(fusion),
                                  backend_options, _placement_options(
                                      targets, placement_texts, cost_texts)),
                          input_names=input_names, out_spec=out_spec,
                          report=json.loads(result.report))


def _placement_options(targets, placements, costs):
    """targets=, placement= and placement_costs= as kiln-compile pipeline
    options."""
    text = ""
    for key, values in (("targets", targets), ("placements", placements),
                        ("placement-costs", costs)):
        if values:
            text += f" {key}={','.join(values)}"
    return text


def _sharding_options(mesh, shardings):
    """mesh= and shardings= as kiln-compile's --mesh and --shard texts."""
    if mesh is None:
        if shardings:
            raise ValueError("shardings need a mesh: pass mesh={axis: size}")
        return "", []
    if isinstance(mesh, str):
        mesh_text = mesh
    else:
        items = list(dict(mesh).items())
        for name, size in items:
            if (not isinstance(name, str) or not name
                    or not isinstance(size, int) or size < 1):
                raise ValueError("mesh maps axis names to device counts "
                                 f"(>= 1), e.g. {{'tp': 2}}; got {mesh!r}")
        mesh_text = ",".join(f"{name}={size}" for name, size in items)
    texts = []
    for key, spec in dict(shardings or {}).items():
        tensor = f"input{key}" if isinstance(key, int) else str(key)
        if isinstance(spec, str):
            texts.append(f"{tensor}={spec}")
            continue
        dims = []
        for axes in spec:
            if axes is None:
                dims.append("_")
            elif isinstance(axes, str):
                dims.append(axes)
            else:
                dims.append("+".join(axes))
        texts.append(f"{tensor}={','.join(dims)}")
    return mesh_text, texts


def devices():
    """This machine's devices per target, as kiln-run --list-devices shows
    them: ``{"cpu": ["the host CPU (2 threads)"], "opencl": [...]}``, the
    list index being the device's (``"opencl:1"``). A target with no device
    maps to an empty list; ``devices_unavailable()`` says why."""
    return {target: list(found) for target, found, _ in _kiln.list_devices()}


def devices_unavailable(target):
    """Why ``target`` has no device here (no platform, no driver), or None
    when it has one."""
    for name, found, why in _kiln.list_devices():
        if name == target:
            return None if found else why
    return f"this runtime has no device for target '{target}'"


def load(path, threads=0, device=None):
    """Loads a .kiln artifact (from CompiledModule.save or kiln-compile). The
    file is memory-mapped: weights are used in place. ``device`` is as
    compile's."""
    return CompiledModule(_kiln.Model.load(os.fspath(path)), threads=threads,
                          device=device)


class CompiledModule:
    """A compiled model, callable like the original.

    Calling it with numpy arrays returns numpy arrays; with torch tensors,
    torch tensors. A torch model's output structure (one tensor, a tuple, ...)
    is kept. Not thread-safe: use one CompiledModule per thread.
    """

    def __init__(self, model, threads=0, device=None, source=None,
                 input_names=None, out_spec=None, report=None):
        self._model, self._report = model, report
        self._threads, self._executor = threads, None
        if "cuda" in model.memories:
            _find_libraries()
        self._devices = [] if device is None else [str(device)]
        if self._devices:
            if model.mesh:
                raise ValueError("a sharded model runs on CPU devices, one per "
                                 f"mesh device, not on device={device!r}")
            # Made now, so a device that does not exist fails here.
            self._executor = _kiln.Executor(model, threads, self._devices)
        self._source, self._out_spec = source, out_spec
        self._input_names = input_names or [spec["name"]
                                            for spec in model.inputs]

    @property
    def inputs(self):
        """Each input's name, dtype (MLIR name) and shape."""
        return [dict(spec, name=name) for spec, name in
                zip(self._model.inputs, self._input_names)]

    @property
    def outputs(self):
        return self._model.outputs

    def __call__(self, *inputs):
        specs = self._model.inputs
        if len(inputs) != len(specs):
            raise ValueError(f"expected {len(specs)} inputs "
                             f"({', '.join(self._input_names)}), got "
                             f"{len(inputs)}")
        if "cuda" in self._model.memories and any(
                _is_torch_tensor(x) and x.is_cuda for x in inputs):
            return self._call_on_cuda(inputs)
        torch_in = any(_is_torch_tensor(x) for x in inputs)
        arrays = []
        for i, (value, spec) in enumerate(zip(inputs, specs)):
            where = f"input {i} ({self._input_names[i]})"
            if spec["dtype"] == "bf16":
                arrays.append(_bfloat16_bits(where, value, spec))
                continue
            array = _to_numpy(value)
            if spec["numpy_dtype"] is None:
                raise ValueError(f"{where} has element type {spec['dtype']}, "
                                 "which numpy cannot hold")
            _check_input(where, array.dtype, array.shape,
                         np.dtype(spec["numpy_dtype"]), spec)
            arrays.append(array)
        if self._executor is None:
            if self._model.mesh:  # sharded: every device of the mesh
                self._executor = _kiln.MeshExecutor(self._model,
                                                    self._threads)
            else:
                self._executor = _kiln.Executor(self._model, self._threads,
                                                self._devices)
        outputs = [_from_bfloat16_bits(o, torch_in)
                   if spec["dtype"] == "bf16" else o
                   for o, spec in zip(self._executor.run(arrays),
                                      self._model.outputs)]
        if torch_in:
            import torch
            outputs = [o if _is_torch_tensor(o) else torch.from_numpy(o)
                       for o in outputs]
        if self._out_spec is not None:
            from torch.utils import _pytree
            return _pytree.tree_unflatten(outputs, self._out_spec)
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    def _call_on_cuda(self, inputs):
        """Runs on torch CUDA tensors in place: the inputs are read and the
        outputs (new CUDA tensors) written on the GPU."""
        import torch
        executor = self._cuda_executor()
        index = self._cuda_index()
        views, keep = [], []
        for i, (value, spec) in enumerate(zip(inputs, self._model.inputs)):
            where = f"input {i} ({self._input_names[i]})"
            if not _is_torch_tensor(value) or not value.is_cuda:
                value = torch.as_tensor(np.asarray(_to_numpy(value)))
                value = value.to(f"cuda:{index}")
            if value.device.index != index:
                raise ValueError(f"{where} is on {value.device}, but this "
                                 f"module runs on cuda:{index} (compile or "
                                 f"load it with device='cuda:"
                                 f"{value.device.index}')")
            _check_input(where, value.dtype, value.shape, _torch_dtype(spec),
                         spec)
            value = value.detach().contiguous()
            keep.append(value)
            views.append((value.data_ptr(), spec["dtype"],
                          list(spec["shape"]), "cuda"))
        outputs = [torch.empty(tuple(spec["shape"]), dtype=_torch_dtype(spec),
                               device=f"cuda:{index}")
                   for spec in self._model.outputs]
        # Kiln's stream starts after what torch queued for the inputs; the
        # run returns when its outputs are written.
        torch.cuda.current_stream(index).synchronize()
        executor.run_views(views, [(o.data_ptr(), spec["dtype"],
                                    list(spec["shape"]), "cuda")
                                   for o, spec in zip(outputs,
                                                      self._model.outputs)])
        if self._out_spec is not None:
            from torch.utils import _pytree
            return _pytree.tree_unflatten(outputs, self._out_spec)
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    def _cuda_index(self):
        for device in self._devices:
            target, _, index = device.partition(":")
            if target == "cuda":
                return int(index or 0)
        return 0

    def _cuda_executor(self):
        if self._executor is None:
            self._executor = _kiln.Executor(self._model, self._threads,
                                            self._devices)
        return self._executor

    def save(self, path):
        """Writes the .kiln artifact (what kiln-run and kiln.load take). The
        file is replaced atomically: a failed write leaves no partial file."""
        path = pathlib.Path(path)
        temp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        try:
            temp.write_bytes(self._model.artifact)
            os.replace(temp, path)
        finally:
            temp.unlink(missing_ok=True)

    def report(self):
        """The compile report, as kiln-compile --report writes it: for each
        dispatch (kernel launch) its target, graph ops, flops, bytes read
        and written, and the totals. Only for modules compiled in this
        process."""
        if self._report is None:
            raise ValueError("report() is made by the compiler; a loaded "
                             "artifact does not keep it")
        return copy.deepcopy(self._report)

    def profile(self, *inputs, runs=10):
        """Where a call's time goes: runs the module `runs` times on `inputs`
        (after one run not counted) timing each kernel launch, and returns
        one dict per dispatch step, longest first: its kernel symbol,
        target, ms per call and share of the kernels' time, and, for modules
        compiled in this process, its graph ops, flops and GFLOP/s (matched
        by the report's "kernel", the symbol the runtime calls). A transfer
        between memories is a row too, its target "transfer", its kernel
        "transfer FROM->TO (N bytes)", with no ops or flops. Each
        launch is waited for before the next, so the sum is more than a
        call's latency; for finding slow kernels, not for timing calls."""
        if runs < 1:
            raise ValueError(f"runs must be at least 1, got {runs}")
        if self._model.mesh:
            raise ValueError("profile() times one device's kernels; this "
                             "model is sharded over a mesh")
        executor = _kiln.Executor(self._model, self._threads, self._devices,
                                  profile=True)
        saved, self._executor = self._executor, executor
        try:
            self(*inputs)
            executor.reset_kernel_profile()
            for _ in range(runs):
                self(*inputs)
            kernels = executor.kernel_profile()
        finally:
            self._executor = saved
        dispatches = {d["kernel"]: d for d in
                      (self._report or {}).get("dispatches", [])}
        total = sum(seconds for *_, seconds in kernels) or 1.0
        rows = []
        for step, kernel, target, launches, seconds in kernels:
            row = dict(kernel=kernel, step=step, target=target,
                       ms=seconds * 1e3 / runs, share=seconds / total)
            if target == "transfer":
                row.update(name=kernel, ops=[], flops=0, gflops=0.0)
            if kernel in dispatches:
                dispatch = dispatches[kernel]
                flops = dispatch["flops"]
                row.update(name=dispatch["name"], ops=dispatch["ops"],
                           flops=flops,
                           gflops=flops * runs / seconds / 1e9
                           if seconds > 0 else 0.0)
            rows.append(row)
        return sorted(rows, key=lambda row: -row["ms"])

    def ir(self, stage="graph"):
        """The IR text at a compile stage (one of kiln.STAGES). Weights are
        elided. Only for modules compiled in this process, not loaded ones."""
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r} (stages: "
                             f"{', '.join(STAGES)})")
        if self._source is None:
            raise ValueError("ir() needs the compiler's input, which a loaded "
                             "artifact does not keep; compile the model with "
                             "kiln.compile to inspect its IR")
        (src, target, entry, fusion, backend_options,
         placement_options) = self._source
        if stage == "input" and src.format == "mlir":
            return src.data
        pipeline = ""  # an ONNX model's input stage: the imported graph
        if stage != "input":
            options = (f"target={target} stop-after={stage} "
                       f"fusion={str(fusion).lower()}")
            if entry:
                options += f" entry={entry}"
            options += placement_options
            if backend_options:
                options += " target-options=" + ",".join(
                    f"{k}={v}" for k, v in sorted(backend_options.items()))
            pipeline = f"kiln-compile{{{options}}}"
        result = _kiln.run_pipeline(src.data, pipeline, src.name,
                                    src.weights, True, src.format,
                                    src.input_shapes)
        if not result.succeeded:
            raise CompileError(result.diagnostics.rstrip())
        return result.output


# What the compiler reads: MLIR text/bytecode or ONNX bytes, the name
# diagnostics give it, weight bytes beside MLIR text, the format, and the
# ONNX input shapes.
_Source = collections.namedtuple(
    "_Source", "data name weights format input_shapes")


def _source(source, input_shapes=None):
    """The _Source of a graph, MLIR text, an ONNX ModelProto, or a .mlir /
    .mlirbc / .onnx file path."""
    shapes = {str(k): [int(d) for d in v]
              for k, v in (input_shapes or {}).items()}
    if isinstance(source, Graph):
        return _Source(source.to_mlir(), source.name, source.weights(),
                       "mlir", shapes)
    if type(source).__name__ == "ModelProto" and hasattr(
            source, "SerializeToString"):
        name = source.graph.name or "model"
        return _Source(source.SerializeToString(), f"{name}.onnx", {}, "onnx",
                       shapes)
    if isinstance(source, os.PathLike) or (
            isinstance(source, str) and "\n" not in source
            and source.endswith((".mlir", ".mlirbc", ".onnx"))):
        name = os.fspath(source)
        with open(name, "rb") as f:
            data = f.read()
        if name.endswith(".onnx"):
            return _Source(data, name, {}, "onnx", shapes)
        # MLIR bytecode is binary; text goes through as text.
        text = data if data.startswith(b"ML\xefR") else data.decode("utf-8")
        return _Source(text, name, {}, "mlir", shapes)
    if isinstance(source, str):
        return _Source(source, "<string>", {}, "mlir", shapes)
    raise TypeError(
        "source must be MLIR text (str), the path of a .mlir/.mlirbc/.onnx "
        "file, an onnx.ModelProto, a kiln.Graph or a torch.nn.Module; got "
        f"{type(source).__name__}")


def _is_torch_module(model):
    torch = _torch_if_loaded()
    return torch is not None and isinstance(model, torch.nn.Module)


def _is_torch_tensor(value):
    torch = _torch_if_loaded()
    return torch is not None and isinstance(value, torch.Tensor)


def _torch_if_loaded():
    # Only a caller that already imported torch can pass torch objects, so
    # kiln never imports torch itself (it is slow and optional).
    import sys
    return sys.modules.get("torch")


def _find_libraries():
    """Points the runtime at torch's cuBLASLt and cuDNN (torch's CUDA wheels
    keep them in site-packages/nvidia/*/lib, off the loader's path) unless
    the caller named them (KILN_CUBLASLT_LIBRARY, KILN_CUDNN_LIBRARY)."""
    import glob
    import sys
    for variable, pattern in [("KILN_CUBLASLT_LIBRARY", "libcublasLt.so*"),
                              ("KILN_CUDNN_LIBRARY", "libcudnn.so*")]:
        if os.environ.get(variable):
            continue
        for folder in sys.path:
            found = sorted(glob.glob(os.path.join(folder, "nvidia", "*",
                                                  "lib", pattern)))
            if found:
                os.environ[variable] = found[-1]
                break


def _check_input(where, dtype, shape, want, spec):
    """Raises ValueError naming the input (`where`) unless it has the dtype
    `want` and the shape of `spec`."""
    if dtype != want:
        raise ValueError(f"{where}: expected dtype {want}, got {dtype}")
    if tuple(shape) != tuple(spec["shape"]):
        raise ValueError(f"{where}: expected shape {list(spec['shape'])}, "
                         f"got {list(shape)}")


def _torch_dtype(spec):
    """The torch dtype of a model input or output's spec."""
    import torch
    return {"f16": torch.float16, "bf16": torch.bfloat16,
            "f32": torch.float32, "f64": torch.float64, "i1": torch.bool,
            "i8": torch.int8, "i16": torch.int16, "i32": torch.int32,
            "i64": torch.int64, "ui8": torch.uint8}[spec["dtype"]]


def _bfloat16_bits(where, value, spec):
    """A bf16 input's bits (uint16), from a torch.bfloat16 tensor: numpy has
    no bfloat16."""
    import torch
    if not _is_torch_tensor(value) or value.dtype != torch.bfloat16:
        got = value.dtype if hasattr(value, "dtype") else type(value).__name__
        raise ValueError(f"{where}: expected a torch.bfloat16 tensor (numpy "
                         f"has no bfloat16), got {got}")
    _check_input(where, value.dtype, value.shape, torch.bfloat16, spec)
    return value.detach().cpu().contiguous().view(torch.int16).numpy().view(
        np.uint16)


def _from_bfloat16_bits(bits, as_torch):
    """A bf16 output from its bits: a torch.bfloat16 tensor when the inputs
    were torch tensors, else float32 numpy (exact: bf16 is f32's top half)."""
    if as_torch:
        import torch
        return torch.from_numpy(bits.view(np.int16)).view(torch.bfloat16)
    return (bits.astype(np.uint32) << 16).view(np.float32)


def _to_numpy(value):
    if _is_torch_tensor(value):
        return value.detach().cpu().contiguous().numpy()
    return np.asarray(value)


def _as_torch_tensors(inputs):
    import torch
    if not isinstance(inputs, (tuple, list)):
        inputs = (inputs,)
    return tuple(torch.from_numpy(np.asarray(x)) if isinstance(x, np.ndarray)
                 else x for x in inputs)

# Optional parts of Kiln. Each is ON by default; when the packages it needs are
# missing it is switched off with a message saying what to install, so a
# minimal machine still builds and tests the core.
option(KILN_ENABLE_PYTHON "Build the Python extension (needs Python 3 dev headers and pybind11)" ON)
option(KILN_ENABLE_CUDA "Build the CUDA backend (needs the CUDA toolkit: ptxas, cuda.h)" ON)
option(KILN_ENABLE_MPI "Build MPI collectives (needs Debian's libopenmpi-dev)" ON)
option(KILN_ENABLE_ONNX "Build the ONNX importer (needs Debian's libonnx-dev, libprotobuf-dev)" ON)
# `pip install .` turns this off: a wheel needs no test suite (nor GoogleTest).
option(KILN_BUILD_TESTS "Build the test suite (lit, GoogleTest, pytest)" ON)
set(KILN_RUNTIME_TESTS ${KILN_BUILD_TESTS})

set(KILN_SUMMARY "")
macro(kiln_optional_part name enabled reason)
  if(${enabled})
    string(APPEND KILN_SUMMARY "  ${name}: ON\n")
  else()
    string(APPEND KILN_SUMMARY "  ${name}: OFF (${reason})\n")
  endif()
endmacro()

if(KILN_ENABLE_PYTHON)
  find_package(Python3 COMPONENTS Interpreter Development.Module)
  if(Python3_FOUND)
    execute_process(
      COMMAND ${Python3_EXECUTABLE} -m pybind11 --cmakedir
      OUTPUT_VARIABLE KILN_PYBIND11_DIR OUTPUT_STRIP_TRAILING_WHITESPACE
      RESULT_VARIABLE KILN_PYBIND11_RC ERROR_QUIET)
  endif()
  if(NOT Python3_FOUND OR NOT KILN_PYBIND11_RC EQUAL 0)
    message(STATUS "Kiln: Python extension disabled: need Python 3 headers "
      "(apt-get install python3-dev) and pybind11 in the interpreter given by "
      "-DPython3_EXECUTABLE (scripts/setup.sh makes a virtualenv with it). "
      "Pass -DKILN_ENABLE_PYTHON=OFF to silence this.")
    set(KILN_ENABLE_PYTHON OFF)
  endif()
endif()
kiln_optional_part("Python extension" KILN_ENABLE_PYTHON
  "python3-dev or pybind11 missing, or -DKILN_ENABLE_PYTHON=OFF")

if(KILN_ENABLE_CUDA)
  find_package(CUDAToolkit QUIET)
  if(NOT CUDAToolkit_FOUND)
    message(STATUS "Kiln: CUDA backend disabled: no CUDA toolkit found "
      "(looked for nvcc/ptxas, e.g. under /usr/local/cuda; set CUDAToolkit_ROOT). "
      "CPU compilation is unaffected.")
    set(KILN_ENABLE_CUDA OFF)
  endif()
endif()
kiln_optional_part("CUDA backend" KILN_ENABLE_CUDA
  "no CUDA toolkit, or -DKILN_ENABLE_CUDA=OFF")

if(KILN_ENABLE_MPI)
  find_package(MPI QUIET COMPONENTS CXX)
  if(NOT MPI_CXX_FOUND)
    message(STATUS "Kiln: MPI collectives disabled: install libopenmpi-dev "
      "openmpi-bin. In-process collectives are unaffected.")
    set(KILN_ENABLE_MPI OFF)
  endif()
endif()
kiln_optional_part("MPI collectives" KILN_ENABLE_MPI
  "libopenmpi-dev missing, or -DKILN_ENABLE_MPI=OFF")

if(KILN_ENABLE_ONNX)
  find_package(ONNX CONFIG QUIET)
  find_package(Protobuf QUIET)
  if(NOT ONNX_FOUND OR NOT Protobuf_FOUND)
    message(STATUS "Kiln: ONNX importer disabled: install libonnx-dev "
      "libprotobuf-dev (scripts/setup.sh does). MLIR and PyTorch input are "
      "unaffected.")
    set(KILN_ENABLE_ONNX OFF)
  endif()
endif()
kiln_optional_part("ONNX importer" KILN_ENABLE_ONNX
  "libonnx-dev or libprotobuf-dev missing, or -DKILN_ENABLE_ONNX=OFF")

function(kiln_print_summary)
  message(STATUS "Kiln optional parts:\n${KILN_SUMMARY}")
endfunction()

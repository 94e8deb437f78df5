#!/usr/bin/env python3
"""Writes the .npy fixtures of the runtime's Npy tests with numpy itself, the
independent reference for the format. Re-run after changing a case:
    .venv/bin/python runtime/test/Inputs/make_npy_fixtures.py
"""
import pathlib

import numpy as np

HERE = pathlib.Path(__file__).parent

CASES = {
    "f32_2x3": np.arange(6, dtype=np.float32).reshape(2, 3) * 0.5 - 1,
    "f16_4": np.array([1.5, -2.0, 0.25, 65504.0], dtype=np.float16),
    "f64_scalar": np.array(3.25, dtype=np.float64),
    "i1_2x2": np.array([[True, False], [False, True]]),
    "i8_3": np.array([-128, 0, 127], dtype=np.int8),
    "i16_2": np.array([-32768, 32767], dtype=np.int16),
    "i32_2x2x2": np.arange(8, dtype=np.int32).reshape(2, 2, 2) - 4,
    "i64_3": np.array([-1, 0, 2**40], dtype=np.int64),
    "ui8_4": np.array([0, 1, 200, 255], dtype=np.uint8),
    "empty_0x3": np.zeros((0, 3), dtype=np.float32),
    # Long first dimension: the header's growth padding shrinks with it.
    "f32_1000": np.linspace(-1, 1, 1000, dtype=np.float32),
    # Converted on read: column-major data, big-endian data.
    "fortran_i32_2x3": np.asfortranarray(
        np.arange(6, dtype=np.int32).reshape(2, 3)),
    "bigendian_f32_3": np.array([1.0, -2.5, 3.0], dtype=">f4"),
    # Unsupported element type.
    "complex64_2": np.array([1 + 2j, 3 - 4j], dtype=np.complex64),
}

for name, array in CASES.items():
    np.save(HERE / f"{name}.npy", array)

# Format version 2.0 (uint32 header length), normally used for huge headers.
with open(HERE / "v2_f32_2.npy", "wb") as f:
    np.lib.format.write_array(f, np.array([7.0, 8.0], dtype=np.float32),
                              version=(2, 0))

#!/usr/bin/env python3
"""Writes random inputs for a model graph: one .npy per argument of its
entry function (read from the MLIR signature), named input_0.npy, ...

usage: random_inputs.py MODEL.mlir OUT_DIR [--seed N]
Prints the --input flags for kiln-run.
"""
import argparse
import pathlib
import re

import numpy as np

DTYPES = {"f32": np.float32, "f64": np.float64, "f16": np.float16,
          "i64": np.int64, "i32": np.int32, "i8": np.int8, "i1": np.bool_}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=pathlib.Path)
    parser.add_argument("out", type=pathlib.Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    text = args.model.read_text()
    signature = re.search(r"func\.func @\w+\(([^)]*)\)", text)
    if not signature:
        parser.error(f"{args.model}: no func.func signature found")
    rng = np.random.default_rng(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    flags = []
    for i, match in enumerate(re.finditer(r"tensor<([0-9x]*)([a-z0-9]+)>",
                                          signature.group(1))):
        shape = [int(d) for d in match.group(1).split("x") if d]
        dtype = DTYPES[match.group(2)]
        if np.dtype(dtype).kind == "f":
            array = rng.standard_normal(shape).astype(dtype)
        else:
            array = rng.integers(0, 2, size=shape).astype(dtype)
        path = args.out / f"input_{i}.npy"
        np.save(path, array)
        flags += ["--input", str(path)]
    print(" ".join(flags))


if __name__ == "__main__":
    main()

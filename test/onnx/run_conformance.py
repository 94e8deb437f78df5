#!/usr/bin/env python3
"""ONNX backend conformance: every node test case the installed onnx package
defines (model + inputs + expected outputs), compiled and run by Kiln.

Each case is classified:
  pass         outputs match within the case's tolerances (ONNX's defaults:
               rtol 1e-3, atol 1e-7)
  mismatch     Kiln compiled and ran it, and an output differs
  unsupported  Kiln refused it with a clean diagnostic (an op, attribute or
               element type it does not have)
  crash        the process died, or Kiln raised something other than a
               clean error

Cases run in a child process, one after another; a child that dies is
recorded as a crash of its case and replaced. Prints a summary line, writes
a per-case table, and exits non-zero on any crash, any mismatch, or any case
of the recorded pass list (--expect) that no longer passes.

With --target, the cases run on that target (opencl: on the machine's
OpenCL platform); the recorded pass list holds for every target, less the
cases <target>-differences.txt lists, each with its reason.

usage: run_conformance.py [--table FILE] [--expect passing.txt]
                          [--update-expect] [--filter REGEX] [--no-fusion]
                          [--target cpu|opencl] [-v]
"""

import argparse
import collections
import multiprocessing
import os
import pathlib
import re
import sys
import warnings

HERE = pathlib.Path(__file__).resolve().parent


def collect_cases():
    """The onnx package's node test cases, generated in memory (no files)."""
    import numpy as np
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # Older onnx case definitions use aliases numpy >= 1.24 removed.
        for name, value in dict(float=float, int=int, bool=bool,
                                object=object).items():
            if not hasattr(np, name):
                setattr(np, name, value)
        from onnx.backend.test.case import node
        return node.collect_testcases("")


def run_case(case, fusion=True, target="cpu"):
    """(status, detail) of one case, in this process."""
    import numpy as np
    import kiln
    try:
        # Tensors come as arrays or numpy scalars; sequences, optionals and
        # TensorProtos of types numpy lacks (bfloat16, float8) are not
        # tensors Kiln can take.
        inputs_ok = all(isinstance(x, (np.ndarray, np.generic))
                        for inputs, _ in case.data_sets for x in inputs)
        if not inputs_ok:
            return "unsupported", "inputs that are not plain tensors"
        compiled = kiln.compile(case.model, target=target, fusion=fusion)
    except kiln.CompileError as error:
        return "unsupported", _first_line(str(error))
    except (TypeError, ValueError) as error:
        return "unsupported", _first_line(str(error))
    for index, (inputs, expected) in enumerate(case.data_sets):
        try:
            actual = compiled(*[np.asarray(x) for x in inputs])
        except ValueError as error:  # an input Kiln's signature cannot take
            return "unsupported", _first_line(str(error))
        if not isinstance(actual, tuple):
            actual = (actual,)
        if len(actual) != len(expected):
            return "mismatch", (f"data set {index}: {len(actual)} outputs, "
                                f"expected {len(expected)}")
        for j, (a, e) in enumerate(zip(actual, expected)):
            e = np.asarray(e)
            if a.shape != e.shape or a.dtype != e.dtype:
                return "mismatch", (f"data set {index} output {j}: "
                                    f"{a.dtype}{list(a.shape)}, expected "
                                    f"{e.dtype}{list(e.shape)}")
            try:
                np.testing.assert_allclose(a, e, rtol=case.rtol,
                                           atol=case.atol, equal_nan=True)
            except AssertionError as error:
                lines = [l for l in str(error).splitlines() if "Max" in l]
                return "mismatch", (f"data set {index} output {j}: " +
                                    "; ".join(l.strip() for l in lines))
    return "pass", ""


def _first_line(text):
    lines = [l for l in text.splitlines() if l.strip()]
    return lines[0][:300] if lines else ""


def _worker(connection, names, fusion, target):
    """Runs the named cases in order, sending (name, status, detail)."""
    warnings.simplefilter("ignore")
    cases = {c.name: c for c in collect_cases()}
    for name in names:
        try:
            status, detail = run_case(cases[name], fusion, target)
        except Exception as error:  # a bug, not a clean diagnostic
            status, detail = "crash", f"{type(error).__name__}: {error}"
        connection.send((name, status, _first_line(detail)))
    connection.close()


def run_all(names, verbose, fusion=True, target="cpu"):
    """Runs cases in a child process; a dead child is a crash of the case it
    was running, and a fresh child carries on with the next."""
    results = {}
    remaining = list(names)
    context = multiprocessing.get_context("spawn")
    while remaining:
        parent, child = context.Pipe(duplex=False)
        process = context.Process(target=_worker,
                                  args=(child, remaining, fusion, target))
        process.start()
        child.close()
        while remaining:
            try:
                name, status, detail = parent.recv()
            except EOFError:
                process.join()
                name = remaining[0]
                status = "crash"
                detail = f"process died (exit code {process.exitcode})"
            results[name] = (status, detail)
            remaining.remove(name)
            if verbose:
                print(f"{status:12} {name} {detail}", flush=True)
            if status == "crash" and detail.startswith("process died"):
                break
        process.join()
    return results


def opencl_missing():
    """Why OpenCL kernels cannot run here, or None when they can."""
    import kiln
    return kiln.devices_unavailable("opencl")


# The exit status ctest counts as skipped (SKIP_RETURN_CODE).
SKIPPED = 77


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", type=pathlib.Path,
                        help="write the per-case table (TSV) here")
    parser.add_argument("--expect", type=pathlib.Path,
                        default=HERE / "passing.txt",
                        help="cases that must pass (one name per line)")
    parser.add_argument("--update-expect", action="store_true",
                        help="rewrite --expect with the cases that pass now")
    parser.add_argument("--filter", default="",
                        help="only cases whose name matches this regex")
    parser.add_argument("--no-fusion", action="store_true",
                        help="compile one kernel per op (kiln-compile "
                        "--no-fusion)")
    parser.add_argument("--target", default="cpu",
                        help="the backend to compile for (cpu, opencl)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    if args.target == "opencl" and opencl_missing():
        print(f"ONNX conformance on opencl: skipped: {opencl_missing()}")
        return SKIPPED

    names = sorted(c.name for c in collect_cases()
                   if re.search(args.filter, c.name))
    results = run_all(names, args.verbose, fusion=not args.no_fusion,
                      target=args.target)
    counts = collections.Counter(status for status, _ in results.values())

    if args.table:
        args.table.parent.mkdir(parents=True, exist_ok=True)
        with open(args.table, "w") as table:
            table.write("case\tstatus\tdetail\n")
            for name in names:
                status, detail = results[name]
                table.write(f"{name}\t{status}\t{detail}\n")

    passing = {n for n, (s, _) in results.items() if s == "pass"}
    if args.update_expect:
        args.expect.write_text("".join(f"{n}\n" for n in sorted(passing)))
    expected = set()
    if args.expect.exists():
        expected = {l.strip() for l in args.expect.read_text().splitlines()
                    if l.strip() and not l.startswith("#")}
    # Cases that pass on the CPU but not on this target, with the reason.
    differences = {}
    listed = HERE / f"{args.target}-differences.txt"
    if args.target != "cpu" and listed.exists():
        for line in listed.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                name, _, reason = line.partition(" ")
                differences[name] = reason.strip()
    regressed = sorted(n for n in expected & set(names)
                       if n not in passing and n not in differences)

    mode = " (no fusion)" if args.no_fusion else ""
    if args.target != "cpu":
        mode += f" on {args.target}"
    print(f"ONNX conformance{mode}: {len(names)} cases: "
          f"{counts['pass']} pass, "
          f"{counts['mismatch']} mismatch, {counts['unsupported']} "
          f"unsupported, {counts['crash']} crash"
          + (f"; table: {args.table}" if args.table else ""))
    failed = False
    for status in ("crash", "mismatch"):
        for name in names:
            if results[name][0] == status:
                print(f"  {status}: {name}: {results[name][1]}")
                failed = True
    for name in regressed:
        print(f"  no longer passes: {name}: {results[name][0]}: "
              f"{results[name][1]}")
        failed = True
    for name in sorted(set(differences) & passing):
        print(f"  {listed.name} lists {name}, which passes now: remove it")
        failed = True
    new = sorted(passing - expected)
    if new and not args.update_expect:
        print(f"  {len(new)} cases pass that {args.expect.name} does not "
              "list yet (--update-expect records them)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

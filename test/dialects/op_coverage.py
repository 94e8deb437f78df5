#!/usr/bin/env python3
"""Checks that every op of a dialect appears in each of the given test files
(round trip, invalid input, lowering...).

The op list comes from the ODS-generated header, so a new op without tests
fails the suite instead of slipping through.

usage: op_coverage.py DIALECT OPS_H_INC TEST.mlir [TEST.mlir ...]
"""
import re
import sys


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__)
    dialect, header, tests = argv[1], argv[2], argv[3:]
    with open(header) as f:
        ops = sorted(set(re.findall(
            r'getOperationName\(\) \{\s*return ::llvm::StringLiteral\("(%s\.\w+)"\)'
            % re.escape(dialect), f.read())))
    if not ops:
        sys.exit(f"error: no {dialect} ops found in {header}")
    missing = []
    for path in tests:
        with open(path) as f:
            text = f.read()
        for op in ops:
            if not re.search(r'"?%s"?[\s(]' % re.escape(op), text):
                missing.append(f"{op} has no test in {path}")
    if missing:
        sys.exit("error: untested ops:\n  " + "\n  ".join(missing))
    print(f"{len(ops)} {dialect} ops, each tested in {len(tests)} files")


if __name__ == "__main__":
    main(sys.argv)

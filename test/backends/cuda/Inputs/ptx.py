"""Prints the PTX objects of the gpu.binary ops in MLIR text (stdin), one
after another, each after a line `// PTX <chip>`: what FileCheck reads."""
import re
import sys

text = sys.stdin.read()
objects = re.findall(
    r'#gpu\.object<#nvvm\.target<[^>]*chip = "(sm_\w+)"[^>]*>, '
    r'(?:properties = \{[^}]*\}, )?assembly = "((?:[^"\\]|\\.)*)"', text)
if not objects:
    sys.exit("no PTX objects in the input")
for chip, escaped in objects:
    ptx = re.sub(r"\\([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)),
                 escaped).replace('\\\\', '\\')
    print(f"// PTX {chip}")
    print(ptx)

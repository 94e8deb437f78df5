"""Checks that every kernel binary kiln-opt printed (a CPU module's
exec.library, a GPU module's #gpu.object) is in the artifact kiln-compile
wrote, byte for byte: kiln-opt replays a compile to its last byte.

usage: binaries_in_artifact.py PRINTED.mlir ARTIFACT.kiln
"""
import re
import sys


def unescape(text):
    """An MLIR string literal's body as bytes (\\XX hex, \\\\, \\", \\n, \\t)."""
    out, i = bytearray(), 0
    simple = {"\\": b"\\", '"': b'"', "n": b"\n", "t": b"\t"}
    while i < len(text):
        if text[i] != "\\":
            out += text[i].encode()
            i += 1
        elif text[i + 1] in simple:
            out += simple[text[i + 1]]
            i += 2
        else:
            out.append(int(text[i + 1:i + 3], 16))
            i += 3
    return bytes(out)


printed = open(sys.argv[1], encoding="latin-1").read()
artifact = open(sys.argv[2], "rb").read()
literal = r'"((?:[^"\\]|\\.)*)"'
binaries = [unescape(m) for m in
            re.findall(r"exec\.library = " + literal, printed) +
            # A #gpu.object's binary is its last literal, before the ">".
            re.findall(r"#gpu\.object<.*?" + literal + ">", printed)]
if not binaries:
    sys.exit("no kernel binary in " + sys.argv[1])
for binary in binaries:
    if len(binary) < 64 or binary not in artifact:
        sys.exit(f"a {len(binary)}-byte kernel binary kiln-opt printed is not "
                 f"in {sys.argv[2]}")
print(f"{len(binaries)} kernel binaries, all in the artifact")

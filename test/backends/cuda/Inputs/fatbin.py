"""Writes the fatbin of the cuda target's gpu.binary in MLIR text (stdin) to
the file argv[1] (the object's bytes after the kiln-cuda header), for
cuobjdump to disassemble."""
import re
import sys

text = sys.stdin.read()
match = re.search(r'"(kiln-cuda 1\\0A(?:[^"\\]|\\.)*)"', text)
if not match:
    sys.exit("no kiln-cuda object in the input")
escaped, data, i = match[1], bytearray(), 0
# MLIR prints a string attribute's bytes as themselves when printable, \\
# for a backslash, and \XX (hex) for any other.
while i < len(escaped):
    if escaped[i] != "\\":
        data += escaped[i].encode("latin-1")
        i += 1
    elif escaped[i + 1] == "\\":
        data += b"\\"
        i += 2
    else:
        data.append(int(escaped[i + 1:i + 3], 16))
        i += 3
header_end = data.index(b"\n\n") + 2
with open(sys.argv[1], "wb") as out:
    out.write(data[header_end:])

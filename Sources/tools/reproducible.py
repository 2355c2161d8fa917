#!/usr/bin/env python3
"""Makes the linked libpkce the same bytes in every build of one source.

The Swift compiler puts a .swift_modhash section into each object: hashes
kept for its incremental builds, which differ from build to build and which
nothing reads at run time (the Swift runtime does not). Their bytes are
zeroed in place; the section stays, so the layout, the program headers
(GNU_RELRO among them) and every address are untouched. The linker hashed
them into the GNU build-id, so the id is then rewritten as the SHA-1 of the
file with the id zeroed. See the Makefile, "Reproducible builds".

Usage: reproducible.py FILE"""

import hashlib
import struct
import sys


def sections(data: bytes) -> dict:
    """Section name -> (file offset, size), of an ELF64 little-endian file."""
    section_offset, = struct.unpack_from("<Q", data, 0x28)
    entry_size, count, names_index = struct.unpack_from("<HHH", data, 0x3A)
    names_offset, = struct.unpack_from("<Q", data, section_offset + names_index * entry_size + 0x18)
    found = {}
    for i in range(count):
        header = section_offset + i * entry_size
        name, = struct.unpack_from("<I", data, header)
        offset, size = struct.unpack_from("<QQ", data, header + 0x18)
        found[data[names_offset + name:].split(b"\0", 1)[0].decode()] = (offset, size)
    return found


def main() -> None:
    path = sys.argv[1]
    data = bytearray(open(path, "rb").read())
    if data[:5] != b"\x7fELF\x02" or data[5] != 1:
        sys.exit("reproducible.py: not a little-endian ELF64 file")
    found = sections(data)
    if ".swift_modhash" in found:
        offset, size = found[".swift_modhash"]
        data[offset:offset + size] = bytes(size)
    if ".note.gnu.build-id" not in found:
        sys.exit("reproducible.py: no .note.gnu.build-id section")
    offset, _ = found[".note.gnu.build-id"]
    name_size, desc_size, kind = struct.unpack_from("<III", data, offset)
    if kind != 3 or desc_size != 20:
        sys.exit("reproducible.py: not a 20-byte GNU build-id")
    start = offset + 12 + (name_size + 3) // 4 * 4
    data[start:start + 20] = bytes(20)
    data[start:start + 20] = hashlib.sha1(data).digest()
    open(path, "wb").write(data)


if __name__ == "__main__":
    main()

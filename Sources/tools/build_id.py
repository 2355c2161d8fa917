#!/usr/bin/env python3
"""Gives a linked ELF file the GNU build-id that its present bytes call for.

The linker hashes the whole output into the build-id; removing a section
afterwards (libpkce's .swift_modhash, which varies from build to build:
see the Makefile, "Reproducible builds") leaves an id that hashes bytes the
file no longer holds, and that differs between otherwise identical builds.
This rewrites the id in place as the SHA-1 of the file with the id zeroed.

Usage: build_id.py FILE"""

import hashlib
import struct
import sys


def build_id_range(data: bytes) -> tuple:
    """Where the 20-byte descriptor of the .note.gnu.build-id section lies (ELF64, little-endian)."""
    section_offset, = struct.unpack_from("<Q", data, 0x28)
    entry_size, count, names_index = struct.unpack_from("<HHH", data, 0x3A)
    names_offset, = struct.unpack_from("<Q", data, section_offset + names_index * entry_size + 0x18)
    for i in range(count):
        header = section_offset + i * entry_size
        name, = struct.unpack_from("<I", data, header)
        if data[names_offset + name:].split(b"\0", 1)[0] == b".note.gnu.build-id":
            offset, = struct.unpack_from("<Q", data, header + 0x18)
            name_size, desc_size, kind = struct.unpack_from("<III", data, offset)
            start = offset + 12 + (name_size + 3) // 4 * 4
            if kind != 3 or desc_size != 20:
                sys.exit("build_id.py: not a 20-byte GNU build-id")
            return start, start + 20
    sys.exit("build_id.py: no .note.gnu.build-id section")


def main() -> None:
    path = sys.argv[1]
    data = bytearray(open(path, "rb").read())
    if data[:5] != b"\x7fELF\x02" or data[5] != 1:
        sys.exit("build_id.py: not a little-endian ELF64 file")
    start, end = build_id_range(data)
    data[start:end] = bytes(20)
    data[start:end] = hashlib.sha1(data).digest()
    open(path, "wb").write(data)


if __name__ == "__main__":
    main()

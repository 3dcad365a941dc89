#!/usr/bin/env python3
"""Writes the bad .npy files of this folder (no numpy needed): each differs from a
valid float32 C-order array of shape (2, 3, 4), the grid of the driver scenarios, in
one way. Run from this folder: python3 make_npy.py"""
import struct


def header(descr="<f4", fortran=False, shape="(2, 3, 4)", extra=""):
    d = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, %s}" % (
        descr, "True" if fortran else "False", shape, extra)
    return d


def npy(dict_text, data, version=1, magic=b"\x93NUMPY", length=None):
    h = dict_text.encode("latin1")
    pre = 10 if version == 1 else 12
    pad = (64 - (pre + len(h) + 1) % 64) % 64
    h = h + b" " * pad + b"\n"
    n = len(h) if length is None else length
    size = struct.pack("<H", n) if version == 1 else struct.pack("<I", n)
    return magic + bytes([version, 0]) + size + h + data


def f4(values, endian="<"):
    return b"".join(struct.pack(endian + "f", v) for v in values)


ones = [1.0] * 24
files = {
    "f64.npy": npy(header("<f8"), b"".join(struct.pack("<d", v) for v in ones)),
    "i32.npy": npy(header("<i4"), b"".join(struct.pack("<i", 1) for _ in ones)),
    "u8_mask.npy": npy(header("|u1"), bytes([1] * 24)),
    "big_endian.npy": npy(header(">f4"), f4(ones, ">")),
    "shape_mismatch.npy": npy(header(shape="(2, 3, 5)"), f4([1.0] * 30)),
    "shape_2d.npy": npy(header(shape="(6, 4)"), f4(ones)),
    "truncated.npy": npy(header(), f4(ones)[:50]),
    "trailing_bytes.npy": npy(header(), f4(ones) + b"\0" * 8),
    "fortran_order.npy": npy(header(fortran=True), f4(ones)),
    "bad_magic.npy": b"z,y,x,value\n0,0,0,1.0\n",
    "no_shape_key.npy": npy("{'descr': '<f4', 'fortran_order': False, }", f4(ones)),
    "shape_not_numbers.npy": npy(header(shape="(2, 'three', 4)"), f4(ones)),
    "header_truncated.npy": npy(header(), b"", length=4000),
    "version_9.npy": npy(header(), f4(ones), version=9),
    "empty.npy": b"",
    "nan_value.npy": npy(header(), f4([1.0] * 5 + [float("nan")] + [1.0] * 18)),
    "viable_above_one.npy": npy(header(), f4([1.0] * 13 + [1.5] + [1.0] * 10)),
    "negative_sv.npy": npy(header(), f4([0.01] * 7 + [-0.2] + [0.01] * 16)),
    "good.npy": npy(header(), f4(ones)),
    "mask_shape_mismatch.npy": npy(header(shape="(3, 3, 4)"), f4([1.0] * 36)),
}
for name, data in files.items():
    with open(name, "wb") as f:
        f.write(data)

#!/usr/bin/env python3
"""Writes the malformed `.jbc` fixtures of tests/bad/, one per loader or
verifier error class that assembly text cannot produce. Each starts from the
same valid module (main returns 0) and breaks one thing. The expected
diagnostics are in the matching `.err` files, checked by tests/bad_inputs.rs.
Run from the repository root: python3 tests/bad/make_bad_jbc.py
"""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)))
MAGIC = b"\0JBC"
I32, I64, F32, F64 = 1, 2, 3, 4


def leb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n == 0:
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def name(s):
    b = s if isinstance(s, bytes) else s.encode()
    return leb(len(b)) + b


def section(sid, payload):
    return bytes([sid]) + leb(len(payload)) + payload


def header(version=1):
    return MAGIC + struct.pack("<I", version)


def reg(r):
    return struct.pack("<H", r)


def u32(v):
    return struct.pack("<I", v)


# Instructions used below (bytes from bytecode/src/bytecode/opcodes.rs).
def i32_const(r, v):
    return b"\x10" + reg(r) + struct.pack("<i", v)


def ret(*regs):
    return b"\x09" + bytes([len(regs)]) + b"".join(reg(r) for r in regs)


def call(f, results, args):
    return (b"\x07" + u32(f) + bytes([len(results)]) + b"".join(reg(r) for r in results)
            + bytes([len(args)]) + b"".join(reg(r) for r in args))


def function(fname, sig, regs, code):
    return name(fname) + leb(sig) + leb(len(regs)) + bytes(regs) + leb(len(code)) + code


MAIN_SIG = leb(0) + leb(1) + bytes([I32])        # () -> i32
MAIN_CODE = i32_const(0, 0) + ret(0)


def types(*sigs):
    return section(1, leb(len(sigs)) + b"".join(sigs))


def functions(*funcs):
    return section(3, leb(len(funcs)) + b"".join(funcs))


def exports(*pairs):
    return section(5, leb(len(pairs)) + b"".join(name(n) + leb(f) for n, f in pairs))


def module(type_sec=None, func_sec=None, export_sec=None, extra=b"", version=1):
    return (header(version)
            + (types(MAIN_SIG) if type_sec is None else type_sec)
            + (functions(function("main", 0, [I32], MAIN_CODE)) if func_sec is None else func_sec)
            + (exports(("main", 0)) if export_sec is None else export_sec)
            + extra)


FIXTURES = {
    # The loader (D codes).
    "bad_magic": b"\x7fELF\x02\x01\x01\x00" + bytes(8),
    "unsupported_version": module(version=7),
    "truncated": module()[:6],
    "truncated_section": module()[:-5],
    "trailing_bytes": header() + types(MAIN_SIG) + section(2, leb(1) + leb(1) + b"\x00")
    + functions(function("main", 0, [I32], MAIN_CODE)) + exports(("main", 0)),
    "section_past_end": header() + bytes([1]) + leb(200) + leb(1) + MAIN_SIG,
    "duplicate_section": header() + types(MAIN_SIG) + types(MAIN_SIG),
    "out_of_order_section": header() + types(MAIN_SIG) + exports(("main", 0))
    + functions(function("main", 0, [I32], MAIN_CODE)),
    "empty_section": header() + section(4, leb(0)) ,
    "unknown_section": module(extra=section(9, b"")),
    "overlong_integer": header() + types(MAIN_SIG) + section(2, b"\x81\x00" + leb(1)),
    "integer_too_large": header() + types(MAIN_SIG) + section(2, b"\xff\xff\xff\xff\x7f" + leb(1)),
    "count_past_end": header() + section(1, leb(1000) + MAIN_SIG),
    # A register count one past MAX_REGISTERS, refused before its types are read.
    "limit_exceeded": module(func_sec=functions(
        name("main") + leb(0) + leb(65536) + bytes([I32]) + leb(len(MAIN_CODE)) + MAIN_CODE)),
    # A signature of 256 parameters, one past MAX_PARAMS.
    "too_many_params": module(type_sec=types(MAIN_SIG, leb(256) + bytes([I64]) * 256 + leb(0))),
    "invalid_utf8_name": module(func_sec=functions(function(b"ma\xffin", 0, [I32], MAIN_CODE))),
    "bad_value_type": header() + types(leb(1) + bytes([9]) + leb(0)),
    # Two results in a version-1 file, which allows 0 or 1.
    "bad_result_count": header() + types(leb(0) + leb(2) + bytes([I32, I32])),
    # Version 2 allows 255 results.
    "results_limit_exceeded": header(2) + types(leb(0) + leb(256) + bytes([I32] * 256)),
    "unknown_opcode": module(func_sec=functions(function("main", 0, [I32], b"\xff" + MAIN_CODE))),
    "instruction_past_end": module(func_sec=functions(function("main", 0, [I32], MAIN_CODE + b"\x10\x00"))),
    # Version 2: a data segment's mode byte is 0x00 (active) or 0x01 (passive).
    "data_bad_mode": module(version=2, extra=section(6, leb(1) + b"\x02" + leb(1) + b"x")),
    # The verifier (V codes) on binary input: indices text cannot spell.
    "function_index_out_of_range": module(func_sec=functions(
        function("main", 0, [I32], call(5, [0], []) + ret(0)))),
    "signature_index_out_of_range": module(func_sec=functions(function("main", 3, [I32], MAIN_CODE))),
    "table_entry_out_of_range": header() + types(MAIN_SIG) + functions(function("main", 0, [I32], MAIN_CODE))
    + section(4, leb(1) + leb(9)) + exports(("main", 0)),
    "duplicate_signature": module(type_sec=types(MAIN_SIG, MAIN_SIG)),
    "unknown_device_op": module(func_sec=functions(function(
        "main", 0, [I32], b"\x0b" + struct.pack("<H", 0x0963) + b"\x01" + reg(0) + b"\x00" + ret(0)))),
    "label_not_at_instruction": module(extra=section(7, leb(1) + leb(0) + leb(3) + name("middle"))),
    "bad_function_name": module(func_sec=functions(function("two words", 0, [I32], MAIN_CODE)),
                                export_sec=exports(("main", 0))),
    "parameter_register_type": header() + types(MAIN_SIG, leb(1) + bytes([I64]) + leb(0))
    + functions(function("main", 0, [I32], MAIN_CODE), function("f", 1, [F64], ret()))
    + exports(("main", 0)),
}

for fixture, data in FIXTURES.items():
    with open(os.path.join(OUT, fixture + ".jbc"), "wb") as f:
        f.write(data)

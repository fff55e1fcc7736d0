"""Runs a WASI command module under wasmtime (its Python bindings) for
`make bench`, timing only the call of `_start`.

Usage: python3 wasmtime_run.py PROG.wasm [ARGS...]

The module is compiled (by Cranelift) and instantiated before the clock
starts, so neither Python's start-up nor compilation is charged to the run,
as `janusc build` is not charged to the AOT executable. The guest sees
argv = ["prog", ARGS...] and the process's own standard streams. Prints
`wasmtime-seconds WALL CPU` (wall-clock and this process's CPU seconds of
`_start`) on the last line of standard error and exits with the
guest's exit code (proc_exit, or 0 when `_start` returns).
"""

import sys
import time

import wasmtime


def main() -> int:
    if len(sys.argv) < 2:
        print("usage: wasmtime_run.py PROG.wasm [ARGS...]", file=sys.stderr)
        return 2
    engine = wasmtime.Engine()
    module = wasmtime.Module.from_file(engine, sys.argv[1])
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    store = wasmtime.Store(engine)
    wasi = wasmtime.WasiConfig()
    wasi.argv = ["prog", *sys.argv[2:]]
    wasi.inherit_stdout()
    wasi.inherit_stderr()
    store.set_wasi(wasi)
    instance = linker.instantiate(store, module)
    start = instance.exports(store)["_start"]
    code = 0
    begin = time.perf_counter()
    begin_cpu = time.process_time()
    try:
        start(store)
    except wasmtime.ExitTrap as exit_trap:
        code = exit_trap.code
    cpu = time.process_time() - begin_cpu
    elapsed = time.perf_counter() - begin
    sys.stdout.flush()
    print(f"wasmtime-seconds {elapsed:.6f} {cpu:.6f}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())

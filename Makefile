# JanusVM developer entry points. `make test` is what CI runs (.ci/run).
SHELL := /bin/bash
CARGO ?= cargo
JANUSC := target/release/janusc
export LLVM_SYS_191_PREFIX ?= /usr/lib/llvm-19

.PHONY: setup build demo test bench fuzz fmt clean man

## setup: install what a fresh Debian machine lacks, idempotently: LLVM 19
## (the back end, linked statically into libjanus_llvm.so, hence Polly's
## and zstd's static libraries too) and the WebAssembly producers the tests compile C with
## (clang-19 for wasm32-wasi, lld-19, wasi-libc, the wasm32 compiler-rt
## builtins, and wabt).
SETUP_PACKAGES := llvm-19-dev libpolly-19-dev libzstd-dev clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32 wabt
setup:
	@missing=""; for p in $(SETUP_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then \
	  echo "setup: LLVM 19 and the WebAssembly tools are present ($$(llvm-config-19 --version))"; \
	elif command -v apt-get >/dev/null 2>&1; then \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  echo "setup: installing$$missing with apt-get"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	  command -v llvm-config-19 >/dev/null || { echo "setup: llvm-config-19 still missing after apt-get" >&2; exit 1; }; \
	  command -v clang-19 >/dev/null || { echo "setup: clang-19 still missing after apt-get" >&2; exit 1; }; \
	else \
	  echo "setup: missing$$missing and this is not a Debian-like system." >&2; \
	  echo "       Install LLVM 19 development files by hand and set LLVM_SYS_191_PREFIX to their prefix;" >&2; \
	  echo "       the WebAssembly tests also need clang 19 with a wasm32-wasi sysroot." >&2; \
	  exit 1; \
	fi
	@command -v $(CARGO) >/dev/null || { echo "setup: cargo is missing: install Rust from rustup.rs" >&2; exit 1; }

build: setup
	$(CARGO) build --release -p janusc

## demo: build a sample to a native executable and run it.
demo: build
	$(JANUSC) asm samples/fib.jasm -o target/fib.jbc
	$(JANUSC) build target/fib.jbc -O2 -o target/fib
	@echo "--- target/fib: a native executable ($$(wc -c < target/fib) bytes) built from bytecode; running it:"
	./target/fib

## test: every test, snapshots compared, no snapshot written.
test: setup
	INSTA_UPDATE=no $(CARGO) test --workspace --quiet

## bench: measurements too long for tests; installs lua5.4, luajit and
## hyperfine where missing, and the WebAssembly peers: wasmtime's Python
## bindings with pip, wasmi_cli with cargo (wasm2c comes with setup's
## wabt). The report lands in bench/results.md and bench/results.svg
## (BENCH_ROUNDS=N for more rounds, BENCH_ONLY=a,b for some programs).
BENCH_TOOLS := lua5.4 luajit hyperfine
PYTHON ?= python3
CARGO_HOME_BIN := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin
bench: build
	@missing=""; for t in $(BENCH_TOOLS); do command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  echo "bench: installing$$missing with apt-get"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	@if ! $(PYTHON) -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("wasmtime") is None)'; then \
	  echo "bench: installing wasmtime's Python bindings with pip"; $(PYTHON) -m pip install -q wasmtime; \
	fi
	@if [ -z "$$(command -v wasmi)$$(command -v $(CARGO_HOME_BIN)/wasmi)" ]; then \
	  echo "bench: installing wasmi_cli with cargo"; $(CARGO) install -q --locked wasmi_cli; \
	fi
	$(CARGO) run --release -q -p janus-bench --bin check_speed
	$(CARGO) run --release -q -p janus-bench --bin memory
	$(CARGO) run --release -q -p janus-bench --bin huge
	$(CARGO) run --release -q -p janus-bench --bin ssa_speed
	$(CARGO) run --release -q -p janus-bench --bin aot
	$(CARGO) run --release -q -p janus-bench --bin globals
	$(CARGO) run --release -q -p janus-bench --bin startup
	BENCH_PYTHON=$(PYTHON) $(CARGO) run --release -q -p janus-bench --bin wasm
	$(CARGO) run --release -q -p janus-bench --bin report

## man: the man page, generated from janusc's own argument definitions,
## written to target/janusc.1 (read it with `man -l target/janusc.1`).
man: build
	$(JANUSC) print man-page -o target/janusc.1

fmt:
	$(CARGO) fmt --all

clean:
	$(CARGO) clean

## fuzz: run each cargo-fuzz target in FUZZ_TARGETS (default: load
## assemble verify wasm_translate) for FUZZ_SECONDS (default 60) and print
## executions, executions per second and corpus size per target
## (fuzz/campaign.sh; corpora in fuzz/corpus/, reproducers in
## fuzz/artifacts/); then FUZZ_PROGRAMS (default 20000) generated programs
## under every engine, disagreeing programs in target/differential/; then
## FUZZ_WASM_MODULES (default 5000) wasm-smith modules under wasmi and every
## engine, disagreeing modules in target/wasm-differential/.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= load assemble verify wasm_translate
FUZZ_PROGRAMS ?= 20000
FUZZ_START ?= 1000000
FUZZ_WASM_MODULES ?= 5000
fuzz: build
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_TARGETS="$(FUZZ_TARGETS)" JANUSC=$(CURDIR)/$(JANUSC) bash fuzz/campaign.sh
	JANUS_DIFF_PROGRAMS=$(FUZZ_PROGRAMS) JANUS_DIFF_START=$(FUZZ_START) $(CARGO) test --release -q -p janusc --test differential -- --nocapture
	JANUS_WASM_DIFF_SEEDS=$(FUZZ_WASM_MODULES) JANUS_WASM_DIFF_START=$(FUZZ_START) $(CARGO) test --release -q -p janusc --test wasm_differential -- --nocapture

//! LLVM's `LLVM_Initialize{All,Native}*` wrappers, defined here over the
//! three backends JanusVM is built with (x86-64, AArch64, RISC-V) instead
//! of llvm-sys's C wrappers (its `disable-alltargets-init` feature).
//!
//! inkwell calls these wrappers (`Target::initialize_native`, and MCJIT
//! engine creation), so they must exist; llvm-sys's versions call every
//! target of the LLVM build, and that one reference made the linker pull
//! all of Debian's static LLVM targets (AMDGPU, Hexagon, PowerPC, ...) into
//! libjanus_llvm.so: 85 MB, with 633 static constructors run at every
//! load. Defining the wrappers over the linked targets keeps the others out.

use llvm_sys::prelude::LLVMBool;
use llvm_sys::target as t;

/// Registers the target info of every linked backend.
#[no_mangle]
pub extern "C" fn LLVM_InitializeAllTargetInfos() {
    // SAFETY: LLVM's target registration functions take no arguments and
    // are idempotent.
    unsafe {
        t::LLVMInitializeX86TargetInfo();
        t::LLVMInitializeAArch64TargetInfo();
        t::LLVMInitializeRISCVTargetInfo();
    }
}

/// Registers every linked backend's target.
#[no_mangle]
pub extern "C" fn LLVM_InitializeAllTargets() {
    // SAFETY: as above.
    unsafe {
        t::LLVMInitializeX86Target();
        t::LLVMInitializeAArch64Target();
        t::LLVMInitializeRISCVTarget();
    }
}

/// Registers every linked backend's machine-code layer.
#[no_mangle]
pub extern "C" fn LLVM_InitializeAllTargetMCs() {
    // SAFETY: as above.
    unsafe {
        t::LLVMInitializeX86TargetMC();
        t::LLVMInitializeAArch64TargetMC();
        t::LLVMInitializeRISCVTargetMC();
    }
}

/// Registers every linked backend's assembly printer.
#[no_mangle]
pub extern "C" fn LLVM_InitializeAllAsmPrinters() {
    // SAFETY: as above.
    unsafe {
        t::LLVMInitializeX86AsmPrinter();
        t::LLVMInitializeAArch64AsmPrinter();
        t::LLVMInitializeRISCVAsmPrinter();
    }
}

/// Registers every linked backend's assembly parser.
#[no_mangle]
pub extern "C" fn LLVM_InitializeAllAsmParsers() {
    // SAFETY: as above.
    unsafe {
        t::LLVMInitializeX86AsmParser();
        t::LLVMInitializeAArch64AsmParser();
        t::LLVMInitializeRISCVAsmParser();
    }
}

/// Registers every linked backend's disassembler.
#[no_mangle]
pub extern "C" fn LLVM_InitializeAllDisassemblers() {
    // SAFETY: as above.
    unsafe {
        t::LLVMInitializeX86Disassembler();
        t::LLVMInitializeAArch64Disassembler();
        t::LLVMInitializeRISCVDisassembler();
    }
}

/// The host's backend: its target info, target and machine-code layer, as
/// LLVM's `LLVMInitializeNativeTarget`. Returns 0 (success).
#[no_mangle]
pub extern "C" fn LLVM_InitializeNativeTarget() -> LLVMBool {
    // SAFETY: as above.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        {
            t::LLVMInitializeX86TargetInfo();
            t::LLVMInitializeX86Target();
            t::LLVMInitializeX86TargetMC();
        }
        #[cfg(target_arch = "aarch64")]
        {
            t::LLVMInitializeAArch64TargetInfo();
            t::LLVMInitializeAArch64Target();
            t::LLVMInitializeAArch64TargetMC();
        }
        #[cfg(target_arch = "riscv64")]
        {
            t::LLVMInitializeRISCVTargetInfo();
            t::LLVMInitializeRISCVTarget();
            t::LLVMInitializeRISCVTargetMC();
        }
    }
    0
}

/// The host backend's assembly printer. Returns 0 (success).
#[no_mangle]
pub extern "C" fn LLVM_InitializeNativeAsmPrinter() -> LLVMBool {
    // SAFETY: as above.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        t::LLVMInitializeX86AsmPrinter();
        #[cfg(target_arch = "aarch64")]
        t::LLVMInitializeAArch64AsmPrinter();
        #[cfg(target_arch = "riscv64")]
        t::LLVMInitializeRISCVAsmPrinter();
    }
    0
}

/// The host backend's assembly parser. Returns 0 (success).
#[no_mangle]
pub extern "C" fn LLVM_InitializeNativeAsmParser() -> LLVMBool {
    // SAFETY: as above.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        t::LLVMInitializeX86AsmParser();
        #[cfg(target_arch = "aarch64")]
        t::LLVMInitializeAArch64AsmParser();
        #[cfg(target_arch = "riscv64")]
        t::LLVMInitializeRISCVAsmParser();
    }
    0
}

/// The host backend's disassembler. Returns 0 (success).
#[no_mangle]
pub extern "C" fn LLVM_InitializeNativeDisassembler() -> LLVMBool {
    // SAFETY: as above.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        t::LLVMInitializeX86Disassembler();
        #[cfg(target_arch = "aarch64")]
        t::LLVMInitializeAArch64Disassembler();
        #[cfg(target_arch = "riscv64")]
        t::LLVMInitializeRISCVDisassembler();
    }
    0
}

/// `llvm::AllAnalysesOn<llvm::Loop>::SetKey`, an empty key object (8 bytes,
/// compared by address) that C++ defines weakly in every object using it.
#[export_name = "_ZN4llvm13AllAnalysesOnINS_4LoopEE6SetKeyE"]
pub static LOOP_ANALYSES_SET_KEY: [u64; 1] = [0];

/* A minimal WASI preview 1 host for wasm2c output, for `make bench` only.
 *
 * wabt ships wasm2c's runtime (wasm-rt-impl.c) but no WASI implementation,
 * and uvwasi is not packaged in Debian, so this file implements exactly the
 * imports the benchmark programs (samples/c/*.c built by clang-19 for
 * wasm32-wasi) use: args_get, args_sizes_get, fd_write, fd_close,
 * fd_fdstat_get, fd_seek and proc_exit. A program importing anything else
 * fails to link, which is the signal to add it here.
 *
 * The module is translated with `wasm2c -n prog`, so its symbols are
 * Z_prog*, and built with gcc -O2 together with this file and
 * wasm-rt-impl.c, with wasm2c's defaults: guard pages catch out-of-bounds
 * accesses (WASM_RT_MEMCHECK_SIGNAL_HANDLER), no explicit bounds checks.
 *
 * Every pointer the guest hands over is checked against the memory's size
 * before it is used: bad input gives WASI's EFAULT, never a host crash.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "prog.h"
#include "wasm-rt-impl.h"

/* WASI errno values (wasi_snapshot_preview1 `errno`). */
enum {
  WASI_ESUCCESS = 0,
  WASI_EBADF = 8,
  WASI_EFAULT = 21,
  WASI_EINVAL = 28,
  WASI_EIO = 29,
  WASI_ESPIPE = 70,
};

/* WASI file types and the two rights wasi-libc's isatty looks at. */
enum {
  WASI_FILETYPE_UNKNOWN = 0,
  WASI_FILETYPE_CHARACTER_DEVICE = 2,
  WASI_FILETYPE_DIRECTORY = 3,
  WASI_FILETYPE_REGULAR_FILE = 4,
};
#define WASI_RIGHTS_FD_SEEK (1ull << 2)
#define WASI_RIGHTS_FD_TELL (1ull << 5)

struct Z_wasi_snapshot_preview1_instance_t {
  wasm_rt_memory_t* memory;
  int argc;
  char** argv;
};

/* The guest's bytes [ptr, ptr + len), or NULL when they are not all inside
 * its memory. */
static uint8_t* guest(struct Z_wasi_snapshot_preview1_instance_t* w, u64 ptr,
                      u64 len) {
  if (ptr > w->memory->size || len > w->memory->size - ptr) return NULL;
  return w->memory->data + ptr;
}

static u32 errno_to_wasi(int e) {
  switch (e) {
    case EBADF:
      return WASI_EBADF;
    case EINVAL:
      return WASI_EINVAL;
    case ESPIPE:
      return WASI_ESPIPE;
    default:
      return WASI_EIO;
  }
}

static void store_u32(uint8_t* p, u32 v) { memcpy(p, &v, 4); }
static void store_u64(uint8_t* p, u64 v) { memcpy(p, &v, 8); }

u32 Z_wasi_snapshot_preview1Z_args_sizes_get(
    struct Z_wasi_snapshot_preview1_instance_t* w, u32 argc_ptr,
    u32 size_ptr) {
  uint8_t* argc = guest(w, argc_ptr, 4);
  uint8_t* size = guest(w, size_ptr, 4);
  if (!argc || !size) return WASI_EFAULT;
  u64 bytes = 0;
  for (int i = 0; i < w->argc; i++) bytes += strlen(w->argv[i]) + 1;
  store_u32(argc, (u32)w->argc);
  store_u32(size, (u32)bytes);
  return WASI_ESUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_args_get(
    struct Z_wasi_snapshot_preview1_instance_t* w, u32 argv_ptr,
    u32 buf_ptr) {
  u64 at = buf_ptr;
  for (int i = 0; i < w->argc; i++) {
    u64 len = strlen(w->argv[i]) + 1;
    uint8_t* slot = guest(w, (u64)argv_ptr + 4 * (u64)i, 4);
    uint8_t* text = guest(w, at, len);
    if (!slot || !text) return WASI_EFAULT;
    store_u32(slot, (u32)at);
    memcpy(text, w->argv[i], len);
    at += len;
  }
  return WASI_ESUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_fd_write(
    struct Z_wasi_snapshot_preview1_instance_t* w, u32 fd, u32 iovs_ptr,
    u32 iovs_len, u32 written_ptr) {
  uint8_t* written = guest(w, written_ptr, 4);
  uint8_t* iovs = guest(w, iovs_ptr, 8 * (u64)iovs_len);
  if (!written || !iovs) return WASI_EFAULT;
  u64 total = 0;
  for (u32 i = 0; i < iovs_len; i++) {
    u32 base, len;
    memcpy(&base, iovs + 8 * i, 4);
    memcpy(&len, iovs + 8 * i + 4, 4);
    uint8_t* bytes = guest(w, base, len);
    if (!bytes) return WASI_EFAULT;
    u32 done = 0;
    while (done < len) {
      ssize_t n = write((int)fd, bytes + done, len - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (total + done > 0) break;
        return errno_to_wasi(errno);
      }
      done += (u32)n;
    }
    total += done;
    if (done < len) break;
  }
  store_u32(written, (u32)total);
  return WASI_ESUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_fd_close(
    struct Z_wasi_snapshot_preview1_instance_t* w, u32 fd) {
  (void)w;
  return close((int)fd) == 0 ? WASI_ESUCCESS : errno_to_wasi(errno);
}

u32 Z_wasi_snapshot_preview1Z_fd_fdstat_get(
    struct Z_wasi_snapshot_preview1_instance_t* w, u32 fd, u32 stat_ptr) {
  uint8_t* stat_out = guest(w, stat_ptr, 24);
  if (!stat_out) return WASI_EFAULT;
  struct stat st;
  if (fstat((int)fd, &st) != 0) return errno_to_wasi(errno);
  u32 type = WASI_FILETYPE_UNKNOWN;
  if (S_ISCHR(st.st_mode)) type = WASI_FILETYPE_CHARACTER_DEVICE;
  if (S_ISDIR(st.st_mode)) type = WASI_FILETYPE_DIRECTORY;
  if (S_ISREG(st.st_mode)) type = WASI_FILETYPE_REGULAR_FILE;
  u64 rights = ~0ull;
  /* A terminal cannot seek: wasi-libc's isatty needs both facts. */
  if (type == WASI_FILETYPE_CHARACTER_DEVICE)
    rights &= ~(WASI_RIGHTS_FD_SEEK | WASI_RIGHTS_FD_TELL);
  memset(stat_out, 0, 24);
  stat_out[0] = (uint8_t)type;
  store_u64(stat_out + 8, rights);
  store_u64(stat_out + 16, rights);
  return WASI_ESUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_fd_seek(
    struct Z_wasi_snapshot_preview1_instance_t* w, u32 fd, u64 offset,
    u32 whence, u32 result_ptr) {
  uint8_t* result = guest(w, result_ptr, 8);
  if (!result) return WASI_EFAULT;
  int how;
  switch (whence) {
    case 0:
      how = SEEK_SET;
      break;
    case 1:
      how = SEEK_CUR;
      break;
    case 2:
      how = SEEK_END;
      break;
    default:
      return WASI_EINVAL;
  }
  off_t at = lseek((int)fd, (off_t)offset, how);
  if (at < 0) return errno_to_wasi(errno);
  store_u64(result, (u64)at);
  return WASI_ESUCCESS;
}

void Z_wasi_snapshot_preview1Z_proc_exit(
    struct Z_wasi_snapshot_preview1_instance_t* w, u32 code) {
  (void)w;
  exit((int)code);
}

int main(int argc, char** argv) {
  wasm_rt_init();
  Z_prog_init_module();
  static Z_prog_instance_t instance;
  struct Z_wasi_snapshot_preview1_instance_t wasi = {NULL, argc, argv};
  Z_prog_instantiate(&instance, &wasi);
  wasi.memory = Z_progZ_memory(&instance);
  wasm_rt_trap_t trap = wasm_rt_impl_try();
  if (trap != WASM_RT_TRAP_NONE) {
    fprintf(stderr, "trap: %s\n", wasm_rt_strerror(trap));
    return 134;
  }
  Z_progZ__start(&instance);
  Z_prog_free(&instance);
  wasm_rt_free();
  return 0;
}

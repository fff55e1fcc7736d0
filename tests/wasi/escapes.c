/* Tries every way out of a preopened directory, and the ways around
 * inside it that must keep working; prints what each gave. Run by
 * tests/engines.rs as `janusc run --engine all --dir root escapes.wasm --
 * root` in a directory holding root/ (b.txt, a/file.txt, link_root -> /,
 * link_up -> .., inside -> b.txt, link_dir -> a) and outside/secret.txt;
 * its output is escapes.out. The raw __wasi_path_open calls pass paths
 * to the host as written (wasi-libc itself answers ENOENT for an absolute
 * path no preopen covers, before the host sees it). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

static void said(const char *what, int r) {
    if (r == 0)
        printf("%-40s ok\n", what);
    else
        printf("%-40s errno %d (%s)\n", what, errno, strerror(errno));
}

static void try_fopen(const char *path) {
    errno = 0;
    FILE *f = fopen(path, "r");
    char label[128];
    snprintf(label, sizeof label, "fopen %s", path);
    if (!f) {
        said(label, -1);
        return;
    }
    char buf[64] = {0};
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    printf("%-40s ok: %zu bytes \"%s\"\n", label, n, buf);
}

static void try_stat(const char *path, int follow) {
    struct stat st;
    errno = 0;
    int r = follow ? stat(path, &st) : lstat(path, &st);
    char label[128];
    snprintf(label, sizeof label, "%s %s", follow ? "stat" : "lstat", path);
    if (r != 0) {
        said(label, r);
        return;
    }
    printf("%-40s ok: %s\n", label,
           S_ISDIR(st.st_mode) ? "directory" : S_ISLNK(st.st_mode) ? "symlink" : "file");
}

static void raw_open(const char *path) {
    __wasi_fd_t fd;
    __wasi_errno_t e = __wasi_path_open(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, 0,
                                        __WASI_RIGHTS_FD_READ, 0, 0, &fd);
    printf("%-40s wasi errno %d\n", path, e);
    if (e == 0 && __wasi_fd_close(fd) != 0)
        printf("close failed\n");
}

int main(void) {
    printf("-- escapes\n");
    try_fopen("root/../outside/secret.txt");
    try_fopen("root/a/../../outside/secret.txt");
    try_fopen("root/link_root/etc/hostname");
    try_fopen("root/link_up/outside/secret.txt");
    try_fopen("root/link_dir/../../outside/secret.txt");
    try_fopen("/etc/passwd");
    raw_open("/etc/passwd");
    raw_open("..");
    raw_open("../outside/secret.txt");
    raw_open("link_root");
    try_stat("root/..", 1);
    try_stat("root/link_root", 1);
    try_stat("root/link_up", 1);
    errno = 0;
    said("mkdir root/../made", mkdir("root/../made", 0755));
    errno = 0;
    said("unlink root/../outside/secret.txt", unlink("root/../outside/secret.txt"));
    errno = 0;
    said("unlink root/link_up/outside/secret.txt", unlink("root/link_up/outside/secret.txt"));
    errno = 0;
    said("rename root/b.txt root/../stolen", rename("root/b.txt", "root/../stolen"));
    errno = 0;
    said("rmdir root/link_up/outside", rmdir("root/link_up/outside"));
    errno = 0;
    said("opendir root/link_up", opendir("root/link_up") ? 0 : -1);

    printf("-- inside\n");
    try_fopen("root/b.txt");
    try_fopen("root/a/../b.txt");
    try_fopen("root/inside");
    try_fopen("root/link_dir/file.txt");
    try_fopen("root/link_dir/../b.txt");
    try_stat("root/inside", 1);
    try_stat("root/inside", 0);
    try_stat("root/link_root", 0);
    try_stat("root/a/..", 1);
    errno = 0;
    said("mkdir root/a/../new", mkdir("root/a/../new", 0755));
    errno = 0;
    said("rename root/b.txt root/new/b.txt", rename("root/b.txt", "root/new/b.txt"));
    try_fopen("root/new/b.txt");
    errno = 0;
    said("rename root/new/b.txt root/b.txt", rename("root/new/b.txt", "root/b.txt"));
    errno = 0;
    said("rmdir root/new", rmdir("root/new"));
    return 0;
}

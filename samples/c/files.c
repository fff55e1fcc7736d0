/* Files in a directory given as the first argument (under JanusVM, a
 * preopened one: `janusc run --dir DIR prog.wasm -- DIR`): reads
 * DIR/input.txt, writes, appends to and reads back a new file, seeks,
 * stats, lists the directory sorted by name, makes, renames and removes a
 * file and a directory, lists a directory of 300 entries (more than one
 * fd_readdir buffer holds), and leaves DIR as it found it (so every engine of
 * `--engine all` sees the same directory). Prints the same bytes built
 * natively by gcc with DIR as the argument. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *dir;

static const char *in_dir(const char *name) {
    static char buf[4][512];
    static int next;
    char *out = buf[next++ % 4];
    snprintf(out, sizeof buf[0], "%s/%s", dir, name);
    return out;
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every entry but . and .., sorted, with its kind and size. */
static void list(const char *label) {
    DIR *d = opendir(dir);
    if (!d) {
        printf("opendir failed\n");
        exit(2);
    }
    char *names[256];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 256) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], by_name);
    printf("%s: %d entries\n", label, n);
    for (int i = 0; i < n; i++) {
        struct stat st;
        if (stat(in_dir(names[i]), &st) != 0) {
            printf("  %s: stat failed\n", names[i]);
        } else if (S_ISDIR(st.st_mode)) {
            printf("  %s/\n", names[i]);
        } else {
            printf("  %s %lld bytes\n", names[i], (long long)st.st_size);
        }
        free(names[i]);
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: files DIR\n");
        return 1;
    }
    dir = argv[1];

    /* Read the input: lines and bytes. */
    FILE *in = fopen(in_dir("input.txt"), "r");
    if (!in) {
        printf("no input.txt\n");
        return 2;
    }
    char line[256];
    int lines = 0;
    long bytes = 0;
    while (fgets(line, sizeof line, in)) {
        lines++;
        bytes += (long)strlen(line);
    }
    fclose(in);
    printf("input.txt: %d lines, %ld bytes\n", lines, bytes);

    /* Write, append, read back. */
    FILE *out = fopen(in_dir("out.txt"), "w");
    for (int i = 1; i <= 5; i++)
        fprintf(out, "line %d: %d squared is %d\n", i, i, i * i);
    fclose(out);
    out = fopen(in_dir("out.txt"), "a");
    fputs("appended\n", out);
    fclose(out);
    FILE *back = fopen(in_dir("out.txt"), "r");
    char all[1024];
    size_t got = fread(all, 1, sizeof all - 1, back);
    all[got] = 0;
    printf("out.txt holds %zu bytes:\n%s", got, all);
    fseek(back, 5, SEEK_SET);
    long at = ftell(back);
    int ch = fgetc(back);
    printf("at %ld: %c\n", at, ch);
    fseek(back, -9, SEEK_END);
    if (fgets(line, sizeof line, back))
        printf("last line: %s", line);
    fclose(back);

    struct stat st;
    if (stat(in_dir("out.txt"), &st) == 0)
        printf("stat out.txt: %lld bytes, regular %d, directory %d\n",
               (long long)st.st_size, S_ISREG(st.st_mode) != 0, S_ISDIR(st.st_mode) != 0);
    if (stat(dir, &st) == 0)
        printf("stat dir: directory %d\n", S_ISDIR(st.st_mode) != 0);

    /* A missing file, and what a directory looks like now. */
    errno = 0;
    FILE *missing = fopen(in_dir("missing.txt"), "r");
    printf("missing.txt: %s, ENOENT %d\n", missing ? "opened" : "not opened", errno == ENOENT);
    printf("mkdir newdir: %d\n", mkdir(in_dir("newdir"), 0755));
    int r = mkdir(in_dir("newdir"), 0755);
    printf("mkdir newdir again: %d, EEXIST %d\n", r, errno == EEXIST);
    printf("rename out.txt: %d\n", rename(in_dir("out.txt"), in_dir("newdir/moved.txt")));
    list("during");
    if (stat(in_dir("newdir/moved.txt"), &st) == 0)
        printf("newdir/moved.txt: %lld bytes\n", (long long)st.st_size);
    r = rmdir(in_dir("newdir"));
    printf("rmdir non-empty: %d, ENOTEMPTY %d\n", r, errno == ENOTEMPTY);

    /* Many entries: more than one fd_readdir buffer holds. */
    mkdir(in_dir("many"), 0755);
    char name[128];
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "many/entry-with-a-longish-name-%03d.txt", i);
        FILE *f = fopen(in_dir(name), "w");
        fprintf(f, "%d\n", i);
        fclose(f);
    }
    DIR *d = opendir(in_dir("many"));
    int count = 0, sum = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int k;
        if (sscanf(e->d_name, "entry-with-a-longish-name-%d.txt", &k) == 1) {
            count++;
            sum += k;
        }
    }
    closedir(d);
    printf("many: %d entries, numbers summing to %d\n", count, sum);
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "many/entry-with-a-longish-name-%03d.txt", i);
        remove(in_dir(name));
    }
    printf("remove many: %d\n", rmdir(in_dir("many")));

    /* Leave the directory as it was. */
    printf("remove moved.txt: %d\n", remove(in_dir("newdir/moved.txt")));
    printf("remove newdir: %d\n", remove(in_dir("newdir")));
    list("after");
    return 0;
}

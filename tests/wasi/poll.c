/* poll() through WASI's poll_oneoff: stdin with input and stdout at once,
 * stdin at its end, a file in the preopened directory, and a plain
 * timeout. Run by tests/engines.rs with "hello\n" on stdin as
 * `janusc run --engine all --dir root poll.wasm -- root/b.txt`; its output
 * is poll.out. (After the end of input wasi-libc reports POLLIN with
 * POLLHUP, where Linux reports POLLHUP alone: WASI has no "hangup only"
 * event for a read.) */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2)
        return 1;
    struct pollfd p[2] = {{0, POLLIN, 0}, {1, POLLOUT, 0}};
    int n = poll(p, 2, 10000);
    printf("stdin and stdout: %d ready, in %d, out %d\n", n, (p[0].revents & POLLIN) != 0,
           (p[1].revents & POLLOUT) != 0);
    char buf[64];
    ssize_t r = read(0, buf, sizeof buf);
    printf("read %zd bytes\n", r);
    r = read(0, buf, sizeof buf);
    printf("then %zd bytes\n", r);
    struct pollfd q = {0, POLLIN, 0};
    n = poll(&q, 1, 10000);
    printf("stdin at its end: %d ready, hangup %d\n", n, (q.revents & POLLHUP) != 0);
    int fd = open(argv[1], O_RDONLY);
    struct pollfd f = {fd, POLLIN, 0};
    n = poll(&f, 1, 0);
    printf("a file: %d ready, in %d\n", n, (f.revents & POLLIN) != 0);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    n = poll(NULL, 0, 30);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    printf("nothing to poll: %d ready after at least 30 ms: %d\n", n, ms >= 30);
    return 0;
}

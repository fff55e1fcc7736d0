/* Reads the environment, the clocks and random numbers, and prints only
 * what every correct host agrees on: a variable's value, that the clocks
 * are sane, and how many random bytes arrived. Exits 3 when GREETING is
 * unset, so a missing variable is an exit status, not a silent default. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    const char *greeting = getenv("GREETING");
    if (!greeting) {
        printf("GREETING is unset\n");
        return 3;
    }
    printf("GREETING=%s\n", greeting);
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]=%s\n", i, argv[i]);

    struct timespec a, b;
    if (clock_gettime(CLOCK_MONOTONIC, &a) || clock_gettime(CLOCK_MONOTONIC, &b))
        return 4;
    int ordered = b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec);
    printf("monotonic clock ordered: %s\n", ordered ? "yes" : "no");
    time_t now = time(NULL);
    /* 2020-01-01 and 2200-01-01. */
    printf("wall clock plausible: %s\n", now > 1577836800 && now < 7258118400LL ? "yes" : "no");

    unsigned char buf[64];
    memset(buf, 0, sizeof buf);
    if (getentropy(buf, sizeof buf))
        return 5;
    int nonzero = 0;
    for (size_t i = 0; i < sizeof buf; i++)
        nonzero += buf[i] != 0;
    /* 64 random bytes are all zero with probability 2^-512. */
    printf("random bytes: %zu, some nonzero: %s\n", sizeof buf, nonzero ? "yes" : "no");
    return 0;
}

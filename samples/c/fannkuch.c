/* The Computer Language Benchmarks Game: fannkuch-redux (the plain C
   program's algorithm). Size from argv[1], default 7. */
#include <stdio.h>
#include <stdlib.h>

static int fannkuchredux(int n) {
  int perm[n], perm1[n], count[n];
  int maxFlipsCount = 0, permCount = 0, checksum = 0;
  int i, r;
  for (i = 0; i < n; i++) perm1[i] = i;
  r = n;
  for (;;) {
    int flipsCount = 0, k;
    while (r != 1) {
      count[r - 1] = r;
      r -= 1;
    }
    for (i = 0; i < n; i++) perm[i] = perm1[i];
    while ((k = perm[0]) != 0) {
      int k2 = (k + 1) >> 1;
      for (i = 0; i < k2; i++) {
        int temp = perm[i];
        perm[i] = perm[k - i];
        perm[k - i] = temp;
      }
      flipsCount += 1;
    }
    if (flipsCount > maxFlipsCount) maxFlipsCount = flipsCount;
    checksum += permCount % 2 == 0 ? flipsCount : -flipsCount;
    /* The next permutation, by incremental rotation. */
    for (;;) {
      int perm0;
      if (r == n) {
        printf("%d\n", checksum);
        return maxFlipsCount;
      }
      perm0 = perm1[0];
      for (i = 0; i < r; i++) perm1[i] = perm1[i + 1];
      perm1[r] = perm0;
      count[r] -= 1;
      if (count[r] > 0) break;
      r++;
    }
    permCount++;
  }
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 7;
  int m = fannkuchredux(n);
  printf("Pfannkuchen(%d) = %d\n", n, m);
  return 0;
}

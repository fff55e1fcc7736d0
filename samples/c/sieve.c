/* The sieve of Eratosthenes over a byte array (samples/sieve.jasm's
   algorithm): prints the number of primes below N, the first ten, the five
   largest and their sum. N from argv[1], default 100000. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 100000;
  if (n < 0) n = 0;
  /* flags[k]: 0 = prime (so far), 1 = composite. At least 2 bytes for 0 and 1. */
  unsigned char *flags = calloc(n < 2 ? 2 : n, 1);
  if (!flags) {
    fprintf(stderr, "sieve: N is too large for the memory\n");
    return 1;
  }
  long i, j, count = 0, found;
  long long sum = 0;
  flags[0] = flags[1] = 1;
  for (i = 2; i * i < n; i++)
    if (!flags[i])
      for (j = i * i; j < n; j += i) flags[j] = 1;
  for (i = 0; i < n; i++)
    if (!flags[i]) {
      count++;
      sum += i;
    }
  printf("primes below %ld: %ld\n", n, count);
  printf("first ten:");
  for (i = 0, found = 0; i < n && found < 10; i++)
    if (!flags[i]) {
      printf(" %ld", i);
      found++;
    }
  printf("\nlargest five:");
  for (i = n, found = 0; i > 0 && found < 5;)
    if (!flags[--i]) {
      printf(" %ld", i);
      found++;
    }
  printf("\nsum: %lld\n", sum);
  free(flags);
  return 0;
}

/* The Computer Language Benchmarks Game: fasta (the plain C program's
   algorithm): three DNA sequences in FASTA format, 60 characters a line.
   ">ONE" repeats the ALU sequence for 2n characters; ">TWO" and ">THREE"
   pick 3n and 5n characters at random from the IUB and Homo sapiens
   alphabets: a linear congruential generator (IM 139968, IA 3877, IC 29573,
   seed 42) gives r = max * last / IM, and the first symbol whose cumulative
   probability is above r is chosen. Size from argv[1], default 1000. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IM 139968
#define IA 3877
#define IC 29573
#define LINE_LENGTH 60

static long last = 42;

static double gen_random(double max) {
  last = (last * IA + IC) % IM;
  return max * last / IM;
}

struct aminoacids {
  char c;
  double p;
};

static void make_cumulative(struct aminoacids *genelist, int count) {
  double cp = 0.0;
  for (int i = 0; i < count; i++) {
    cp += genelist[i].p;
    genelist[i].p = cp;
  }
}

static char select_random(const struct aminoacids *genelist, int count) {
  double r = gen_random(1.0);
  for (int i = 0; i < count - 1; i++)
    if (r < genelist[i].p) return genelist[i].c;
  return genelist[count - 1].c;
}

static void make_random_fasta(const char *id, const char *desc,
                              const struct aminoacids *genelist, int count,
                              int n) {
  char line[LINE_LENGTH + 1];
  printf(">%s %s\n", id, desc);
  for (int todo = n; todo > 0; todo -= LINE_LENGTH) {
    int m = todo < LINE_LENGTH ? todo : LINE_LENGTH;
    for (int i = 0; i < m; i++) line[i] = select_random(genelist, count);
    line[m] = '\n';
    fwrite(line, 1, m + 1, stdout);
  }
}

static void make_repeat_fasta(const char *id, const char *desc, const char *s,
                              int n) {
  int kn = strlen(s), k = 0;
  printf(">%s %s\n", id, desc);
  for (int todo = n; todo > 0; todo -= LINE_LENGTH) {
    int m = todo < LINE_LENGTH ? todo : LINE_LENGTH;
    while (m >= kn - k) {
      fwrite(s + k, 1, kn - k, stdout);
      m -= kn - k;
      k = 0;
    }
    fwrite(s + k, 1, m, stdout);
    putc('\n', stdout);
    k += m;
  }
}

static struct aminoacids iub[] = {
    {'a', 0.27}, {'c', 0.12}, {'g', 0.12}, {'t', 0.27}, {'B', 0.02},
    {'D', 0.02}, {'H', 0.02}, {'K', 0.02}, {'M', 0.02}, {'N', 0.02},
    {'R', 0.02}, {'S', 0.02}, {'V', 0.02}, {'W', 0.02}, {'Y', 0.02},
};

static struct aminoacids homosapiens[] = {
    {'a', 0.3029549426680},
    {'c', 0.1979883004921},
    {'g', 0.1975473066391},
    {'t', 0.3015094502008},
};

static const char alu[] =
    "GGCCGGGCGCGGTGGCTCACGCCTGTAATCCCAGCACTTTGG"
    "GAGGCCGAGGCGGGCGGATCACCTGAGGTCAGGAGTTCGAGA"
    "CCAGCCTGGCCAACATGGTGAAACCCCGTCTCTACTAAAAAT"
    "ACAAAAATTAGCCGGGCGTGGTGGCGCGCGCCTGTAATCCCA"
    "GCTACTCGGGAGGCTGAGGCAGGAGAATCGCTTGAACCCGGG"
    "AGGCGGAGGTTGCAGTGAGCCGAGATCGCGCCACTGCACTCC"
    "AGCCTGGGCGACAGAGCGAGACTCCGTCTCAAAAA";

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1000;
  make_cumulative(iub, sizeof iub / sizeof iub[0]);
  make_cumulative(homosapiens, sizeof homosapiens / sizeof homosapiens[0]);
  make_repeat_fasta("ONE", "Homo sapiens alu", alu, n * 2);
  make_random_fasta("TWO", "IUB ambiguity codes", iub,
                    sizeof iub / sizeof iub[0], n * 3);
  make_random_fasta("THREE", "Homo sapiens frequency", homosapiens,
                    sizeof homosapiens / sizeof homosapiens[0], n * 5);
  return 0;
}

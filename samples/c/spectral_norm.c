/* The Computer Language Benchmarks Game: spectral-norm (the plain C
   program's algorithm). Size from argv[1], default 100. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static double eval_A(int i, int j) { return 1.0 / ((i + j) * (i + j + 1) / 2 + i + 1); }

static void eval_A_times_u(int N, const double u[], double Au[]) {
  int i, j;
  for (i = 0; i < N; i++) {
    Au[i] = 0;
    for (j = 0; j < N; j++) Au[i] += eval_A(i, j) * u[j];
  }
}

static void eval_At_times_u(int N, const double u[], double Au[]) {
  int i, j;
  for (i = 0; i < N; i++) {
    Au[i] = 0;
    for (j = 0; j < N; j++) Au[i] += eval_A(j, i) * u[j];
  }
}

static void eval_AtA_times_u(int N, const double u[], double AtAu[], double v[]) {
  eval_A_times_u(N, u, v);
  eval_At_times_u(N, v, AtAu);
}

int main(int argc, char *argv[]) {
  int i;
  const int N = argc > 1 ? atoi(argv[1]) : 100;
  double *u = malloc(N * sizeof(double));
  double *v = malloc(N * sizeof(double));
  double *tmp = malloc(N * sizeof(double));
  double vBv, vv;
  for (i = 0; i < N; i++) u[i] = 1;
  for (i = 0; i < 10; i++) {
    eval_AtA_times_u(N, u, v, tmp);
    eval_AtA_times_u(N, v, u, tmp);
  }
  vBv = vv = 0;
  for (i = 0; i < N; i++) {
    vBv += u[i] * v[i];
    vv += v[i] * v[i];
  }
  printf("%0.9f\n", sqrt(vBv / vv));
  return 0;
}

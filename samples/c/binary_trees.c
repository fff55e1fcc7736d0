/* The Computer Language Benchmarks Game: binary-trees (the plain C
   program's algorithm, single-threaded, one malloc per node and a free of
   every node). Size from argv[1], default 10. */
#include <stdio.h>
#include <stdlib.h>

typedef struct node {
  struct node *left, *right;
} node;

static node *new_node(node *left, node *right) {
  node *n = malloc(sizeof(node));
  if (n == NULL) {
    fputs("binary_trees: out of memory\n", stderr);
    exit(1);
  }
  n->left = left;
  n->right = right;
  return n;
}

/* A perfect tree of the given depth, children allocated before their
   parent. */
static node *bottom_up_tree(unsigned depth) {
  if (depth > 0) {
    node *left = bottom_up_tree(depth - 1);
    node *right = bottom_up_tree(depth - 1);
    return new_node(left, right);
  }
  return new_node(NULL, NULL);
}

/* The number of nodes. */
static long item_check(const node *tree) {
  if (tree->left == NULL) return 1;
  return 1 + item_check(tree->left) + item_check(tree->right);
}

static void delete_tree(node *tree) {
  if (tree->left != NULL) {
    delete_tree(tree->left);
    delete_tree(tree->right);
  }
  free(tree);
}

int main(int argc, char **argv) {
  unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 10;
  unsigned min_depth = 4;
  unsigned max_depth = min_depth + 2 > n ? min_depth + 2 : n;
  unsigned stretch_depth = max_depth + 1;
  unsigned depth;
  node *tree, *long_lived;

  tree = bottom_up_tree(stretch_depth);
  printf("stretch tree of depth %u\t check: %ld\n", stretch_depth, item_check(tree));
  delete_tree(tree);

  long_lived = bottom_up_tree(max_depth);

  for (depth = min_depth; depth <= max_depth; depth += 2) {
    long iterations = 1L << (max_depth - depth + min_depth);
    long check = 0, i;
    for (i = 1; i <= iterations; i++) {
      tree = bottom_up_tree(depth);
      check += item_check(tree);
      delete_tree(tree);
    }
    printf("%ld\t trees of depth %u\t check: %ld\n", iterations, depth, check);
  }

  printf("long lived tree of depth %u\t check: %ld\n", max_depth, item_check(long_lived));
  delete_tree(long_lived);
  return 0;
}

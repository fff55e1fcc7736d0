/* The smallest printing program: what a hello-world .wasm costs as a standalone executable. */
#include <stdio.h>
int main(void) { puts("hello, world"); return 0; }

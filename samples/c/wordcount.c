/* Counts the lines, words and bytes of standard input, like `wc`, and
 * prints the most frequent byte: a program that reads all of stdin. */
#include <ctype.h>
#include <stdio.h>

int main(void) {
    long lines = 0, words = 0, bytes = 0, counts[256] = {0};
    int in_word = 0, c;
    while ((c = getchar()) != EOF) {
        bytes++;
        counts[c]++;
        if (c == '\n')
            lines++;
        if (isspace(c)) {
            in_word = 0;
        } else if (!in_word) {
            in_word = 1;
            words++;
        }
    }
    int most = 0;
    for (int i = 1; i < 256; i++)
        if (counts[i] > counts[most])
            most = i;
    printf("%ld %ld %ld\n", lines, words, bytes);
    printf("most frequent byte: %d (%ld times)\n", most, counts[most]);
    return 0;
}

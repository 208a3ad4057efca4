/* A memory-bound guest for measuring traced speed: about half of its instructions are
 * loads and stores (array copy, strided update, pointer chase). */
#include "runtime.h"

#ifndef ROUNDS
#define ROUNDS 60
#endif

#define WORDS 8192
static unsigned long src[WORDS], dst[WORDS];
static unsigned next[WORDS];

int main(unsigned hart) {
    if (hart != 0) return 0;
    for (unsigned i = 0; i < WORDS; i++) {
        src[i] = i * 2654435761UL;
        next[i] = (i * 4099 + 1) % WORDS;
    }
    unsigned long checksum = 0;
    for (int r = 0; r < ROUNDS; r++) {
        for (unsigned i = 0; i < WORDS; i++) dst[i] = src[i] + (unsigned long)r;
        for (unsigned i = 0; i < WORDS; i += 8) src[i] ^= dst[WORDS - 1 - i];
        unsigned p = (unsigned)r;
        for (unsigned i = 0; i < WORDS; i++) {
            checksum += dst[p];
            p = next[p];
        }
    }
    printf("checksum %lx\n", checksum);
    return 0;
}

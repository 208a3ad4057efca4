/* A compute-bound guest for measuring emulator speed: integer hashing, a sieve and a
 * small matrix multiply, repeated. Prints a checksum so that the work cannot be elided. */
#include "runtime.h"

#ifndef ROUNDS
#define ROUNDS 40
#endif

#define N 24
static long a[N][N], b[N][N], c[N][N];
static unsigned char composite[8192];

static unsigned long hash_round(unsigned long h, int n) {
    for (int i = 0; i < n; i++) {
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 29;
        h += (unsigned long)i;
    }
    return h;
}

static int sieve(void) {
    int count = 0;
    for (int i = 0; i < 8192; i++) composite[i] = 0;
    for (int i = 2; i < 8192; i++) {
        if (composite[i]) continue;
        count++;
        for (int j = i * 2; j < 8192; j += i) composite[j] = 1;
    }
    return count;
}

static long matmul(int seed) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            a[i][j] = (i * 7 + j * 3 + seed) % 17;
            b[i][j] = (i * 5 + j * 11 + seed) % 13;
        }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            long s = 0;
            for (int k = 0; k < N; k++) s += a[i][k] * b[k][j];
            c[i][j] = s;
        }
    long trace = 0;
    for (int i = 0; i < N; i++) trace += c[i][i];
    return trace;
}

int main(unsigned hart) {
    if (hart != 0) return 0;
    unsigned long checksum = 0;
    for (int r = 0; r < ROUNDS; r++) {
        checksum = hash_round(checksum + (unsigned long)r, 20000);
        checksum += (unsigned long)sieve();
        checksum += (unsigned long)matmul(r);
    }
    printf("checksum %lx\n", checksum);
    return 0;
}

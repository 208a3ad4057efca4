/* A row-partitioned matrix multiply C = A × B of N × N longs: CPU h computes a block of
 * N / NCPUS consecutive rows of C. Every CPU reads all of B (read-shared lines: a cold
 * miss each, then hits), its own rows of A, and writes only its own rows of C, whole
 * lines of them: no coherence misses at all. */
#include "workload.h"

#ifndef N
#define N 32
#endif

static long a[N][N] LINE_ALIGNED, b[N][N] LINE_ALIGNED, c[N][N] LINE_ALIGNED;

int main(unsigned hart) {
    if (hart == 0) {
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                a[i][j] = (i * 7 + j * 3) % 17 - 8;
                b[i][j] = (i * 5 + j * 11) % 13 - 6;
            }
    }
    int first = hart * N / NCPUS, last = (hart + 1) * N / NCPUS;
    REGION_BEGIN(hart, "matmul");
    for (int i = first; i < last; i++)
        for (int j = 0; j < N; j++) {
            long sum = 0;
            for (int k = 0; k < N; k++) sum += a[i][k] * b[k][j];
            c[i][j] = sum;
        }
    REGION_END(hart, "matmul", (long)N * N);
    if (hart != 0) return 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            long sum = 0;
            for (int k = 0; k < N; k++) sum += a[i][k] * b[k][j];
            CHECK(c[i][j] == sum, 1, "c[%d][%d] = %ld, expected %ld\n", i, j, c[i][j], sum);
        }
    printf("%d CPUs multiplied %dx%d matrices\n", NCPUS, N, N);
    return 0;
}

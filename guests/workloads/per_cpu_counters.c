/* Per-CPU counters: each CPU increments its own counter ITERATIONS times. Packed, the
 * counters share one 64-byte line and every increment steals it from the others (false
 * sharing: no two CPUs touch the same bytes). Built with -DPADDED, each counter has a
 * line of its own and the only misses are cold ones. */
#include "workload.h"

#ifndef ITERATIONS
#define ITERATIONS 2000
#endif

#ifdef PADDED
struct counter {
    volatile long value;
} LINE_ALIGNED;
#else
struct counter {
    volatile long value;
};
#endif

static struct counter counters[NCPUS] LINE_ALIGNED;

int main(unsigned hart) {
    REGION_BEGIN(hart, "per-cpu-counters");
    for (long i = 0; i < ITERATIONS; i++) counters[hart].value++;
    REGION_END(hart, "per-cpu-counters", (long)NCPUS * ITERATIONS);
    if (hart != 0) return 0;
    for (int c = 0; c < NCPUS; c++) {
        CHECK(counters[c].value == ITERATIONS, 1, "cpu %d counted %ld, expected %d\n", c, counters[c].value, ITERATIONS);
    }
    printf("%d counters of %ld bytes each reached %d\n", NCPUS, (long)sizeof(struct counter), ITERATIONS);
    return 0;
}

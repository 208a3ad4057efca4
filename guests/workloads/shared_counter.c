/* A shared atomic counter: every CPU adds 1 to the same word ITERATIONS times with
 * amoadd. True sharing at its purest: the line moves on nearly every increment, and
 * movement per operation shows what one increment costs. */
#include "workload.h"

#ifndef ITERATIONS
#define ITERATIONS 1000
#endif

static struct {
    volatile long value;
} LINE_ALIGNED counter;

int main(unsigned hart) {
    REGION_BEGIN(hart, "shared-counter");
    for (long i = 0; i < ITERATIONS; i++) __atomic_fetch_add(&counter.value, 1, __ATOMIC_RELAXED);
    REGION_END(hart, "shared-counter", (long)NCPUS * ITERATIONS);
    if (hart != 0) return 0;
    CHECK(counter.value == (long)NCPUS * ITERATIONS, 1, "counter %ld, expected %ld\n", counter.value,
          (long)NCPUS * ITERATIONS);
    printf("%d CPUs counted to %ld\n", NCPUS, counter.value);
    return 0;
}

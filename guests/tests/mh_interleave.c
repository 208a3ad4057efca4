/* Records the order in which harts reach a shared log, so that schedules can be
 * compared: prints a hash of the order. Work per step varies by hart and step. */
#include "runtime.h"

#ifndef NHARTS
#define NHARTS 4
#endif
#define STEPS 64

static volatile unsigned next_slot;
static volatile unsigned char order[NHARTS * STEPS];
static barrier_t barrier;

int main(unsigned hart) {
    volatile unsigned long sink = 0;
    for (int step = 0; step < STEPS; step++) {
        unsigned work = 20 + ((hart * 37 + (unsigned)step * 11) % 50);
        for (unsigned i = 0; i < work; i++) sink += i;
        unsigned slot = __atomic_fetch_add(&next_slot, 1, __ATOMIC_RELAXED);
        order[slot] = (unsigned char)hart;
    }
    barrier_wait(&barrier, NHARTS);
    if (hart == 0) {
        unsigned long hash = 1469598103934665603UL;
        for (int i = 0; i < NHARTS * STEPS; i++) hash = (hash ^ order[i]) * 1099511628211UL;
        printf("order hash %lx\n", hash);
    }
    return 0;
}

/* An MCS queue lock guarding a plain counter. Each CPU queues its own node (amoswap on
 * the tail) and spins on a flag in that node, on a line of its own; the holder hands
 * the lock to its successor by writing the successor's flag. Waiting causes no traffic:
 * a handover moves about two lines, however many CPUs wait. */
#include "workload.h"

#ifndef ITERATIONS
#define ITERATIONS 250
#endif

struct node {
    struct node *volatile next;
    volatile int waiting;
} LINE_ALIGNED;

static struct {
    struct node *volatile tail;
} LINE_ALIGNED lock;

static struct node nodes[NCPUS];

static struct {
    volatile long value;
} LINE_ALIGNED counter;

static void acquire(struct node *me) {
    mtlock(&lock);
    me->next = 0;
    me->waiting = 1;
    struct node *previous = __atomic_exchange_n(&lock.tail, me, __ATOMIC_ACQ_REL);
    if (previous) {
        __atomic_store_n(&previous->next, me, __ATOMIC_RELEASE);
        while (__atomic_load_n(&me->waiting, __ATOMIC_ACQUIRE)) {
        }
    }
    mtacquired(&lock);
}

static void release(struct node *me) {
    mtunlock(&lock);
    struct node *successor = __atomic_load_n(&me->next, __ATOMIC_ACQUIRE);
    if (!successor) {
        struct node *expected = me;
        if (__atomic_compare_exchange_n(&lock.tail, &expected, 0, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return;
        while (!(successor = __atomic_load_n(&me->next, __ATOMIC_ACQUIRE))) {
        }
    }
    __atomic_store_n(&successor->waiting, 0, __ATOMIC_RELEASE);
}

int main(unsigned hart) {
    struct node *me = &nodes[hart];
    REGION_BEGIN(hart, "mcs-lock");
    for (long i = 0; i < ITERATIONS; i++) {
        acquire(me);
        counter.value = counter.value + 1;
        release(me);
    }
    REGION_END(hart, "mcs-lock", (long)NCPUS * ITERATIONS);
    if (hart != 0) return 0;
    CHECK(counter.value == (long)NCPUS * ITERATIONS, 1, "counter %ld, expected %ld\n", counter.value,
          (long)NCPUS * ITERATIONS);
    CHECK(lock.tail == 0, 2, "the queue is not empty\n");
    printf("%d CPUs took the MCS lock %ld times\n", NCPUS, counter.value);
    return 0;
}

/* Shared scaffolding of the workloads: the CPU count, and a measured region that
 * every hart enters and leaves together, recorded between mtenable and mtdisable.
 *
 * mtlab builds each workload with -DMTLAB_CPUS=<system.cpus>. Everything before
 * REGION_BEGIN (set-up, the start barrier) and after REGION_END (checking) is not
 * recorded; inside, besides the workload's own accesses, only the `go` and `done`
 * words are touched, on lines of their own. */
#ifndef WORKLOAD_H
#define WORKLOAD_H

#include "runtime.h"
#include "mtrace.h"

#ifndef MTLAB_CPUS
#define MTLAB_CPUS 4
#endif
#define NCPUS MTLAB_CPUS

#define LINE 64
#define LINE_ALIGNED __attribute__((aligned(LINE)))

/* Each on a line of its own (an aligned struct is padded to its alignment), so that
 * reports show them apart from the workload's data. */
static struct { barrier_t b; } LINE_ALIGNED workload_start;
static struct { volatile unsigned v; } LINE_ALIGNED workload_go;
static struct { volatile unsigned v; } LINE_ALIGNED workload_done;

/* Every hart waits for the others (unrecorded); hart 0 turns recording on and lets
 * them go. `name` must be a string literal: the trace name. */
#define REGION_BEGIN(hart, name)                                                      \
    do {                                                                              \
        barrier_wait(&workload_start.b, NCPUS);                                 \
        if ((hart) == 0) {                                                            \
            mtenable(name);                                                           \
            __atomic_store_n(&workload_go.v, 1, __ATOMIC_RELEASE);                      \
        } else {                                                                      \
            while (!__atomic_load_n(&workload_go.v, __ATOMIC_ACQUIRE)) {                \
            }                                                                         \
        }                                                                             \
    } while (0)

/* Each hart says it is done; hart 0 waits for all, turns recording off and reports
 * `ops` operations (the whole run's), so that reports show movement per operation.
 * Other harts then return from main and park. */
#define REGION_END(hart, name, ops)                                                   \
    do {                                                                              \
        __atomic_fetch_add(&workload_done.v, 1, __ATOMIC_ACQ_REL);                      \
        if ((hart) == 0) {                                                            \
            while (__atomic_load_n(&workload_done.v, __ATOMIC_ACQUIRE) != NCPUS) {      \
            }                                                                         \
            mtdisable(name);                                                          \
            mtops(ops);                                                               \
        }                                                                             \
    } while (0)

/* Hart 0's verdict: prints what failed and returns a non-zero exit code. */
#define CHECK(condition, code, ...)                                                   \
    do {                                                                              \
        if (!(condition)) {                                                           \
            printf(__VA_ARGS__);                                                      \
            return (code);                                                            \
        }                                                                             \
    } while (0)

#endif

#ifndef MTLAB_CINTRINSICS_H
#define MTLAB_CINTRINSICS_H
// Compiler intrinsics that Swift does not expose. Header-only: each is inlined into Swift.

/// Hints that the cache line holding `p` will be read soon (no fault if `p` is bad).
static inline __attribute__((always_inline)) void mtlab_prefetch(const void *p) {
    __builtin_prefetch(p, 0, 3);
}

#endif

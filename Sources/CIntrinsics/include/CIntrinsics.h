#ifndef MTLAB_CINTRINSICS_H
#define MTLAB_CINTRINSICS_H
// What Swift cannot reach directly: compiler intrinsics (inlined into Swift) and
// variadic system calls (wrapped in CIntrinsics.c).

#include <stddef.h>

/// Hints that the cache line holding `p` will be read soon (no fault if `p` is bad).
static inline __attribute__((always_inline)) void mtlab_prefetch(const void *p) {
    __builtin_prefetch(p, 0, 3);
}

/// Grows an anonymous mapping from `old_size` to `new_size` bytes, moving its pages rather
/// than copying them (Linux `mremap` with `MREMAP_MAYMOVE`; it is variadic, so Swift cannot
/// call it). Returns the new address, or NULL where that fails or is unsupported: the
/// caller then copies.
void *mtlab_grow_mapping(void *old, size_t old_size, size_t new_size);

#endif

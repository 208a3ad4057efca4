#define _GNU_SOURCE
#include "CIntrinsics.h"

#ifdef __linux__
#include <sys/mman.h>

void *mtlab_grow_mapping(void *old, size_t old_size, size_t new_size) {
    void *p = mremap(old, old_size, new_size, MREMAP_MAYMOVE);
    return p == MAP_FAILED ? NULL : p;
}
#else
void *mtlab_grow_mapping(void *old, size_t old_size, size_t new_size) {
    (void)old; (void)old_size; (void)new_size;
    return NULL;
}
#endif

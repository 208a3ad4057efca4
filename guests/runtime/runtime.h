/* The guest runtime: console over the NS16550A UART, printf-lite, exit through the SiFive
 * test finisher, a barrier, counters. Works on mtlab's machine and on QEMU virt. */
#ifndef RUNTIME_H
#define RUNTIME_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "runtime_config.h"

/* Program entry, called on every hart with its id. */
int main(unsigned hartid);

int putchar(int c);
int puts(const char *s);
/* %d %i %u %x %X %p %s %c %%, with l/ll/z, a width and the 0 and - flags. */
int printf(const char *format, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *format, va_list args);

/* Ends the run: 0 passes, anything else fails with that code (16 bits). */
void exit(int code) __attribute__((noreturn));

static inline unsigned hartid(void) {
    unsigned long id;
    __asm__ volatile("csrr %0, mhartid" : "=r"(id));
    return (unsigned)id;
}

static inline uint64_t rdcycle(void) {
    uint64_t v;
    __asm__ volatile("csrr %0, mcycle" : "=r"(v));
    return v;
}

static inline uint64_t rdinstret(void) {
    uint64_t v;
    __asm__ volatile("csrr %0, minstret" : "=r"(v));
    return v;
}

static inline uint64_t rdtime(void) {
    return *(volatile uint64_t *)(RT_CLINT_BASE + 0xbff8);
}

/* A reusable sense-reversing barrier for n harts; zero-initialise it. */
typedef struct {
    volatile unsigned count;
    volatile unsigned sense;
} barrier_t;

void barrier_wait(barrier_t *barrier, unsigned n);

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#endif

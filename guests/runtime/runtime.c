#include "runtime.h"

#define UART_THR 0
#define UART_LSR 5
#define UART_LSR_THRE 0x20

int putchar(int c) {
    volatile uint8_t *uart = (volatile uint8_t *)RT_UART_BASE;
    while ((uart[UART_LSR] & UART_LSR_THRE) == 0) {
    }
    uart[UART_THR] = (uint8_t)c;
    return (uint8_t)c;
}

int puts(const char *s) {
    while (*s) putchar(*s++);
    putchar('\n');
    return 0;
}

void exit(int code) {
    volatile uint32_t *finisher = (volatile uint32_t *)RT_FINISHER_BASE;
    *finisher = code == 0 ? 0x5555 : (((uint32_t)code & 0xffff) << 16) | 0x3333;
    for (;;) __asm__ volatile("wfi");
}

/* Prints `value` in `base` with at least `width` characters. */
static int print_number(unsigned long long value, unsigned base, int negative, int width,
                        char pad, int left, int upper) {
    char digits[24];
    int n = 0;
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        digits[n++] = set[value % base];
        value /= base;
    } while (value);
    int length = n + negative;
    int printed = 0;
    if (negative && pad == '0') { putchar('-'); printed++; }
    if (!left) {
        for (; length < width; length++, printed++) putchar(pad);
    }
    if (negative && pad != '0') { putchar('-'); printed++; }
    while (n) { putchar(digits[--n]); printed++; }
    if (left) {
        for (; printed < width; printed++) putchar(' ');
    }
    return printed;
}

int vprintf(const char *format, va_list args) {
    int count = 0;
    for (const char *p = format; *p; p++) {
        if (*p != '%') { putchar(*p); count++; continue; }
        p++;
        int left = 0, width = 0, longs = 0;
        char pad = ' ';
        for (;; p++) {
            if (*p == '-') left = 1;
            else if (*p == '0') pad = '0';
            else break;
        }
        if (left) pad = ' ';
        while (*p >= '0' && *p <= '9') width = width * 10 + (*p++ - '0');
        while (*p == 'l' || *p == 'z') { longs++; p++; }
        switch (*p) {
        case 'd':
        case 'i': {
            long long v = longs ? va_arg(args, long long) : va_arg(args, int);
            unsigned long long magnitude = v < 0 ? -(unsigned long long)v : (unsigned long long)v;
            count += print_number(magnitude, 10, v < 0, width, pad, left, 0);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            unsigned long long v = longs ? va_arg(args, unsigned long long) : va_arg(args, unsigned);
            count += print_number(v, *p == 'u' ? 10 : 16, 0, width, pad, left, *p == 'X');
            break;
        }
        case 'p':
            putchar('0'); putchar('x');
            count += 2 + print_number((unsigned long long)(uintptr_t)va_arg(args, void *), 16, 0, width, pad, left, 0);
            break;
        case 's': {
            const char *s = va_arg(args, const char *);
            if (!s) s = "(null)";
            int length = (int)strlen(s);
            if (!left) for (; length < width; width--, count++) putchar(' ');
            while (*s) { putchar(*s++); count++; }
            if (left) for (; length < width; length++, count++) putchar(' ');
            break;
        }
        case 'c':
            putchar(va_arg(args, int));
            count++;
            break;
        case '%':
            putchar('%');
            count++;
            break;
        case '\0':
            return count;
        default:
            putchar('%'); putchar(*p);
            count += 2;
        }
    }
    return count;
}

int printf(const char *format, ...) {
    va_list args;
    va_start(args, format);
    int count = vprintf(format, args);
    va_end(args);
    return count;
}

void barrier_wait(barrier_t *barrier, unsigned n) {
    unsigned sense = __atomic_load_n(&barrier->sense, __ATOMIC_ACQUIRE);
    if (__atomic_add_fetch(&barrier->count, 1, __ATOMIC_ACQ_REL) == n) {
        __atomic_store_n(&barrier->count, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&barrier->sense, !sense, __ATOMIC_RELEASE);
    } else {
        while (__atomic_load_n(&barrier->sense, __ATOMIC_ACQUIRE) == sense) {
        }
    }
}

/* Called by crt0's default trap vector; weak so that a guest can replace it. */
__attribute__((weak, noreturn)) void rt_unhandled_trap(uint64_t mcause, uint64_t mepc, uint64_t mtval,
                                                        uint64_t hart) {
    printf("unhandled trap on hart %lu: mcause %lx mepc %lx mtval %lx\n", hart, mcause, mepc, mtval);
    exit(0x7f);
}

void *memset(void *dst, int c, size_t n) {
    unsigned char *d = dst;
    while (n--) *d++ = (unsigned char)c;
    return dst;
}

void *memcpy(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--) *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s) {
        while (n--) *d++ = *s++;
    } else {
        while (n--) d[n] = s[n];
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++) {
        if (*x != *y) return *x - *y;
    }
    return 0;
}

size_t strlen(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

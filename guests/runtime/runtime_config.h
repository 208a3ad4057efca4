/* Limits of the guest runtime, shared by crt0.S and C code. */
#ifndef RUNTIME_CONFIG_H
#define RUNTIME_CONFIG_H

/* Harts with an id at or above this park in wfi at start-up. */
#define RT_MAX_HARTS 16
/* Bytes of stack per hart. */
#define RT_STACK_SIZE 16384

/* Devices of the QEMU `virt` board. */
#define RT_UART_BASE 0x10000000UL
#define RT_FINISHER_BASE 0x100000UL
#define RT_CLINT_BASE 0x2000000UL

#endif

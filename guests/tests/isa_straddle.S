/* A 4-byte instruction whose halves lie on two pages, run, then patched through a store
 * into the second page only. */
#include "isa_test.h"

TEST_BEGIN
    .option push
    .option norvc
    li TESTNUM, 1
    li a0, 0
    jal ra, straddler_entry
    CHECK(2, a0, 1)
    /* addi a0, a0, 1 = 0x00150513; make it addi a0, a0, 5 = 0x00550513 via the upper half. */
    la t0, straddler
    li t1, 0x0055
    sh t1, 2(t0)
    fence.i
    li a0, 0
    jal ra, straddler_entry
    CHECK(3, a0, 5)
    j pass
    .option pop

    .balign 4096
    .option push
    .option rvc
straddler_entry:
    /* 2047 compressed nops fill the page up to its last two bytes. */
    .rept 2047
    c.nop
    .endr
    .option norvc
straddler:
    addi a0, a0, 1
    ret
    .option pop
TEST_END

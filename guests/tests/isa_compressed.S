/* The C extension: every RV64C integer form, written explicitly. */
#include "isa_test.h"

TEST_BEGIN
    .option push
    .option rvc
    c.li a0, -5
    CHECK(1, a0, -5)
    c.addi a0, 7
    CHECK(2, a0, 2)
    li a0, 0x7fffffff
    c.addiw a0, 1
    CHECK(3, a0, 0xffffffff80000000)
    c.lui a1, 0xfffff
    CHECK(4, a1, 0xfffffffffffff000)
    c.lui a1, 1
    CHECK(5, a1, 0x1000)
    mv s1, sp
    li sp, 0x1000
    c.addi16sp sp, -32
    CHECK(6, sp, 0xfe0)
    li sp, 0x1000
    c.addi4spn a0, sp, 1020
    CHECK(7, a0, 0x13fc)
    mv sp, s1
    li a0, 1
    c.slli a0, 63
    CHECK(8, a0, 0x8000000000000000)
    c.srli a0, 62
    CHECK(9, a0, 2)
    li a0, -16
    c.srai a0, 2
    CHECK(10, a0, -4)
    li a0, 0xff
    c.andi a0, -16
    CHECK(11, a0, 0xf0)
    li a1, 77
    c.mv a0, a1
    CHECK(12, a0, 77)
    li a0, 5
    li a1, 6
    c.add a0, a1
    CHECK(13, a0, 11)
    c.sub a0, a1
    CHECK(14, a0, 5)
    li a0, 0xf0
    li a1, 0xff
    c.xor a0, a1
    CHECK(15, a0, 0x0f)
    c.or a0, a1
    CHECK(16, a0, 0xff)
    li a0, 0x3c
    c.and a0, a1
    CHECK(17, a0, 0x3c)
    li a0, 0
    li a1, 1
    c.subw a0, a1
    CHECK(18, a0, -1)
    li a0, 0x7fffffff
    c.addw a0, a1
    CHECK(19, a0, 0xffffffff80000000)

    la s0, cbuf
    li a1, 0x1122334455667788
    c.sd a1, 8(s0)
    c.ld a0, 8(s0)
    CHECK(20, a0, 0x1122334455667788)
    c.sw a1, 4(s0)
    c.lw a0, 4(s0)
    CHECK(21, a0, 0x55667788)
    li a1, 0x80000000
    c.sw a1, 0(s0)
    c.lw a0, 0(s0)
    CHECK(22, a0, 0xffffffff80000000)
    mv s1, sp
    mv sp, s0
    li a1, 0x0102030405060708
    c.sdsp a1, 16(sp)
    c.ldsp a0, 16(sp)
    CHECK(23, a0, 0x0102030405060708)
    c.swsp a1, 24(sp)
    c.lwsp a0, 24(sp)
    CHECK(24, a0, 0x05060708)
    mv sp, s1

    li TESTNUM, 25
    c.j 1f
    j fail
1:  li TESTNUM, 26
    la t0, 2f
    c.jr t0
    j fail
2:  li TESTNUM, 27
    la t0, 3f
    c.jalr t0
4:  j fail
3:  la t1, 4b
    bne ra, t1, fail
    li TESTNUM, 28
    li a0, 0
    c.beqz a0, 5f
    j fail
5:  li TESTNUM, 29
    li a0, 1
    c.bnez a0, 6f
    j fail
6:  c.beqz a0, 7f
    j 8f
7:  j fail
8:  li TESTNUM, 30
    c.nop
    /* Backward compressed branch and jump. */
    li a0, 3
9:  c.addi a0, -1
    c.bnez a0, 9b
    CHECK(31, a0, 0)
    .option pop
    j pass
TEST_END

    .data
    .align 4
cbuf:
    .skip 32

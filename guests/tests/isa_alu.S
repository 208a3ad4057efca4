/* RV64I integer computation: register-register, register-immediate, lui/auipc, and the
 * word (W) operations with their sign extension. */
#include "isa_test.h"

TEST_BEGIN
    TEST_RR(1, add, 5, 2, 3)
    TEST_RR(2, add, 0, -1, 1)
    TEST_RR(3, add, 0x8000000000000000, 0x7fffffffffffffff, 1)
    TEST_RR(4, sub, -1, 2, 3)
    TEST_RR(5, sub, 0x7fffffffffffffff, 0x8000000000000000, 1)
    TEST_RR(6, slt, 1, -1, 0)
    TEST_RR(7, slt, 0, 0, -1)
    TEST_RR(8, sltu, 0, -1, 0)
    TEST_RR(9, sltu, 1, 0, -1)
    TEST_RR(10, and, 0x0f000f00, 0xff00ff00, 0x0f0f0f0f)
    TEST_RR(11, or, 0xff0fff0f, 0xff00ff00, 0x0f0f0f0f)
    TEST_RR(12, xor, 0xf00ff00f, 0xff00ff00, 0x0f0f0f0f)
    TEST_RR(13, sll, 0x8000000000000000, 1, 63)
    TEST_RR(14, sll, 2, 1, 65)
    TEST_RR(15, srl, 1, 0x8000000000000000, 63)
    TEST_RR(16, sra, -1, 0x8000000000000000, 63)
    TEST_RR(17, sra, 0xc000000000000000, 0x8000000000000000, 1)
    TEST_RR(18, srl, 0x4000000000000000, 0x8000000000000000, 65)
    TEST_RI(19, addi, -2047, 1, -2048)
    TEST_RI(20, addi, 2048, 1, 2047)
    TEST_RI(21, slti, 1, -5, -4)
    TEST_RI(22, sltiu, 1, 5, -1)
    TEST_RI(23, sltiu, 0, -1, 5)
    TEST_RI(24, andi, 0xfff0, 0xffff, -16)
    TEST_RI(25, ori, -1, 0, -1)
    TEST_RI(26, xori, 0xfffffffffffff0f0, 0x0f0f, -1)
    TEST_RI(27, slli, 0x100000000, 1, 32)
    TEST_RI(28, srli, 1, 0x8000000000000000, 63)
    TEST_RI(29, srai, 0xffffffff80000000, 0x8000000000000000, 32)

    lui a0, 0x80000
    CHECK(30, a0, 0xffffffff80000000)
    lui a0, 0x7ffff
    CHECK(31, a0, 0x7ffff000)
    li TESTNUM, 32
1:  auipc a0, 1
    la a1, 1b
    li t0, 4096
    add a1, a1, t0
    bne a0, a1, fail

    TEST_RR(33, addw, 0xffffffff80000000, 0x7fffffff, 1)
    TEST_RR(34, addw, 0, 0xffffffff, 1)
    TEST_RR(35, subw, 0x7fffffff, 0x80000000, 1)
    TEST_RR(36, subw, 0xffffffffffffffff, 0, 1)
    TEST_RI(37, addiw, 0xffffffff80000000, 0x7fffffff, 1)
    TEST_RI(38, addiw, 0x7fffffff, 0x17fffffff, 0)
    TEST_RR(39, sllw, 0xffffffff80000000, 1, 31)
    TEST_RR(40, sllw, 2, 1, 33)
    TEST_RR(41, srlw, 1, 0x80000000, 31)
    TEST_RR(42, srlw, 0xffffffff80000000, 0x80000000, 0)
    TEST_RR(43, sraw, 0xffffffffffffffff, 0x80000000, 31)
    TEST_RR(44, sraw, 0xffffffffc0000000, 0x80000000, 33)
    TEST_RI(45, slliw, 0xffffffff80000000, 1, 31)
    TEST_RI(46, srliw, 0x7fffffff, 0xffffffffffffffff, 1)
    TEST_RI(47, sraiw, 0xffffffffffffffff, 0x00000000ffffffff, 5)
    TEST_RI(48, srliw, 0xffffffff80000000, 0x80000000, 0)

    /* x0 stays zero whatever is written to it. */
    li TESTNUM, 49
    li a1, 5
    addi zero, a1, 1
    add zero, a1, a1
    lui zero, 5
    bnez zero, fail
    TEST_RR(50, add, 10, 5, 5)
    j pass
TEST_END

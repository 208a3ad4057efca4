/// The operations of pre-decoded instructions. Compressed instructions decode to the
/// same operations as their 32-bit expansions, so the executor knows one instruction set.
///
/// Raw value 0 is `undecoded` so that a zero-filled decode page means "not decoded yet".
@usableFromInline
enum Op: UInt8 {
    case undecoded = 0
    /// Not a valid instruction: `imm` holds the instruction bits (for `mtval`).
    case illegal
    /// Harmless instruction (hints, writes to x0 with no other effect, `fence`).
    case nop
    case lui, auipc, jal, jalr
    case beq, bne, blt, bge, bltu, bgeu
    case lb, lh, lw, ld, lbu, lhu, lwu
    case sb, sh, sw, sd
    case addi, slti, sltiu, xori, ori, andi, slli, srli, srai
    case add, sub, sll, slt, sltu, xor, srl, sra, or, and
    case addiw, slliw, srliw, sraiw, addw, subw, sllw, srlw, sraw
    case mul, mulh, mulhsu, mulhu, div, divu, rem, remu
    case mulw, divw, divuw, remw, remuw
    /// LR, SC and AMOs: `imm` holds funct5 (the AMO operation).
    case lrW, lrD, scW, scD, amoW, amoD
    /// Everything that leaves the fast path: CSR access, `ecall`, `ebreak`, `mret`,
    /// `wfi`, `fence.i`. `imm` holds the instruction bits.
    case csrrw, csrrs, csrrc, csrrwi, csrrsi, csrrci
    case ecall, ebreak, mret, wfi, fenceI
    /// `sret`; `sfence.vma` (rs1 = address register, rs2 = ASID register).
    case sret, sfenceVma
    /// The custom-0 opcode, reserved for the mtrace magic instruction (annotations).
    /// `imm` holds the instruction bits.
    case magic
    /// Not an instruction: the fetch itself failed (the parcel lies outside RAM).
    /// `imm` holds the faulting address. Never cached.
    case fetchFault
    /// Not an instruction: fetching it through the MMU raised a trap (page fault, access
    /// fault, execute breakpoint) whose cause is in the hart's `fetchTrapCause`; `imm` holds
    /// the trap value. Never cached.
    case fetchTrap
}

/// One pre-decoded instruction: 16 bytes, so a 4 KiB code page decodes into a 32 KiB table
/// with one slot per 2-byte parcel.
///
/// Register numbers index the hart's register file; a destination of x0 is redirected to
/// slot 32, a scratch register nobody reads, so the executor never has to re-zero x0.
@usableFromInline
struct DecodedOp {
    @usableFromInline var imm: Int64
    @usableFromInline var op: Op
    @usableFromInline var rd: UInt8
    @usableFromInline var rs1: UInt8
    @usableFromInline var rs2: UInt8
    /// Instruction length in bytes: 2 or 4.
    @usableFromInline var len: UInt8

    @inline(__always)
    init(_ op: Op, rd: UInt32 = 0, rs1: UInt32 = 0, rs2: UInt32 = 0, imm: Int64 = 0, len: UInt8 = 4) {
        self.op = op
        self.rd = rd == 0 ? sinkRegister : UInt8(truncatingIfNeeded: rd)
        self.rs1 = UInt8(truncatingIfNeeded: rs1)
        self.rs2 = UInt8(truncatingIfNeeded: rs2)
        self.imm = imm
        self.len = len
    }

    /// The register number the guest wrote in the rd field (undoing the x0 redirection).
    var architecturalRD: Int { rd == sinkRegister ? 0 : Int(rd) }
}

/// Register-file slot that receives writes to x0.
@usableFromInline let sinkRegister: UInt8 = 32
/// Register-file slots per hart: x0…x31, the x0 sink, padding to a cache-line multiple.
@usableFromInline let registerStride = 40

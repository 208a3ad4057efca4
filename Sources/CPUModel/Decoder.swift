// Decoding of RV64IMAC + Zicsr + Zifencei into `DecodedOp`s. Runs once per instruction
// slot (results are cached by the executor), so clarity wins over speed here.

@inline(__always)
private func field(_ v: UInt32, _ hi: UInt32, _ lo: UInt32) -> UInt32 {
    (v >> lo) & ((1 << (hi - lo + 1)) - 1)
}

/// Sign-extends the low `n` bits of `v`.
@inline(__always)
private func signExtend(_ v: UInt32, _ n: UInt32) -> Int64 {
    Int64(Int32(bitPattern: v << (32 - n)) >> Int32(32 - n))
}

/// True when the low two bits mark a 32-bit instruction (not a compressed one).
@inline(__always)
func isFullLength(_ parcel: UInt16) -> Bool { parcel & 3 == 3 }

/// Decodes a 32-bit instruction.
func decode32(_ inst: UInt32) -> DecodedOp {
    let illegal = DecodedOp(.illegal, imm: Int64(inst))
    let opcode = inst & 0x7f
    let rd = field(inst, 11, 7)
    let rs1 = field(inst, 19, 15)
    let rs2 = field(inst, 24, 20)
    let f3 = field(inst, 14, 12)
    let f7 = field(inst, 31, 25)
    let immI = signExtend(inst >> 20, 12)
    switch opcode {
    case 0x37:
        return DecodedOp(.lui, rd: rd, imm: Int64(Int32(bitPattern: inst & 0xffff_f000)))
    case 0x17:
        return DecodedOp(.auipc, rd: rd, imm: Int64(Int32(bitPattern: inst & 0xffff_f000)))
    case 0x6f:
        let raw = (field(inst, 31, 31) << 20) | (field(inst, 19, 12) << 12)
            | (field(inst, 20, 20) << 11) | (field(inst, 30, 21) << 1)
        return DecodedOp(.jal, rd: rd, imm: signExtend(raw, 21))
    case 0x67:
        return f3 == 0 ? DecodedOp(.jalr, rd: rd, rs1: rs1, imm: immI) : illegal
    case 0x63:
        let raw = (field(inst, 31, 31) << 12) | (field(inst, 7, 7) << 11)
            | (field(inst, 30, 25) << 5) | (field(inst, 11, 8) << 1)
        let ops: [Op?] = [.beq, .bne, nil, nil, .blt, .bge, .bltu, .bgeu]
        guard let op = ops[Int(f3)] else { return illegal }
        return DecodedOp(op, rs1: rs1, rs2: rs2, imm: signExtend(raw, 13))
    case 0x03:
        let ops: [Op?] = [.lb, .lh, .lw, .ld, .lbu, .lhu, .lwu, nil]
        guard let op = ops[Int(f3)] else { return illegal }
        return DecodedOp(op, rd: rd, rs1: rs1, imm: immI)
    case 0x23:
        let ops: [Op?] = [.sb, .sh, .sw, .sd, nil, nil, nil, nil]
        guard let op = ops[Int(f3)] else { return illegal }
        let raw = (field(inst, 31, 25) << 5) | field(inst, 11, 7)
        return DecodedOp(op, rs1: rs1, rs2: rs2, imm: signExtend(raw, 12))
    case 0x13:
        let shamt = Int64(field(inst, 25, 20))
        let f6 = field(inst, 31, 26)
        let op: Op
        switch f3 {
        case 0: op = .addi
        case 2: op = .slti
        case 3: op = .sltiu
        case 4: op = .xori
        case 6: op = .ori
        case 7: op = .andi
        case 1:
            guard f6 == 0 else { return illegal }
            return rd == 0 ? DecodedOp(.nop) : DecodedOp(.slli, rd: rd, rs1: rs1, imm: shamt)
        default: // 5
            guard f6 == 0 || f6 == 0x10 else { return illegal }
            if rd == 0 { return DecodedOp(.nop) }
            return DecodedOp(f6 == 0 ? .srli : .srai, rd: rd, rs1: rs1, imm: shamt)
        }
        return rd == 0 ? DecodedOp(.nop) : DecodedOp(op, rd: rd, rs1: rs1, imm: immI)
    case 0x1b:
        let shamt = Int64(field(inst, 24, 20))
        switch f3 {
        case 0:
            return rd == 0 ? DecodedOp(.nop) : DecodedOp(.addiw, rd: rd, rs1: rs1, imm: immI)
        case 1:
            guard f7 == 0 else { return illegal }
            return rd == 0 ? DecodedOp(.nop) : DecodedOp(.slliw, rd: rd, rs1: rs1, imm: shamt)
        case 5:
            guard f7 == 0 || f7 == 0x20 else { return illegal }
            if rd == 0 { return DecodedOp(.nop) }
            return DecodedOp(f7 == 0 ? .srliw : .sraiw, rd: rd, rs1: rs1, imm: shamt)
        default:
            return illegal
        }
    case 0x33:
        let ops: [Op?]
        switch f7 {
        case 0x00: ops = [.add, .sll, .slt, .sltu, .xor, .srl, .or, .and]
        case 0x20: ops = [.sub, nil, nil, nil, nil, .sra, nil, nil]
        case 0x01: ops = [.mul, .mulh, .mulhsu, .mulhu, .div, .divu, .rem, .remu]
        default: return illegal
        }
        guard let op = ops[Int(f3)] else { return illegal }
        return rd == 0 ? DecodedOp(.nop) : DecodedOp(op, rd: rd, rs1: rs1, rs2: rs2)
    case 0x3b:
        let ops: [Op?]
        switch f7 {
        case 0x00: ops = [.addw, .sllw, nil, nil, nil, .srlw, nil, nil]
        case 0x20: ops = [.subw, nil, nil, nil, nil, .sraw, nil, nil]
        case 0x01: ops = [.mulw, nil, nil, nil, .divw, .divuw, .remw, .remuw]
        default: return illegal
        }
        guard let op = ops[Int(f3)] else { return illegal }
        return rd == 0 ? DecodedOp(.nop) : DecodedOp(op, rd: rd, rs1: rs1, rs2: rs2)
    case 0x0f:
        switch f3 {
        case 0: return DecodedOp(.nop) // fence: memory is sequentially consistent here
        case 1: return DecodedOp(.fenceI, imm: Int64(inst))
        default: return illegal
        }
    case 0x73:
        switch f3 {
        case 0:
            switch inst {
            case 0x0000_0073: return DecodedOp(.ecall, imm: Int64(inst))
            case 0x0010_0073: return DecodedOp(.ebreak, imm: Int64(inst))
            case 0x3020_0073: return DecodedOp(.mret, imm: Int64(inst))
            case 0x1050_0073: return DecodedOp(.wfi, imm: Int64(inst))
            case 0x1020_0073: return DecodedOp(.sret, imm: Int64(inst))
            default:
                if inst & 0xfe00_7fff == 0x1200_0073 {
                    return DecodedOp(.sfenceVma, rs1: rs1, rs2: rs2, imm: Int64(inst))
                }
                return illegal
            }
        case 4:
            return illegal
        default:
            let ops: [Op] = [.illegal, .csrrw, .csrrs, .csrrc, .illegal, .csrrwi, .csrrsi, .csrrci]
            return DecodedOp(ops[Int(f3)], rd: rd, rs1: rs1, imm: Int64(inst))
        }
    case 0x2f:
        guard f3 == 2 || f3 == 3 else { return illegal }
        let wide = f3 == 3
        let funct5 = field(inst, 31, 27)
        switch funct5 {
        case 0x02:
            guard rs2 == 0 else { return illegal }
            return DecodedOp(wide ? .lrD : .lrW, rd: rd, rs1: rs1, imm: Int64(funct5))
        case 0x03:
            return DecodedOp(wide ? .scD : .scW, rd: rd, rs1: rs1, rs2: rs2, imm: Int64(funct5))
        case 0x00, 0x01, 0x04, 0x08, 0x0c, 0x10, 0x14, 0x18, 0x1c:
            return DecodedOp(wide ? .amoD : .amoW, rd: rd, rs1: rs1, rs2: rs2, imm: Int64(funct5))
        default:
            return illegal
        }
    case 0x0b:
        return DecodedOp(.magic, imm: Int64(inst))
    default:
        return illegal
    }
}

/// Decodes a 16-bit compressed instruction into its 32-bit equivalent operation.
func decode16(_ parcel: UInt16) -> DecodedOp {
    let c = UInt32(parcel)
    let illegal = DecodedOp(.illegal, imm: Int64(c), len: 2)
    let f3 = field(c, 15, 13)
    // Registers x8…x15 named by 3-bit fields.
    let rdP = field(c, 4, 2) + 8
    let rs1P = field(c, 9, 7) + 8
    let rd = field(c, 11, 7)
    let rs2 = field(c, 6, 2)
    let imm6 = signExtend((field(c, 12, 12) << 5) | field(c, 6, 2), 6)

    func make(_ op: Op, rd: UInt32 = 0, rs1: UInt32 = 0, rs2: UInt32 = 0, imm: Int64 = 0) -> DecodedOp {
        DecodedOp(op, rd: rd, rs1: rs1, rs2: rs2, imm: imm, len: 2)
    }
    let nop = make(.nop)

    switch c & 3 {
    case 0:
        let uimmW = (field(c, 12, 10) << 3) | (field(c, 6, 6) << 2) | (field(c, 5, 5) << 6)
        let uimmD = (field(c, 12, 10) << 3) | (field(c, 6, 5) << 6)
        switch f3 {
        case 0: // c.addi4spn
            let nzuimm = (field(c, 12, 11) << 4) | (field(c, 10, 7) << 6)
                | (field(c, 6, 6) << 2) | (field(c, 5, 5) << 3)
            guard nzuimm != 0 else { return illegal }
            return make(.addi, rd: rdP, rs1: 2, imm: Int64(nzuimm))
        case 2: return make(.lw, rd: rdP, rs1: rs1P, imm: Int64(uimmW))
        case 3: return make(.ld, rd: rdP, rs1: rs1P, imm: Int64(uimmD))
        case 6: return make(.sw, rs1: rs1P, rs2: rdP, imm: Int64(uimmW))
        case 7: return make(.sd, rs1: rs1P, rs2: rdP, imm: Int64(uimmD))
        default: return illegal // c.fld, c.fsd, reserved
        }
    case 1:
        switch f3 {
        case 0: // c.addi, c.nop
            return rd == 0 ? nop : make(.addi, rd: rd, rs1: rd, imm: imm6)
        case 1: // c.addiw
            guard rd != 0 else { return illegal }
            return make(.addiw, rd: rd, rs1: rd, imm: imm6)
        case 2: // c.li
            return rd == 0 ? nop : make(.addi, rd: rd, rs1: 0, imm: imm6)
        case 3:
            if rd == 2 { // c.addi16sp
                let raw = (field(c, 12, 12) << 9) | (field(c, 6, 6) << 4) | (field(c, 5, 5) << 6)
                    | (field(c, 4, 3) << 7) | (field(c, 2, 2) << 5)
                guard raw != 0 else { return illegal }
                return make(.addi, rd: 2, rs1: 2, imm: signExtend(raw, 10))
            }
            // c.lui
            guard imm6 != 0 else { return illegal }
            return rd == 0 ? nop : make(.lui, rd: rd, imm: imm6 << 12)
        case 4:
            let shamt = Int64((field(c, 12, 12) << 5) | field(c, 6, 2))
            switch field(c, 11, 10) {
            case 0: return make(.srli, rd: rs1P, rs1: rs1P, imm: shamt)
            case 1: return make(.srai, rd: rs1P, rs1: rs1P, imm: shamt)
            case 2: return make(.andi, rd: rs1P, rs1: rs1P, imm: imm6)
            default:
                let ops: [Op?] = field(c, 12, 12) == 0
                    ? [.sub, .xor, .or, .and] : [.subw, .addw, nil, nil]
                guard let op = ops[Int(field(c, 6, 5))] else { return illegal }
                return make(op, rd: rs1P, rs1: rs1P, rs2: rdP)
            }
        case 5: // c.j
            let raw = (field(c, 12, 12) << 11) | (field(c, 11, 11) << 4) | (field(c, 10, 9) << 8)
                | (field(c, 8, 8) << 10) | (field(c, 7, 7) << 6) | (field(c, 6, 6) << 7)
                | (field(c, 5, 3) << 1) | (field(c, 2, 2) << 5)
            return make(.jal, rd: 0, imm: signExtend(raw, 12))
        default: // c.beqz, c.bnez
            let raw = (field(c, 12, 12) << 8) | (field(c, 11, 10) << 3) | (field(c, 6, 5) << 6)
                | (field(c, 4, 3) << 1) | (field(c, 2, 2) << 5)
            return make(f3 == 6 ? .beq : .bne, rs1: rs1P, rs2: 0, imm: signExtend(raw, 9))
        }
    case 2:
        switch f3 {
        case 0: // c.slli
            let shamt = Int64((field(c, 12, 12) << 5) | field(c, 6, 2))
            return rd == 0 ? nop : make(.slli, rd: rd, rs1: rd, imm: shamt)
        case 2: // c.lwsp
            guard rd != 0 else { return illegal }
            let uimm = (field(c, 12, 12) << 5) | (field(c, 6, 4) << 2) | (field(c, 3, 2) << 6)
            return make(.lw, rd: rd, rs1: 2, imm: Int64(uimm))
        case 3: // c.ldsp
            guard rd != 0 else { return illegal }
            let uimm = (field(c, 12, 12) << 5) | (field(c, 6, 5) << 3) | (field(c, 4, 2) << 6)
            return make(.ld, rd: rd, rs1: 2, imm: Int64(uimm))
        case 4:
            if field(c, 12, 12) == 0 {
                if rs2 == 0 { // c.jr
                    guard rd != 0 else { return illegal }
                    return make(.jalr, rd: 0, rs1: rd, imm: 0)
                }
                return rd == 0 ? nop : make(.add, rd: rd, rs1: 0, rs2: rs2) // c.mv
            }
            if rs2 == 0 {
                if rd == 0 { return make(.ebreak, imm: Int64(c)) }
                return make(.jalr, rd: 1, rs1: rd, imm: 0) // c.jalr
            }
            return rd == 0 ? nop : make(.add, rd: rd, rs1: rd, rs2: rs2) // c.add
        case 6: // c.swsp
            let uimm = (field(c, 12, 9) << 2) | (field(c, 8, 7) << 6)
            return make(.sw, rs1: 2, rs2: rs2, imm: Int64(uimm))
        case 7: // c.sdsp
            let uimm = (field(c, 12, 10) << 3) | (field(c, 9, 7) << 6)
            return make(.sd, rs1: 2, rs2: rs2, imm: Int64(uimm))
        default: // c.fldsp, c.fsdsp
            return illegal
        }
    default:
        return illegal // not compressed: the caller handles 32-bit parcels
    }
}

// The Sv39 page-table walk (privileged spec 4.3.2 and 4.4), with hardware-updated A and D
// bits: a walk that finds A clear (or D clear, for a store) sets it in the PTE, as QEMU
// does, instead of raising a page fault (the Svade choice).

/// Bits of a page-table entry.
enum PTE {
    static let valid: UInt64 = 1 << 0
    static let read: UInt64 = 1 << 1
    static let write: UInt64 = 1 << 2
    static let execute: UInt64 = 1 << 3
    static let user: UInt64 = 1 << 4
    static let global: UInt64 = 1 << 5
    static let accessed: UInt64 = 1 << 6
    static let dirty: UInt64 = 1 << 7
    /// N (Svnapot), PBMT (Svpbmt) and bits 60:54: none of those extensions is
    /// implemented, so a PTE with any of them set is invalid.
    static let reserved: UInt64 = 0x3ff << 54
    static let ppnShift: UInt64 = 10
    static let ppnMask: UInt64 = (1 << 44) - 1
}

/// What a walk reads and writes: page-table entries in physical memory. nil (or false)
/// means the PTE's address is not accessible (no RAM there, or PMP denies it), which
/// the walk reports as an access fault.
protocol PageTableMemory {
    mutating func loadPTE(_ address: UInt64) -> UInt64?
    mutating func storePTE(_ address: UInt64, _ value: UInt64) -> Bool
}

/// Who translates: the effective privilege of the access and mstatus's SUM and MXR.
struct TranslationContext: Equatable {
    var rootPageNumber: UInt64
    var privilege: Privilege
    var sum: Bool
    var mxr: Bool
}

/// The outcome of a walk.
enum WalkResult: Equatable {
    /// The physical address, and the log2 of the page size (12, 21 or 30).
    case translated(physical: UInt64, pageBits: UInt64)
    case pageFault
    case accessFault
}

/// Translates `virtual` for an access of `type` through the Sv39 table rooted at
/// `context.rootPageNumber`, setting A (and D for a store) in the leaf when clear.
func sv39Walk<M: PageTableMemory>(_ memory: inout M, _ virtual: UInt64, _ type: AccessType,
                                  _ context: TranslationContext) -> WalkResult {
    // Bits 63:39 must all equal bit 38.
    let high = Int64(bitPattern: virtual) >> 38
    guard high == 0 || high == -1 else { return .pageFault }
    var table = context.rootPageNumber << 12
    var level = 2
    while true {
        let index = (virtual >> (12 + 9 * UInt64(level))) & 0x1ff
        let pteAddress = table &+ index * 8
        guard var pte = memory.loadPTE(pteAddress) else { return .accessFault }
        if pte & PTE.valid == 0 || pte & PTE.reserved != 0
            || (pte & PTE.read == 0 && pte & PTE.write != 0) { return .pageFault }
        let ppn = (pte >> PTE.ppnShift) & PTE.ppnMask
        if pte & (PTE.read | PTE.execute) == 0 {
            // A pointer to the next level.
            guard level > 0 else { return .pageFault }
            level -= 1
            table = ppn << 12
            continue
        }
        // A leaf: permissions for the access and the privilege.
        switch type {
        case .fetch: if pte & PTE.execute == 0 { return .pageFault }
        case .load:
            if pte & PTE.read == 0 && !(context.mxr && pte & PTE.execute != 0) { return .pageFault }
        case .store: if pte & PTE.write == 0 { return .pageFault }
        }
        switch context.privilege {
        case .user: if pte & PTE.user == 0 { return .pageFault }
        case .supervisor:
            if pte & PTE.user != 0 && (type == .fetch || !context.sum) { return .pageFault }
        case .machine: break
        }
        // A superpage's PPN must be aligned to its size.
        let pageBits = 12 + 9 * UInt64(level)
        let lowPPN = (UInt64(1) << (9 * UInt64(level))) - 1
        if ppn & lowPPN != 0 { return .pageFault }
        let wanted = PTE.accessed | (type == .store ? PTE.dirty : 0)
        if pte & wanted != wanted {
            pte |= wanted
            guard memory.storePTE(pteAddress, pte) else { return .accessFault }
        }
        let offsetMask = (UInt64(1) << pageBits) - 1
        return .translated(physical: (ppn << 12) & ~offsetMask | (virtual & offsetMask), pageBits: pageBits)
    }
}

// mstatus and its S-mode view sstatus: one register, two windows, each legalising writes.

/// Bit fields of mstatus (RV64) that this machine implements.
enum MStatus {
    static let sie: UInt64 = 1 << 1
    static let mie: UInt64 = 1 << 3
    static let spie: UInt64 = 1 << 5
    static let mpie: UInt64 = 1 << 7
    static let spp: UInt64 = 1 << 8
    static let sppShift: UInt64 = 8
    static let mppShift: UInt64 = 11
    static let mpp: UInt64 = 3 << 11
    static let mprv: UInt64 = 1 << 17
    static let sum: UInt64 = 1 << 18
    static let mxr: UInt64 = 1 << 19
    static let tvm: UInt64 = 1 << 20
    static let tw: UInt64 = 1 << 21
    static let tsr: UInt64 = 1 << 22
    /// UXL = SXL = 2 (U- and S-mode are 64-bit), read-only.
    static let xl64: UInt64 = (2 << 32) | (2 << 34)
    /// Writable through mstatus. FS, VS and XS stay 0: there is no F, V or custom state.
    static let writable: UInt64 = sie | mie | spie | mpie | spp | mpp | mprv | sum | mxr | tvm | tw | tsr
    /// Visible through sstatus (UXL included; SD, FS, VS, XS read 0 here).
    static let supervisorView: UInt64 = sie | spie | spp | sum | mxr | (3 << 32)
    static let supervisorWritable: UInt64 = sie | spie | spp | sum | mxr
}

/// Legalisation of mstatus and sstatus writes (the stored value never holds the
/// read-only UXL/SXL bits; reads add them).
enum StatusCSR {
    /// The value mstatus reads as.
    static func read(_ stored: UInt64) -> UInt64 { stored | MStatus.xl64 }

    /// The stored value after the guest writes `value` to mstatus: only writable bits,
    /// and MPP = 2 (reserved) becomes U.
    static func writeMachine(_ stored: UInt64, _ value: UInt64) -> UInt64 {
        var status = value & MStatus.writable
        if (status & MStatus.mpp) >> MStatus.mppShift == 2 { status &= ~MStatus.mpp }
        return status
    }

    /// sstatus reads the S-mode fields of mstatus.
    static func readSupervisor(_ stored: UInt64) -> UInt64 { read(stored) & MStatus.supervisorView }

    /// A write of sstatus changes only the S-mode fields of mstatus.
    static func writeSupervisor(_ stored: UInt64, _ value: UInt64) -> UInt64 {
        (stored & ~MStatus.supervisorWritable) | (value & MStatus.supervisorWritable)
    }
}

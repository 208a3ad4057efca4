#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Physical memory beyond the RAM fast path: the decoded-instruction cache and its
// invalidation, the side effects of stores into special pages, and the MMIO devices
// of QEMU's `virt` board (test finisher, CLINT, NS16550A UART).

/// Device windows on the physical address map.
enum DeviceMap {
    static let finisher: UInt64 = 0x0010_0000
    static let finisherSize: UInt64 = 0x1000
    static let clint: UInt64 = 0x0200_0000
    static let clintSize: UInt64 = 0x1_0000
    static let uart: UInt64 = 0x1000_0000
    static let uartSize: UInt64 = 0x100
}

/// Result of a store that left the RAM fast path.
enum StoreStatus {
    case done
    case accessFault
    /// The store ended the run (test finisher, HTIF exit).
    case stop
}

extension Machine {
    // MARK: Decoded-instruction cache

    /// Decodes the instruction at RAM offset `offset` and caches it. Returns a
    /// `.fetchFault` op (not cached) when the instruction does not lie in RAM.
    @inline(never)
    func decodeSlot(_ offset: UInt64) -> DecodedOp {
        guard offset < ramSize else { return DecodedOp(.fetchFault, imm: Int64(bitPattern: offset &+ ramBase)) }
        let low = ram.load(fromByteOffset: Int(offset), as: UInt16.self)
        let decoded: DecodedOp
        if isFullLength(low) {
            guard offset + 4 <= ramSize else {
                return DecodedOp(.fetchFault, imm: Int64(bitPattern: offset &+ 2 &+ ramBase))
            }
            let high = ram.load(fromByteOffset: Int(offset + 2), as: UInt16.self)
            decoded = decode32(UInt32(low) | UInt32(high) << 16)
            // An instruction straddling two pages: stores into either must invalidate it.
            pageFlags[Int((offset + 2) >> 12)] |= pageHasCode
        } else {
            decoded = decode16(low)
        }
        let page = Int(offset >> 12)
        let table: UnsafeMutablePointer<DecodedOp>
        if let existing = decodePages[page] {
            table = existing
        } else {
            // calloc: zero bytes are `.undecoded` slots.
            table = calloc(2048, MemoryLayout<DecodedOp>.stride)!.bindMemory(to: DecodedOp.self, capacity: 2048)
            decodePages[page] = table
        }
        pageFlags[page] |= pageHasCode
        table[Int((offset & 0xfff) >> 1)] = decoded
        return decoded
    }

    /// Forgets decoded instructions that overlap the bytes `offset ..< offset + size`
    /// (including a 4-byte instruction that starts up to 3 bytes before).
    func invalidateCode(_ offset: UInt64, _ size: Int) {
        var slot = offset >= 3 ? (offset - 3) & ~1 : 0
        let last = offset + UInt64(size) - 1
        while slot <= last {
            if let table = decodePages[Int(slot >> 12)] {
                table[Int((slot & 0xfff) >> 1)].op = .undecoded
            }
            slot += 2
        }
    }

    /// `fence.i`: drops every decoded instruction.
    func flushDecodeCache() {
        for page in 0..<pageCount {
            if let table = decodePages[page] {
                memset(table, 0, 2048 * MemoryLayout<DecodedOp>.stride)
                pageFlags[page] &= ~pageHasCode
            }
        }
    }

    // MARK: Stores into flagged pages

    /// Side effects of a completed RAM store into a flagged page: decoded-code
    /// invalidation, breaking other harts' reservations, HTIF `tohost`. Returns true
    /// when the store ended the run.
    @inline(never)
    func storeHook(_ hart: Int, _ offset: UInt64, _ size: Int, pc: UInt64) -> Bool {
        let lastByte = offset + UInt64(size) - 1
        let flags = pageFlags[Int(offset >> 12)] | pageFlags[Int(lastByte >> 12)]
        if flags & pageHasCode != 0 { invalidateCode(offset, size) }
        if flags & pageHasReservation != 0 { breakReservations(hart, offset, lastByte) }
        if flags & pageHasToHost != 0, let toHost {
            let start = toHost - ramBase
            if offset < start + 8 && lastByte >= start { return htifWrite(hart, pc: pc) }
        }
        return false
    }

    /// Clears every other hart's reservation on the lines of `first…last`; drops the page
    /// flag once no reservation remains on the page, so later stores stay fast.
    func breakReservations(_ hart: Int, _ first: UInt64, _ last: UInt64) {
        let firstLine = first >> 6, lastLine = last >> 6
        var remaining = false
        let page = first >> 12
        for other in 0..<hartCount {
            let line = harts[other].reservation
            if other != hart, line >= firstLine, line <= lastLine {
                harts[other].reservation = noReservation
            } else if line != noReservation, line >> 6 == page {
                remaining = true
            }
        }
        if !remaining && first >> 12 == last >> 12 { pageFlags[Int(page)] &= ~pageHasReservation }
    }

    /// The guest wrote `tohost`: an exit request (`code << 1 | 1`) or a console character
    /// (device 1, command 1).
    func htifWrite(_ hart: Int, pc: UInt64) -> Bool {
        guard let toHost else { return false }
        let offset = Int(toHost - ramBase)
        let value = ram.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        if value == 0 { return false }
        let device = value >> 56, command = (value >> 48) & 0xff
        if device == 0 && value & 1 == 1 {
            let code = Int((value & 0xffff_ffff_ffff) >> 1)
            finish(code == 0 ? .passed : .failed(code: code))
            return true
        }
        if device == 1 && command == 1 {
            consoleWrite(UInt8(truncatingIfNeeded: value))
            ram.storeBytes(of: 0, toByteOffset: offset, as: UInt64.self)
            if let fromHost {
                ram.storeBytes(of: (1 << 56) | (1 << 48), toByteOffset: Int(fromHost - ramBase), as: UInt64.self)
            }
            return false
        }
        finish(.fault(GuestFault(hart: hart, pc: pc, cause: .storeAccessFault, value: toHost,
                                 reason: "unsupported HTIF request \(paddedHex(value)) written to tohost")))
        return true
    }

    func consoleWrite(_ byte: UInt8) {
        console.append(byte)
        onConsoleOutput?(byte)
    }

    // MARK: MMIO

    /// A load outside RAM (or crossing its end): device registers, or nil for an access fault.
    /// `executed` is the number of instructions of the current slice, for `mtime`.
    @inline(never)
    func loadSlow(_ hart: Int, _ address: UInt64, _ size: Int, executed: Int) -> UInt64? {
        if address >= DeviceMap.clint && address < DeviceMap.clint + DeviceMap.clintSize {
            let offset = address - DeviceMap.clint
            guard offset & 7 + UInt64(size) <= 8 else { return nil }
            let word = clintRead(offset & ~7, executed: executed)
            return truncate(word >> ((offset & 7) * 8), size)
        }
        if address >= DeviceMap.uart && address < DeviceMap.uart + DeviceMap.uartSize {
            return UInt64(uart.read(Int(address - DeviceMap.uart)))
        }
        if address >= DeviceMap.finisher && address < DeviceMap.finisher + DeviceMap.finisherSize {
            return 0
        }
        return nil
    }

    /// A store outside RAM (or crossing its end).
    @inline(never)
    func storeSlow(_ hart: Int, _ address: UInt64, _ size: Int, _ value: UInt64, executed: Int) -> StoreStatus {
        if address >= DeviceMap.clint && address < DeviceMap.clint + DeviceMap.clintSize {
            let offset = address - DeviceMap.clint
            guard offset & 7 + UInt64(size) <= 8 else { return .accessFault }
            let shift = (offset & 7) * 8
            let mask = truncate(~0, size) << shift
            let old = clintRead(offset & ~7, executed: executed)
            clintWrite(offset & ~7, (old & ~mask) | ((value << shift) & mask), executed: executed)
            return .done
        }
        if address >= DeviceMap.uart && address < DeviceMap.uart + DeviceMap.uartSize {
            if let byte = uart.write(Int(address - DeviceMap.uart), UInt8(truncatingIfNeeded: value)) {
                consoleWrite(byte)
            }
            return .done
        }
        if address >= DeviceMap.finisher && address < DeviceMap.finisher + DeviceMap.finisherSize {
            guard address == DeviceMap.finisher else { return .done }
            let word = UInt32(truncatingIfNeeded: value)
            switch word & 0xffff {
            case 0x5555: finish(.passed); return .stop
            case 0x3333: finish(.failed(code: Int(word >> 16))); return .stop
            default: return .done // reset and unknown commands: ignored
            }
        }
        return .accessFault
    }

    /// The current CLINT `mtime`: instruction slots so far divided by slots per tick.
    func mtime(executed: Int) -> UInt64 {
        (state.pointee.clock &+ UInt64(executed)) / slotsPerTick &+ state.pointee.mtimeOffset
    }

    /// Reads the 8-byte-aligned CLINT word at `offset` (msip words hold two harts each).
    func clintRead(_ offset: UInt64, executed: Int) -> UInt64 {
        if offset < 0x4000 {
            let first = Int(offset / 4)
            var word: UInt64 = 0
            if first < hartCount && harts[first].msip { word |= 1 }
            if first + 1 < hartCount && harts[first + 1].msip { word |= 1 << 32 }
            return word
        }
        if offset >= 0x4000 && offset < 0xbff8 {
            let hart = Int((offset - 0x4000) / 8)
            return hart < hartCount ? harts[hart].mtimecmp : 0
        }
        if offset == 0xbff8 { return mtime(executed: executed) }
        return 0
    }

    func clintWrite(_ offset: UInt64, _ value: UInt64, executed: Int) {
        if offset < 0x4000 {
            let first = Int(offset / 4)
            if first < hartCount { harts[first].msip = value & 1 != 0 }
            if first + 1 < hartCount { harts[first + 1].msip = (value >> 32) & 1 != 0 }
        } else if offset >= 0x4000 && offset < 0xbff8 {
            let hart = Int((offset - 0x4000) / 8)
            if hart < hartCount { harts[hart].mtimecmp = value }
        } else if offset == 0xbff8 {
            state.pointee.mtimeOffset = state.pointee.mtimeOffset &+ (value &- mtime(executed: executed))
        }
    }
}

/// The low `size` bytes of `value`.
@inline(__always)
func truncate(_ value: UInt64, _ size: Int) -> UInt64 {
    size >= 8 ? value : value & ((1 << UInt64(size * 8)) - 1)
}

/// The transmit side of an NS16550A: enough registers for drivers to find an idle,
/// ready transmitter. There is no input, so the receiver is always empty.
struct UART16550 {
    var ier: UInt8 = 0, fcr: UInt8 = 0, lcr: UInt8 = 0, mcr: UInt8 = 0, scr: UInt8 = 0
    var dll: UInt8 = 0, dlm: UInt8 = 0

    var dlab: Bool { lcr & 0x80 != 0 }

    mutating func read(_ offset: Int) -> UInt8 {
        switch offset {
        case 0: return dlab ? dll : 0 // receiver buffer: empty
        case 1: return dlab ? dlm : ier
        case 2: return fcr & 1 != 0 ? 0xc1 : 0x01 // no interrupt pending
        case 3: return lcr
        case 4: return mcr
        case 5: return 0x60 // transmitter holding register and shift register empty
        case 7: return scr
        default: return 0
        }
    }

    /// Returns the byte transmitted, if the write was to the transmitter.
    mutating func write(_ offset: Int, _ value: UInt8) -> UInt8? {
        switch offset {
        case 0:
            if dlab { dll = value; return nil }
            return value
        case 1: if dlab { dlm = value } else { ier = value & 0x0f }
        case 2: fcr = value
        case 3: lcr = value
        case 4: mcr = value
        case 7: scr = value
        default: break
        }
        return nil
    }
}

/// A set of CPU numbers 0...63, as one machine word.
public struct CPUSet: Hashable, Sendable, CustomStringConvertible {
    public var bits: UInt64
    @inlinable public init(bits: UInt64 = 0) { self.bits = bits }
    public init<S: Sequence>(_ cpus: S) where S.Element == Int {
        bits = 0
        for cpu in cpus { bits |= 1 << UInt64(cpu) }
    }
    /// The most CPUs a set (and so a simulation) can hold.
    public static let capacity = 64

    @inlinable public var isEmpty: Bool { bits == 0 }
    @inlinable public var count: Int { bits.nonzeroBitCount }
    @inlinable public func contains(_ cpu: Int) -> Bool { bits >> UInt64(cpu) & 1 != 0 }
    @inlinable public mutating func insert(_ cpu: Int) { bits |= 1 << UInt64(cpu) }
    @inlinable public func union(_ other: CPUSet) -> CPUSet { CPUSet(bits: bits | other.bits) }

    /// Members in ascending order.
    public var members: [Int] {
        var out: [Int] = []
        var b = bits
        while b != 0 {
            out.append(b.trailingZeroBitCount)
            b &= b - 1
        }
        return out
    }

    /// "0,2,5", or "-" when empty: compact and free of spaces, for tables and CSV.
    public var description: String {
        isEmpty ? "-" : members.map(String.init).joined(separator: ",")
    }
}

import MTrace

/// An access that the simulator cannot apply (sources normally reject these first, with a
/// file and line; this is the last line of defence for sources that do not).
public enum AccessError: Error, CustomStringConvertible, Equatable {
    case cpuOutOfRange(Access, cpus: Int)
    case badSize(Access)
    case addressOverflow(Access)

    public var description: String {
        switch self {
        case let .cpuOutOfRange(a, cpus):
            return "access by cpu \(a.cpu) at 0x\(String(a.address, radix: 16)): cpu is out of range, system.cpus is \(cpus)"
        case let .badSize(a):
            return "access by cpu \(a.cpu) at 0x\(String(a.address, radix: 16)): size must be 1...\(maximumAccessSize), got \(a.size)"
        case let .addressOverflow(a):
            return "access by cpu \(a.cpu) at 0x\(String(a.address, radix: 16)) of \(a.size) bytes runs past the end of the address space"
        }
    }
}

/// A simulator setting out of range; `key` is the config key at fault.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public var key: String
    public var message: String
    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }
    public var description: String { "\(key) \(message)" }
}

/// The single-writer / multiple-reader invariant failed (checking mode): a bug in a
/// protocol table or in the engine, reported with the evidence.
public struct InvariantViolation: Error, CustomStringConvertible {
    public var line: UInt64
    public var cpu: Int
    public var states: [(cpu: Int, state: LineState)]
    public var message: String
    public var description: String {
        let held = states.map { "cpu \($0.cpu): \($0.state)" }.joined(separator: ", ")
        return "coherence invariant violated after cpu \(cpu)'s access to line 0x\(String(line, radix: 16)): \(message) [\(held)]"
    }
}

import Testing
import TOML

/// A table as compact text without positions: `{a = 1, b = [2.0, "x"], c = {d = true}}`;
/// integers plain, floats as Swift prints them (always with a point or inf/nan), strings
/// as Swift string literals, dates as `kind:text`.
func render(_ t: TOMLTable) -> String {
    "{" + t.map { "\($0.key) = \(render($0.value))" }.joined(separator: ", ") + "}"
}

func render(_ v: TOMLValue) -> String {
    switch v.kind {
    case let .string(s): return s.debugDescription
    case let .integer(i): return String(i)
    case let .float(f): return f.isNaN ? (f.sign == .minus ? "-nan" : "nan") : String(f)
    case let .boolean(b): return String(b)
    case let .dateTime(d): return "\(d.kind):\(d.text)"
    case let .array(a): return "[" + a.map(render).joined(separator: ", ") + "]"
    case let .table(t): return render(t)
    }
}

/// Parses `text`, recording an issue when it is not valid TOML.
func parse(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> TOMLTable? {
    do {
        return try TOMLTable(parsing: text)
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// The value of the single key `v` in `v = <text>`, rendered.
func value(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
    guard let t = parse("v = " + text, sourceLocation: sourceLocation) else { return nil }
    #expect(t.keys == ["v"], sourceLocation: sourceLocation)
    return t["v"].map(render)
}

/// The error parsing `bytes` throws; records an issue when it parses.
func failure(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> TOMLError? {
    do {
        let t = try TOMLTable(parsing: bytes)
        Issue.record("expected a TOMLError, parsed \(render(t))", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

func failure(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> TOMLError? {
    failure(Array(text.utf8), sourceLocation: sourceLocation)
}

/// SplitMix64: a small seeded generator, so fuzz cases are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The trace formats mtlab reads; the raw values are those of the `workload.format`
/// configuration key.
public enum TraceFormat: String, Sendable, CaseIterable {
    /// `<cpu> <op> <address> [<size>]` lines (`.trace`).
    case text
    /// Dinero IV din, traditional or extended (`.din`); every access is CPU 0's.
    case din
    /// mtrace's binary log (`.mtrace`); its access records are the accesses.
    case mtrace

    /// The format a file name implies: `.trace`, `.din` or `.mtrace`, each optionally
    /// followed by `.gz` (letter case is ignored); nil for anything else.
    public static func infer(fromPath path: String) -> TraceFormat? {
        var name = Substring(path.lowercased())
        if name.hasSuffix(".gz") { name = name.dropLast(3) }
        if name.hasSuffix(".trace") { return .text }
        if name.hasSuffix(".din") { return .din }
        if name.hasSuffix(".mtrace") { return .mtrace }
        return nil
    }
}

/// Opens a trace file as a stream of accesses, gzipped or not.
///
/// `format` nil means inferring it from the file name; `cpus` is the run's CPU count
/// (text traces check every `cpu` field against it); `displayName` is what errors print
/// and defaults to `path`. Throws ``TraceError`` when the format is unknown or the file
/// cannot be opened; parse errors come from the source's `read(into:)`.
public func openTrace(path: String, displayName: String? = nil, format: TraceFormat?, cpus: Int) throws
    -> any TraceSource {
    let name = displayName ?? path
    guard let chosen = format ?? TraceFormat.infer(fromPath: path) else {
        throw TraceError(file: name, message: "cannot tell the trace format from the file name "
            + "(expected .trace, .din or .mtrace, optionally with .gz); set workload.format (text | din | mtrace)")
    }
    switch chosen {
    case .text: return try TextTraceReader(path: path, displayName: name, cpus: cpus)
    case .din: return try DinTraceReader(path: path, displayName: name)
    case .mtrace: return try MTraceAccessSource(path: path, displayName: name, cpus: cpus)
    }
}

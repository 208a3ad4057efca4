/// Which way of a full set a cache evicts.
public enum ReplacementKind: String, CaseIterable, Sendable {
    /// Least recently used valid way; hits and fills make a way most recent.
    case lru
    /// The valid way filled longest ago; hits change nothing.
    case fifo
    /// A uniformly random way from a seeded SplitMix64 stream (identical on every platform).
    case random
    /// Tree pseudo-LRU (ways must be a power of two).
    case plru
}

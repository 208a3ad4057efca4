/// SplitMix64 (Steele, Lea and Flood): a 64-bit state advanced by a fixed odd constant and
/// hashed to each output. Tiny, fast and reproducible bit for bit in any language, which is
/// why the synthetic trace and seeded random replacement use it.
@frozen
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    /// The whole generator state; the next output is a function of it alone.
    public var state: UInt64

    /// A generator whose initial state is `seed`.
    @inlinable
    public init(seed: UInt64) {
        state = seed
    }

    /// Advances the state and returns the next 64-bit output.
    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z &>> 31)
    }
}

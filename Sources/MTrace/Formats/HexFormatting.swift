/// `0x1f40`: an address or value in the fewest hex digits, as every report, scan table and
/// log description writes it. (CPUModel's messages pad theirs: `paddedHex`.)
package func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

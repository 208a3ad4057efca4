/// The coherence protocol that connects the per-CPU caches.
public enum CoherenceProtocol: String, CaseIterable, Sendable {
    /// Share-nothing, as mtrace's cache-assoc analysis: independent caches, no coherence actions.
    case none
    case msi
    case mesi
    case moesi
}

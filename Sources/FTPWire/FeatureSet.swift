/// The extensions a server announced in its reply to FEAT (RFC 2389).
public struct FeatureSet: Sendable, Equatable {
    /// Parameters of each feature, keyed by the upper-cased feature name (`MLST`, `UTF8`, ...).
    public let features: [String: String]

    public init(features: [String: String] = [:]) { self.features = features }

    /// Reads a `211` FEAT reply: one feature per line between the first and the last.
    public init(reply: Reply) {
        var features: [String: String] = [:]
        guard reply.code.kind == .positiveCompletion, reply.lines.count > 2 else {
            self.init(features: features)
            return
        }
        for line in reply.lines.dropFirst().dropLast() {
            let trimmed = line.trimmingSpaces
            guard !trimmed.isEmpty else { continue }
            let name = trimmed.prefix(while: { $0 != " " })
            let parameters = trimmed.dropFirst(name.count).trimmingSpaces
            features[name.uppercased()] = String(parameters)
        }
        self.init(features: features)
    }

    /// Whether the server announced `name` (case-insensitive).
    public func supports(_ name: String) -> Bool { features[name.uppercased()] != nil }

    /// Whether the server's MLST feature names `fact` among those it gives (case-insensitive;
    /// shown on, with a `*`, or not).
    public func offersMachineFact(_ fact: String) -> Bool {
        guard let facts = features["MLST"] else { return false }
        let wanted = fact.lowercased()
        return facts.split(separator: ";").contains { listed in
            let name = listed.trimmingSpaces.lowercased()
            return name == wanted || name == wanted + "*"
        }
    }
}

import Foundation

/// Makes text from a server safe to show on a terminal.
public enum Sanitizer {
    /// The text with every control character (C0, DEL, C1) and the Unicode bidirectional
    /// overrides replaced by a visible escape such as `\x1b` or `\u{202e}`, so that
    /// nothing a server sends can move the cursor, recolour or retitle a terminal.
    public static func visible(_ text: String) -> String {
        // Printable ASCII, the common case, needs no escapes.
        func printableASCII(_ byte: UInt8) -> Bool { byte >= 0x20 && byte < 0x7F }
        if text.utf8.withContiguousStorageIfAvailable({ $0.allSatisfy(printableASCII) }) ?? text.utf8.allSatisfy(printableASCII) {
            return text
        }
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            if isUnsafe(scalar) {
                if scalar.value < 0x100 {
                    let hex = String(scalar.value, radix: 16)
                    result += "\\x" + (hex.count == 1 ? "0" + hex : hex)
                } else {
                    result += "\\u{" + String(scalar.value, radix: 16) + "}"
                }
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    private static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// The text of a server's reply made visible as `visible` does, with every secret the
    /// process was told of (`neverShow`) replaced by `****` first, so that a server that echoes
    /// a password does not put it on the screen or in a log. Names and paths are not masked:
    /// a file may be called what a password also is.
    public static func visibleReply(_ text: String) -> String {
        visible(masked(text))
    }

    /// The secrets `visibleReply` masks, longest first.
    private static let secrets = SecretList()

    /// The fewest characters a secret must have to be masked: a shorter one would mask parts
    /// of ordinary words and names everywhere.
    public static let shortestSecret = 4

    /// Masks `secret` (a password) in every reply made visible from now on in this process;
    /// one shorter than `shortestSecret` is not masked.
    public static func neverShow(_ secret: String) {
        guard secret.count >= shortestSecret else { return }
        secrets.add(secret)
    }

    /// The text with every secret replaced by `****`.
    private static func masked(_ text: String) -> String {
        let secrets = secrets.all
        var text = text
        for secret in secrets where text.contains(secret) {
            text = text.replacing(secret, with: "****")
        }
        return text
    }
}

/// The secrets of the process, behind a lock (an `NSLock`, which the thread sanitizer follows,
/// where the standard library's `Mutex` is seen as no lock at all).
private final class SecretList: @unchecked Sendable {
    // @unchecked: `secrets` is only touched while `lock` is held.
    private let lock = NSLock()
    private var secrets: [String] = []

    /// Every secret, longest first.
    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return secrets
    }

    /// Adds a secret once. Longest first: a shorter secret inside a longer one must not mask
    /// only its part.
    func add(_ secret: String) {
        lock.lock()
        defer { lock.unlock() }
        guard !secrets.contains(secret) else { return }
        secrets.append(secret)
        secrets.sort { $0.count > $1.count }
    }
}

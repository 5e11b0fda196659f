import Foundation
import FTPWire

extension ServerSession {
    /// SITE: of its subcommands only `CHMOD MODE PATH`, with MODE in octal (three or four digits).
    func site(_ argument: String) {
        let words = argument.split(separator: " ", maxSplits: 2)
        guard words.first?.uppercased() == "CHMOD" else {
            reply(504, "SITE command not understood; only SITE CHMOD is.")
            return
        }
        guard words.count == 3, let mode = Self.fileMode(words[1]) else {
            reply(501, "SITE CHMOD needs an octal mode of 3 or 4 digits and a path.")
            return
        }
        guard let location = locate(String(words[2])) else { return }
        guard location.virtualPath != "/" else {
            reply(550, "Permission denied.")
            return
        }
        guard chmod(location.localPath, mode) == 0 else {
            reply(550, "SITE CHMOD failed: \(String(cString: strerror(errno))).")
            return
        }
        reply(200, "SITE CHMOD command ok.")
    }

    /// The mode that 3 or 4 octal digits write; nil for anything else.
    private static func fileMode(_ digits: Substring) -> mode_t? {
        guard (3...4).contains(digits.count), digits.allSatisfy({ ("0"..."7").contains($0) }) else { return nil }
        return mode_t(digits, radix: 8)
    }
}

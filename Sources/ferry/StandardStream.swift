import Foundation

/// Writes to standard output or standard error without trapping. When the reader is gone
/// (`ferry get -v … 2>&1 | head`), a write fails with EPIPE, which Foundation's `write(_:)`
/// answers with a fatal error; a lost reader must not kill a batch half way, so such a write is
/// dropped and the command goes on to its own exit status.
enum StandardStream {
    case output
    case error

    /// Writes `text` as UTF-8, dropping it if the stream is closed.
    func write(_ text: String) {
        let handle = self == .output ? FileHandle.standardOutput : FileHandle.standardError
        try? handle.write(contentsOf: Data(text.utf8))
    }
}

import FTPWire
import Logging

/// The control connection: commands out, replies in, the dialogue logged at trace level.
final class ControlConnection {
    private(set) var transport: any Transport
    private var parser = ReplyParser()
    private let logger: Logger
    private var buffer = [UInt8](repeating: 0, count: 4096)

    init(transport: any Transport, logger: Logger) {
        self.transport = transport
        self.logger = logger
    }

    /// Whether bytes arrived that no reply read so far took. Right after `234` to `AUTH TLS`
    /// there must be none: they would be read as if they had come inside TLS.
    var hasBufferedInput: Bool { parser.hasBufferedInput }

    /// Swaps the transport under the connection, as when TLS starts after `AUTH TLS`.
    func replaceTransport(_ newTransport: any Transport) {
        transport = newTransport
    }

    /// Writes a command. The log shows it with the password masked.
    func send(_ command: FTPCommand) throws {
        logger.trace("> \(command)")
        try transport.write(command.wireBytes)
    }

    /// Reads the next complete reply.
    func readReply(to command: FTPCommand?) throws -> Reply {
        while true {
            if let reply = parser.nextReply() {
                for line in reply.description.split(separator: "\n", omittingEmptySubsequences: false) {
                    logger.trace("< \(Sanitizer.visible(String(line)))")
                }
                return reply
            }
            let count = try buffer.withUnsafeMutableBytes { try transport.read(into: $0) }
            guard count > 0 else {
                throw FTPError(kind: .connection, command: command?.description, detail: "the server closed the control connection")
            }
            do {
                try parser.feed(buffer[0..<count])
            } catch {
                throw FTPError(kind: .protocolViolation, command: command?.description, detail: error.description)
            }
        }
    }

    /// Sends a command and reads its reply, skipping no preliminary replies.
    func execute(_ command: FTPCommand) throws -> Reply {
        try send(command)
        return try readReply(to: command)
    }
}

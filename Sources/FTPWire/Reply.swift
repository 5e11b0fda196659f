/// One complete FTP reply: a code and one or more lines of text.
public struct Reply: Sendable, Equatable, CustomStringConvertible {
    /// The reply code.
    public let code: ReplyCode
    /// The text of each line, without the code and separator on the first and last line,
    /// and without line endings. A single-line reply has exactly one element.
    public let lines: [String]
    /// The bytes of each line as they arrived: a path in a 257 reply need not be UTF-8.
    public let lineBytes: [[UInt8]]

    public init(code: ReplyCode, lines: [String]) {
        self.code = code
        self.lines = lines.isEmpty ? [""] : lines
        lineBytes = self.lines.map { Array($0.utf8) }
    }

    /// A reply from the bytes of its lines, each decoded as `TextDecoding` does.
    public init(code: ReplyCode, lineBytes: [[UInt8]]) {
        self.code = code
        self.lineBytes = lineBytes.isEmpty ? [[]] : lineBytes
        lines = self.lineBytes.map { TextDecoding.string($0) }
    }

    /// The text of the first line: for a single-line reply, all of it.
    public var message: String { lines.first ?? "" }

    /// The bytes of the first line.
    public var messageBytes: [UInt8] { lineBytes.first ?? [] }

    /// All lines joined by newlines.
    public var text: String { lines.joined(separator: "\n") }

    /// The reply as the server would have written it, one line per element.
    public var description: String {
        if lines.count == 1 { return "\(code) \(lines[0])" }
        var rendered = ["\(code)-\(lines[0])"]
        rendered += lines.dropFirst().dropLast()
        rendered.append("\(code) \(lines[lines.count - 1])")
        return rendered.joined(separator: "\n")
    }
}

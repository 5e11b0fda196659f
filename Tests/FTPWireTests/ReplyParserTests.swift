@testable import FTPWire
import Testing
import TestSupport

@Suite("Reply parser")
struct ReplyParserTests {
    /// Feeds the same bytes whole, one byte at a time and in random batches, and checks that
    /// every way gives the same replies (after swift-nio's ByteToMessageDecoderVerifier).
    static func parseAllWays(_ text: String, seed: UInt64 = 42) throws -> [Reply] {
        let bytes = Array(text.utf8)
        var whole = ReplyParser()
        try whole.feed(bytes)
        let expected = drain(&whole)

        var single = ReplyParser()
        for byte in bytes { try single.feed([byte]) }
        #expect(drain(&single) == expected)

        var generator = SeededGenerator(seed: seed)
        for _ in 0..<20 {
            var batched = ReplyParser()
            var index = 0
            while index < bytes.count {
                let size = Int.random(in: 1...max(1, bytes.count - index), using: &generator)
                try batched.feed(bytes[index..<(index + size)])
                index += size
            }
            #expect(drain(&batched) == expected)
        }
        return expected
    }

    static func drain(_ parser: inout ReplyParser) -> [Reply] {
        var replies: [Reply] = []
        while let reply = parser.nextReply() { replies.append(reply) }
        return replies
    }

    @Test func singleLineReplies() throws {
        let replies = try Self.parseAllWays("220 Welcome\r\n331 Password please.\r\n230 OK\r\n")
        #expect(replies.map(\.code) == [.serviceReady, .needPassword, .loggedIn])
        #expect(replies[1].message == "Password please.")
    }

    @Test func multiLineReplyKeepsInnerLines() throws {
        let text = "211-Features:\r\n MLST type*;size*;\r\n211-looks like the end but is not\r\n UTF8\r\n211 End\r\n200 next\r\n"
        let replies = try Self.parseAllWays(text)
        #expect(replies.count == 2)
        #expect(replies[0].code == .systemStatus)
        #expect(replies[0].lines == ["Features:", " MLST type*;size*;", "211-looks like the end but is not", " UTF8", "End"])
        #expect(replies[1].code == .commandOK)
    }

    @Test func bareLineFeedsAndCodeOnlyLines() throws {
        let replies = try Self.parseAllWays("220 hi\n230\n123-first\n123\n")
        #expect(replies.map(\.code.rawValue) == [220, 230, 123])
        #expect(replies[1].message == "")
        #expect(replies[2].lines == ["first", ""])
    }

    @Test func unknownCodesSurvive() throws {
        let replies = try Self.parseAllWays("522 Network protocol not supported\r\n299 odd\r\n999 beyond\r\n")
        #expect(replies.map(\.code.rawValue) == [522, 299, 999])
        #expect(replies[0].code.kind == .permanentNegative)
        #expect(replies[2].code.kind == .invalid)
        #expect(replies[0].code.description == "522")
        #expect(ReplyCode(rawValue: 7).description == "007")
    }

    @Test func nonUTF8TextIsKeptAsLatin1() throws {
        var parser = ReplyParser()
        try parser.feed([0x32, 0x35, 0x37, 0x20, 0x22, 0x2F, 0xE9, 0x22, 0x0D, 0x0A])
        #expect(parser.nextReply()?.message == "\"/é\"")
    }

    @Test func malformedLinesAreRejectedWithTheLine() {
        for text in ["hello\r\n", "22 short\r\n", "220xno separator\r\n", "\r\n"] {
            var parser = ReplyParser()
            #expect(throws: ReplyParseError.self) { try parser.feed(Array(text.utf8)) }
        }
        var parser = ReplyParser()
        do {
            try parser.feed(Array("HTTP/1.1 400 Bad Request\r\n".utf8))
            Issue.record("expected an error")
        } catch {
            #expect(error.reason == .malformedLine)
            #expect(error.description.contains("HTTP/1.1 400"))
        }
    }

    @Test func lineLengthIsBounded() {
        var parser = ReplyParser(maximumLineLength: 100)
        let long = "220 " + String(repeating: "x", count: 200)
        #expect(throws: ReplyParseError(reason: .lineTooLong(limit: 100), line: "220 " + String(repeating: "x", count: 76))) {
            try parser.feed(Array(long.utf8))
        }
    }

    @Test func lineCountIsBounded() {
        var parser = ReplyParser(maximumLineCount: 10)
        let text = "211-start\r\n" + String(repeating: " line\r\n", count: 20)
        #expect(throws: ReplyParseError.self) { try parser.feed(Array(text.utf8)) }
    }

    /// Lines each within bounds, and not too many, still add up to one reply of bounded size.
    @Test func replyLengthIsBounded() throws {
        var parser = ReplyParser(maximumReplyLength: 10_000)
        let line = " " + String(repeating: "\u{FF}", count: 999) + "\r\n"
        #expect(throws: ReplyParseError.self) { try parser.feed(Array(("211-start\r\n" + String(repeating: line, count: 12)).utf8)) }
        var fits = ReplyParser(maximumReplyLength: 10_000)
        try fits.feed(Array(("211-start\r\n" + String(repeating: " 1234567\r\n", count: 900) + "211 end\r\n").utf8))
        #expect(fits.nextReply()?.lines.count == 902)
    }

    @Test func partialReplyIsHeldBack() throws {
        var parser = ReplyParser()
        try parser.feed(Array("211-a\r\n b\r\n21".utf8))
        #expect(parser.nextReply() == nil)
        #expect(parser.hasPartialReply)
        try parser.feed(Array("1 c\r\n".utf8))
        #expect(parser.nextReply()?.lines == ["a", " b", "c"])
        #expect(!parser.hasPartialReply)
    }

    @Test func renderingRoundTrips() throws {
        let reply = Reply(code: .systemStatus, lines: ["Features:", " UTF8", "End"])
        let parsed = try Self.parseAllWays(reply.description.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n")
        #expect(parsed == [reply])
    }

    @Test func randomBytesNeverCrash() {
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<2000 {
            var parser = ReplyParser(maximumLineLength: 64, maximumLineCount: 8)
            let bytes = (0..<Int.random(in: 0...300, using: &generator)).map { _ in
                // Bias towards the bytes that matter to the grammar.
                [UInt8(ascii: "2"), UInt8(ascii: "-"), UInt8(ascii: " "), 0x0D, 0x0A, UInt8.random(in: 0...255, using: &generator)]
                    .randomElement(using: &generator) ?? 0
            }
            _ = try? parser.feed(bytes)
            while parser.nextReply() != nil {}
        }
    }
}

@Suite("Bytes left after a reply")
struct ReplyParserBufferTests {
    @Test(arguments: ["", "234 AUTH TLS ok.\r\n"])
    func nothingLeftAfterTheLastReply(_ before: String) throws {
        var parser = ReplyParser()
        try parser.feed(Array(("220 Hi\r\n" + before).utf8))
        while parser.nextReply() != nil {}
        #expect(!parser.hasBufferedInput)
    }

    @Test(arguments: ["230 Logged in.\r\n", "2", "230-", "\u{16}\u{03}"])
    func bytesAfterTheReplyAreBuffered(_ extra: String) throws {
        var parser = ReplyParser()
        do { try parser.feed(Array(("234 AUTH TLS ok.\r\n" + extra).utf8)) } catch {}
        #expect(parser.nextReply()?.code.rawValue == 234)
        #expect(parser.hasBufferedInput)
    }
}

import Foundation
import FTPWire
import Testing

@Suite("Commands and reply texts")
struct CommandAndReplyTextTests {
    @Test(arguments: ["a\r\nDELE b", "a\nb", "a\rb", "a\u{0}b"])
    func commandsRefuseLineBreaksAndNUL(_ argument: String) {
        #expect(throws: CommandError.self) { try FTPCommand("RETR", argument) }
    }

    @Test func commandsRender() throws {
        #expect(try FTPCommand("RETR", "dir/a b.txt").wireBytes == Array("RETR dir/a b.txt\r\n".utf8))
        #expect(try FTPCommand("PWD").wireBytes == Array("PWD\r\n".utf8))
        #expect(try FTPCommand("RETR", bytes: [0x61, 0xE9]).wireBytes == [0x52, 0x45, 0x54, 0x52, 0x20, 0x61, 0xE9, 0x0D, 0x0A])
    }

    @Test func passwordsAreMaskedInDescriptions() throws {
        #expect(try FTPCommand("PASS", "hunter2").description == "PASS ****")
        #expect(try FTPCommand("pass", "hunter2").description == "pass ****")
        #expect(try FTPCommand("RETR", "a\u{1B}[31m").description == "RETR a\\x1b[31m")
    }

    @Test func passiveReplies() {
        #expect(PassiveAddress(pasvReply: "Entering Passive Mode (127,0,0,1,195,80).") == PassiveAddress(host: "127.0.0.1", port: 50000))
        #expect(PassiveAddress(pasvReply: "Entering Passive Mode 10,1,2,3,4,5") == PassiveAddress(host: "10.1.2.3", port: 1029))
        #expect(PassiveAddress(pasvReply: "=127,0,0,1,0,21") == PassiveAddress(host: "127.0.0.1", port: 21))
        #expect(PassiveAddress(pasvReply: "Entering Passive Mode (256,0,0,1,1,1)") == nil)
        #expect(PassiveAddress(pasvReply: "Entering Passive Mode (1,2,3,4,5)") == nil)
        #expect(PassiveAddress(pasvReply: "") == nil)
        #expect(PassiveAddress(pasvReply: "(1234,2,3,4,5,6)") == nil)
        #expect(PassiveAddress(host: "127.0.0.1", port: 50000).portArgument == "127,0,0,1,195,80")
        #expect(PassiveAddress(portArgument: "127,0,0,1,195,80") == PassiveAddress(host: "127.0.0.1", port: 50000))
        #expect(PassiveAddress(portArgument: "127,0,0,1,195") == nil)
    }

    @Test func extendedPassiveReplies() {
        #expect(ExtendedPassiveReply.port(from: "Entering Extended Passive Mode (|||6446|)") == 6446)
        #expect(ExtendedPassiveReply.port(from: "Entering Extended Passive Mode (!!!6446!)") == 6446)
        #expect(ExtendedPassiveReply.port(from: "Entering Extended Passive Mode (|||0|)") == nil)
        #expect(ExtendedPassiveReply.port(from: "Entering Extended Passive Mode (|||70000|)") == nil)
        #expect(ExtendedPassiveReply.port(from: "Entering Extended Passive Mode (||6446|)") == nil)
        #expect(ExtendedPassiveReply.port(from: "no parentheses") == nil)
        #expect(ExtendedPortArgument("|2|::1|6446|") == ExtendedPortArgument(family: 2, host: "::1", port: 6446))
        #expect(ExtendedPortArgument("|1|127.0.0.1|21|")?.argument == "|1|127.0.0.1|21|")
        #expect(ExtendedPortArgument("|3|x|1|") == nil)
    }

    @Test func pathnameReplies() throws {
        #expect(PathnameReply.path(from: "\"/home/a\" is the current directory") == "/home/a")
        #expect(PathnameReply.path(from: "\"/say \"\"hi\"\"\" created") == "/say \"hi\"")
        #expect(PathnameReply.path(from: "MKD ok \"/x\"") == "/x")
        #expect(PathnameReply.path(from: "no quotes") == nil)
        // Bytes as sent: a Latin-1 name survives; an unterminated quote or a lone one gives nothing.
        #expect(PathnameReply.path(from: [0x22, 0x2F, 0xE9, 0x22, 0x22, 0x74, 0x22, 0x20, 0x6F, 0x6B]) == [0x2F, 0xE9, 0x22, 0x74])
        #expect(PathnameReply.path(from: [0x22, 0x2F, 0xFF, 0x00]) == nil)
        #expect(PathnameReply.path(from: [0x22]) == nil)
        #expect(PathnameReply.path(from: [UInt8]()) == nil)
        var parser = ReplyParser()
        try parser.feed([0x32, 0x35, 0x37, 0x20, 0x22, 0x2F, 0xE9, 0x22, 0x0D, 0x0A])
        let next = parser.nextReply()
        let reply = try #require(next)
        #expect(reply.messageBytes == [0x22, 0x2F, 0xE9, 0x22])
        #expect(reply.message == "\"/é\"")
        #expect(PathnameReply.path(from: "\"unterminated") == nil)
        #expect(PathnameReply.quoting("/say \"hi\"") == "\"/say \"\"hi\"\"\"")
    }

    @Test func features() {
        let reply = Reply(code: .systemStatus, lines: ["Extensions supported:", " MLST size*;type*;", " UTF8", " REST STREAM", "End"])
        let features = FeatureSet(reply: reply)
        #expect(features.supports("mlst"))
        #expect(features.features["MLST"] == "size*;type*;")
        #expect(features.supports("REST"))
        #expect(!features.supports("EPSV"))
        #expect(!FeatureSet(reply: Reply(code: .syntaxError, lines: ["no"])).supports("UTF8"))
        // The facts MLST gives, on (`*`) or not.
        #expect(features.offersMachineFact("TYPE") && !features.offersMachineFact("unique") && !features.offersMachineFact("typ"))
        let withUnique = FeatureSet(reply: Reply(code: .systemStatus, lines: ["Features:", " MLST type*;unique;modify*;", "End"]))
        #expect(withUnique.offersMachineFact("unique") && withUnique.offersMachineFact("Modify"))
        #expect(!FeatureSet(reply: Reply(code: .systemStatus, lines: ["Features:", " UTF8", "End"])).offersMachineFact("type"))
        // A hostile fact list: empty facts, bare stars, spaces, no names at all.
        let odd = FeatureSet(reply: Reply(code: .systemStatus, lines: ["Features:", " MLST ;;*; * ;unique**;\u{0}", "End"]))
        #expect(!odd.offersMachineFact("unique") && !odd.offersMachineFact("type"))
    }

    @Test func sanitizerMakesControlsVisible() {
        #expect(Sanitizer.visible("a\u{1B}]0;owned\u{07}b") == "a\\x1b]0;owned\\x07b")
        #expect(Sanitizer.visible("evil\u{202E}txt.exe") == "evil\\u{202e}txt.exe")
        #expect(Sanitizer.visible("naïve ファイル") == "naïve ファイル")
        #expect(Sanitizer.visible("\u{9B}31m") == "\\x9b31m")
    }

    /// A secret the process was told of is masked wherever it appears in a reply, escapes or
    /// not, and nowhere else (a file may be named so); one too short to mask leaves text alone.
    /// (The secrets stay for the test process: these are made up to appear nowhere else.)
    @Test func sanitizerMasksSecretsInReplies() {
        Sanitizer.neverShow("Qx7#pw-for-masking")
        #expect(Sanitizer.visibleReply("530 Qx7#pw-for-masking? Qx7#pw-for-masking!") == "530 ****? ****!")
        #expect(Sanitizer.visibleReply("\u{1B}Qx7#pw-for-masking\u{07}") == "\\x1b****\\x07")
        #expect(Sanitizer.visibleReply("Qx7#pw-for") == "Qx7#pw-for")
        #expect(Sanitizer.visible("Qx7#pw-for-masking.txt") == "Qx7#pw-for-masking.txt")
        Sanitizer.neverShow("Qx7")
        #expect(Sanitizer.visibleReply("Qx7 stays") == "Qx7 stays")
    }

    /// A malformed reply line shown in an error is masked before it is cut to length: a
    /// password across the cut shows no part of itself.
    @Test func aMalformedLineIsMaskedBeforeItIsCut() {
        // "secret" alone is a secret too (the fixtures' password): the longer one is masked whole.
        Sanitizer.neverShow("secret")
        Sanitizer.neverShow("Zq-straddling-secret")
        var parser = ReplyParser()
        let line = "xyz " + String(repeating: "a", count: 190) + "Zq-straddling-secret and more\r\n"
        #expect {
            try parser.feed(Array(line.utf8))
        } throws: { error in
            let text = "\(error)"
            return !text.contains("Zq-str") && text.contains("aaaa")
        }
    }

    @Test func lineEndingsConvertAcrossChunks() throws {
        var decoder = LineEndingDecoder()
        var output: [UInt8] = []
        for chunk in ["a\r", "\nb\r", "x\r\n", "\r"] {
            try Array(chunk.utf8).withUnsafeBytes { try decoder.decode($0) { output += $0 } }
        }
        try decoder.finish { output += $0 }
        #expect(String(decoding: output, as: UTF8.self) == "a\nb\rx\n\r")
        var encoder = LineEndingEncoder()
        let encoded = Array("a\nb\r\nc".utf8).withUnsafeBytes { encoder.encode($0) }
        #expect(String(decoding: encoded, as: UTF8.self) == "a\r\nb\r\nc")
    }

    @Test func lineSplitterBoundsLines() {
        var splitter = LineSplitter(maximumLineLength: 5)
        var lines: [String] = []
        Array("ab\r\n0123456789\nxy".utf8).withUnsafeBytes { bytes in
            splitter.feed(bytes) { lines.append(String(decoding: $0, as: UTF8.self)) }
        }
        splitter.finish { lines.append(String(decoding: $0, as: UTF8.self)) }
        #expect(lines == ["ab", "01234", "xy"])
    }

    /// A caller that keeps the lines it is given keeps each at its own size: a long line earlier
    /// does not make every short line after it as large (a hostile listing would fill memory).
    @Test func linesKeptAfterALongLineKeepTheirOwnSize() {
        var splitter = LineSplitter()
        var kept: [[UInt8]] = []
        let listing = Array((String(repeating: "x", count: 16_000) + "\n" + String(repeating: "a b\n", count: 100)).utf8)
        listing.withUnsafeBytes { splitter.feed($0) { kept.append($0) } }
        #expect(kept.count == 101)
        #expect(kept[0].count == 16_000)
        #expect(kept.dropFirst().allSatisfy { $0 == Array("a b".utf8) && $0.capacity < 1024 })
    }
}

/// Turns the bytes a terminal sends into keys: UTF-8 characters, control characters, and the
/// escape sequences of xterm (and tmux, rxvt) and of the vt100 and Linux consoles for the
/// F-keys, arrows, Home, End, Insert, Delete, PgUp and PgDn. Esc followed by a character is
/// Alt with it.
///
/// Pure and incremental: a sequence cut short between two reads is kept until the rest comes,
/// or until `flush()` says nothing more is coming (a lone Esc is then Esc). Unknown sequences
/// are dropped whole; bytes that are not UTF-8 are dropped one by one. Never traps on any input.
public struct KeyDecoder: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// Whether bytes of an unfinished sequence wait for more.
    public var isWaiting: Bool { !pending.isEmpty }

    /// The keys `bytes` complete, in order; an unfinished sequence at the end waits.
    public mutating func decode(_ bytes: some Sequence<UInt8>) -> [Key] {
        pending.append(contentsOf: bytes)
        var keys: [Key] = []
        var index = 0
        while index < pending.count {
            guard let next = Self.next(in: pending[index...]) else { break }
            if let key = next.key { keys.append(key) }
            index += next.length
        }
        pending.removeFirst(index)
        return keys
    }

    /// Nothing more came in time: what waits is taken as typed. A lone Esc is Esc, Esc with one
    /// character is Alt with it, the start of a longer sequence is Esc and its characters, and
    /// a UTF-8 character cut short is dropped.
    public mutating func flush() -> [Key] {
        defer { pending = [] }
        guard pending.first == Self.escape else { return [] }
        let rest = Array(pending.dropFirst())
        if rest.isEmpty { return [.escape] }
        if rest.count == 1, let key = Self.plain(rest[0]), case .character(let character) = key { return [.alt(character)] }
        var decoder = KeyDecoder()
        return [.escape] + decoder.decode(rest)
    }

    private static let escape: UInt8 = 0x1B

    /// The key at the start of `bytes` and how many bytes it took (a nil key for bytes that
    /// mean nothing); nil when the bytes stop in the middle of it.
    private static func next(in bytes: ArraySlice<UInt8>) -> (key: Key?, length: Int)? {
        let first = bytes[bytes.startIndex]
        if first == escape { return escapeSequence(bytes) }
        if first < 0x80 { return (plain(first), 1) }
        guard let decoded = utf8Character(bytes) else { return nil }
        return (decoded.character.map(Key.character), decoded.length)
    }

    /// A key of one byte below 0x80: a control character or a printable ASCII one.
    private static func plain(_ byte: UInt8) -> Key? {
        switch byte {
        case 10, 13: .enter
        case 9: .tab
        case 8, 127: .backspace
        case 27: .escape
        case 1...26: .control(Character(Unicode.Scalar(byte + 96)))
        case 32..<127: .character(Character(Unicode.Scalar(byte)))
        default: nil
        }
    }

    /// A UTF-8 character and its length; a nil character for a byte that cannot start one (or
    /// a sequence that is not UTF-8); nil when the bytes stop in the middle of it.
    private static func utf8Character(_ bytes: ArraySlice<UInt8>) -> (character: Character?, length: Int)? {
        let first = bytes[bytes.startIndex]
        let length = switch first {
        case 0xC2...0xDF: 2
        case 0xE0...0xEF: 3
        case 0xF0...0xF4: 4
        default: 0
        }
        guard length > 0 else { return (nil, 1) }
        let available = bytes.prefix(length)
        // A byte that cannot continue the character ends it early: drop the lead byte alone.
        guard available.dropFirst().allSatisfy({ $0 & 0xC0 == 0x80 }) else { return (nil, 1) }
        guard available.count == length else { return nil }
        var iterator = available.makeIterator()
        var decoder = UTF8()
        guard case .scalarValue(let scalar) = decoder.decode(&iterator) else { return (nil, 1) }
        // C1 controls are not for showing.
        guard scalar.value >= 0xA0 else { return (nil, length) }
        return (Character(scalar), length)
    }

    /// What starts with Esc: a CSI (`Esc [`) or SS3 (`Esc O`) sequence, Alt with a character,
    /// or Esc itself before another Esc or a control character.
    private static func escapeSequence(_ bytes: ArraySlice<UInt8>) -> (key: Key?, length: Int)? {
        let start = bytes.startIndex
        guard bytes.count > 1 else { return nil }
        let second = bytes[start + 1]
        switch second {
        case UInt8(ascii: "["):
            return controlSequence(bytes)
        case UInt8(ascii: "O"):
            guard bytes.count > 2 else { return nil }
            return (singleShift(bytes[start + 2]), 3)
        case 32..<127:
            return (.alt(Character(Unicode.Scalar(second))), 2)
        case 0x80...:
            guard let decoded = utf8Character(bytes.dropFirst()) else { return nil }
            guard let character = decoded.character else { return (.escape, 1) }
            return (.alt(character), 1 + decoded.length)
        default:
            // Another Esc, or a control character: this Esc stands alone.
            return (.escape, 1)
        }
    }

    /// `Esc O` and a letter: the vt100 application keys.
    private static func singleShift(_ final: UInt8) -> Key? {
        switch final {
        case UInt8(ascii: "A"): .up
        case UInt8(ascii: "B"): .down
        case UInt8(ascii: "C"): .right
        case UInt8(ascii: "D"): .left
        case UInt8(ascii: "H"): .home
        case UInt8(ascii: "F"): .end
        case UInt8(ascii: "M"): .enter
        case UInt8(ascii: "P")...UInt8(ascii: "S"): .function(Int(final - UInt8(ascii: "P")) + 1)
        default: nil
        }
    }

    /// `Esc [`, parameters (digits and `;`), and a final byte; or the Linux console's
    /// `Esc [ [` and a letter for F1 to F5. The first parameter picks the key, the rest (the
    /// modifiers of xterm) are ignored.
    private static func controlSequence(_ bytes: ArraySlice<UInt8>) -> (key: Key?, length: Int)? {
        let start = bytes.startIndex + 2
        guard start < bytes.endIndex else { return nil }
        if bytes[start] == UInt8(ascii: "[") {
            guard start + 1 < bytes.endIndex else { return nil }
            let letter = bytes[start + 1]
            let key: Key? = (UInt8(ascii: "A")...UInt8(ascii: "E")).contains(letter) ? .function(Int(letter - UInt8(ascii: "A")) + 1) : nil
            return (key, 4)
        }
        var index = start
        // Parameter and intermediate bytes, up to a final one; a sequence may not be endless.
        while index < bytes.endIndex, (0x20...0x3F).contains(bytes[index]) {
            index += 1
            if index - start > 32 { return (nil, index - bytes.startIndex) }
        }
        guard index < bytes.endIndex else { return nil }
        let final = bytes[index]
        let length = index + 1 - bytes.startIndex
        guard (0x40...0x7E).contains(final) else { return (nil, length - 1) }
        let parameters = String(decoding: bytes[start..<index], as: UTF8.self)
        let number = Int(parameters.split(separator: ";", omittingEmptySubsequences: false).first ?? "")
        return (csiKey(final: final, number: number), length)
    }

    private static func csiKey(final: UInt8, number: Int?) -> Key? {
        switch final {
        case UInt8(ascii: "A"): return .up
        case UInt8(ascii: "B"): return .down
        case UInt8(ascii: "C"): return .right
        case UInt8(ascii: "D"): return .left
        case UInt8(ascii: "H"): return .home
        case UInt8(ascii: "F"): return .end
        case UInt8(ascii: "Z"): return .backTab
        case UInt8(ascii: "P")...UInt8(ascii: "S"): return .function(Int(final - UInt8(ascii: "P")) + 1)
        case UInt8(ascii: "~"): return number.flatMap(tildeKey)
        default: return nil
        }
    }

    /// `Esc [ n ~`: the editing keys and the F-keys of xterm and rxvt.
    private static func tildeKey(_ number: Int) -> Key? {
        switch number {
        case 1, 7: .home
        case 2: .insert
        case 3: .delete
        case 4, 8: .end
        case 5: .pageUp
        case 6: .pageDown
        case 11...15: .function(number - 10)
        case 17...21: .function(number - 11)
        case 23...26: .function(number - 12)
        case 28, 29: .function(number - 13)
        case 31...34: .function(number - 14)
        default: nil
        }
    }
}

/// Decoding of bytes that arrive from a server, whose encoding nobody promises.
public enum TextDecoding {
    /// The bytes as UTF-8 where they are valid UTF-8, otherwise as Latin-1 (every byte one
    /// character), so that no name is ever lost or replaced by U+FFFD.
    public static func string<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        decode(bytes).text
    }

    /// `string(_:)` and whether the text's UTF-8 is the bytes themselves (false where they were
    /// read as Latin-1): where it is, the bytes need not be kept beside the text.
    static func decode<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> (text: String, isUTF8: Bool) {
        if let decoded = bytes.withContiguousStorageIfAvailable(decode(contiguous:)) { return decoded }
        return Array(bytes).withUnsafeBufferPointer(decode(contiguous:))
    }

    /// `decode(_:)` of bytes in one piece. Runs once per listing entry: ASCII, nearly every
    /// name, is read without a second pass, and other text is decoded once and kept only if
    /// the decoder repaired nothing (its UTF-8 is the bytes themselves).
    private static func decode(contiguous bytes: UnsafeBufferPointer<UInt8>) -> (text: String, isUTF8: Bool) {
        var text = String(decoding: bytes, as: UTF8.self)
        if bytes.allSatisfy({ $0 < 0x80 }) { return (text, true) }
        let unchanged = text.withUTF8 { $0.count == bytes.count && $0.elementsEqual(bytes) }
        return unchanged ? (text, true) : (String(decoding: bytes.map { UInt16($0) }, as: UTF16.self), false)
    }
}

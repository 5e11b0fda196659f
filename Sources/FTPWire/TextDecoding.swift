/// Decoding of bytes that arrive from a server, whose encoding nobody promises.
public enum TextDecoding {
    /// The bytes as UTF-8 where they are valid UTF-8, otherwise as Latin-1 (every byte one
    /// character), so that no name is ever lost or replaced by U+FFFD.
    public static func string<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        if let text = bytes.withContiguousStorageIfAvailable(string(contiguous:)) { return text }
        return Array(bytes).withUnsafeBufferPointer(string(contiguous:))
    }

    /// `string(_:)` of bytes in one piece. Runs once per listing entry: ASCII, nearly every
    /// name, is read without a second pass, and other text is decoded once and kept only if
    /// the decoder repaired nothing (its UTF-8 is the bytes themselves).
    private static func string(contiguous bytes: UnsafeBufferPointer<UInt8>) -> String {
        var text = String(decoding: bytes, as: UTF8.self)
        if bytes.allSatisfy({ $0 < 0x80 }) { return text }
        let unchanged = text.withUTF8 { $0.count == bytes.count && $0.elementsEqual(bytes) }
        return unchanged ? text : String(decoding: bytes.map { UInt16($0) }, as: UTF16.self)
    }
}

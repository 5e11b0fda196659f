/// Decoding of bytes that arrive from a server, whose encoding nobody promises.
public enum TextDecoding {
    /// The bytes as UTF-8 where they are valid UTF-8, otherwise as Latin-1 (every byte one
    /// character), so that no name is ever lost or replaced by U+FFFD.
    public static func string<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        let array = Array(bytes)
        if let utf8 = String(validating: array, as: UTF8.self) { return utf8 }
        return String(decoding: array.map { UInt16($0) }, as: UTF16.self)
    }
}

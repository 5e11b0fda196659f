/// How file contents are represented on the wire (TYPE), for a client and a server alike.
public enum TransferType: Sendable, Equatable {
    /// TYPE I: bytes as they are.
    case binary
    /// TYPE A: text with CRLF line endings on the wire and LF locally.
    case ascii
}

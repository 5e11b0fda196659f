// A stand-in for TOMLKit in the commander fuzz target (scripts/fuzz --target commander), with the
// little of its interface that Commander uses. TOMLKit's C++ core is impractical to build with
// swiftc, and the fuzzed code (update and view) reads no configuration: this reads no TOML at all,
// every text is an error. Not part of the package.

public protocol TOMLValueConvertible {
    var string: String? { get }
    var bool: Bool? { get }
    var table: TOMLTable? { get }
    var array: TOMLArray? { get }
}

public struct TOMLArray: Sequence {
    public func makeIterator() -> IndexingIterator<[any TOMLValueConvertible]> { [].makeIterator() }
}

public struct TOMLTable: Sequence {
    public init(string: String) throws { throw TOMLParseError() }
    public var keys: [String] { [] }
    public subscript(key: String) -> (any TOMLValueConvertible)? { nil }
    public func makeIterator() -> IndexingIterator<[(String, any TOMLValueConvertible)]> { [].makeIterator() }
}

public struct TOMLParseError: Error, CustomStringConvertible {
    public struct Position { public let line = 0 }
    public struct Source { public let begin = Position() }
    public let source = Source()
    public var description: String { "TOML is not read in the fuzz build" }
}

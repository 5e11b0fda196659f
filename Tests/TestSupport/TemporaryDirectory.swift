import Foundation

/// A folder under the system's temporary directory, removed by `remove()`.
public final class TemporaryDirectory: Sendable {
    /// The folder's path.
    public let path: String

    public init(_ label: String = "ferry-test") throws {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    /// The path of `relative` inside the folder.
    public func file(_ relative: String) -> String { path + "/" + relative }

    /// Writes `contents` to `relative`, creating folders on the way.
    @discardableResult
    public func write(_ relative: String, _ contents: Data) throws -> String {
        let target = file(relative)
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try contents.write(to: URL(fileURLWithPath: target))
        return target
    }

    /// The contents of `relative`, or nil when it does not exist.
    public func read(_ relative: String) -> Data? {
        FileManager.default.contents(atPath: file(relative))
    }

    /// Whether `relative` exists.
    public func exists(_ relative: String) -> Bool {
        FileManager.default.fileExists(atPath: file(relative))
    }

    /// The folder beside `path` where programs run in it keep their state (the journal).
    public static func stateFolder(of path: String) -> String {
        (path.hasSuffix("/") ? String(path.dropLast()) : path) + "-state"
    }

    /// The journal of the programs run in this folder.
    public var journalFolder: String { Self.stateFolder(of: path) + "/ferry/journal" }

    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.removeItem(atPath: Self.stateFolder(of: path))
    }
}

/// Deterministic pseudo-random bytes, so that a failing comparison can be reproduced.
public func sampleBytes(_ count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> Data {
    var state = seed
    var bytes = [UInt8](repeating: 0, count: count)
    for index in 0..<count {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        bytes[index] = UInt8(truncatingIfNeeded: state >> 33)
    }
    return Data(bytes)
}

/// A reader for `FTPClient.store` that hands out `data` from `offset` on, then 0.
public func reader(for data: Data, from offset: Int = 0) -> (UnsafeMutableRawBufferPointer) -> Int {
    var position = offset
    return { buffer in
        let count = min(buffer.count, data.count - position)
        data.copyBytes(to: buffer.bindMemory(to: UInt8.self), from: position..<(position + count))
        position += count
        return count
    }
}

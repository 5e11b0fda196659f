import Foundation

/// What a local file is now: size, modification time and a hash of its bytes, to tell whether an
/// editor changed it (an editor may save the same bytes, or change bytes within one second).
struct FileStamp: Equatable {
    let size: UInt64
    let modified: Int
    let hash: UInt64

    init?(path: String) {
        var status = stat()
        guard stat(path, &status) == 0, let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        size = UInt64(max(0, status.st_size))
        modified = status.st_mtim.tv_sec * 1_000_000_000 + status.st_mtim.tv_nsec
        // FNV-1a over the bytes, a block at a time.
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        while let block = try? handle.read(upToCount: 1 << 16), !block.isEmpty {
            for byte in block {
                hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            }
        }
        self.hash = hash
    }
}

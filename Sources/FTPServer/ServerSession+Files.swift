import Foundation
import FTPWire
import Net

extension ServerSession {
    /// Resolves a client path, answering 550 when it leaves the root.
    func locate(_ path: String) -> VirtualFileSystem.Location? {
        guard let location = fileSystem.locate(path.isEmpty ? "." : path, from: directory) else {
            reply(550, "Permission denied.")
            return nil
        }
        return location
    }

    func changeDirectory(_ path: String) {
        guard let location = locate(path) else { return }
        guard FileInfo(path: location.localPath)?.kind == .directory else {
            reply(550, "Failed to change directory.")
            return
        }
        directory = location.virtualPath
        reply(250, "Directory successfully changed.")
    }

    func makeDirectory(_ path: String) {
        guard let location = locate(path) else { return }
        guard mkdir(location.localPath, 0o755) == 0 else {
            reply(550, "Create directory operation failed: \(String(cString: strerror(errno))).")
            return
        }
        reply(257, "\(PathnameReply.quoting(location.virtualPath)) created.")
    }

    func removeDirectory(_ path: String) {
        guard let location = locate(path) else { return }
        guard location.virtualPath != "/", rmdir(location.localPath) == 0 else {
            reply(550, "Remove directory operation failed.")
            return
        }
        reply(250, "Remove directory operation successful.")
    }

    func deleteFile(_ path: String) {
        guard let location = locate(path) else { return }
        guard FileInfo(path: location.localPath)?.kind != .directory, unlink(location.localPath) == 0 else {
            reply(550, "Delete operation failed.")
            return
        }
        reply(250, "Delete operation successful.")
    }

    func renameFrom(_ path: String) {
        guard let location = locate(path) else { return }
        guard FileInfo(path: location.localPath) != nil, location.virtualPath != "/" else {
            reply(550, "RNFR command failed.")
            return
        }
        renameSource = location
        reply(350, "Ready for RNTO.")
    }

    func renameTo(_ path: String) {
        guard let source = renameSource else {
            reply(503, "RNFR required first.")
            return
        }
        renameSource = nil
        guard let location = locate(path) else { return }
        guard rename(source.localPath, location.localPath) == 0 else {
            reply(550, "Rename failed.")
            return
        }
        reply(250, "Rename successful.")
    }

    func size(_ path: String) {
        guard let location = locate(path) else { return }
        guard let info = FileInfo(path: location.localPath), info.kind == .file else {
            reply(550, "Could not get file size.")
            return
        }
        reply(213, String(info.size))
    }

    func modificationTime(_ path: String) {
        guard let location = locate(path) else { return }
        guard let info = FileInfo(path: location.localPath), info.kind == .file else {
            reply(550, "Could not get file modification time.")
            return
        }
        reply(213, ListingFormatter.timeValue(info.modified))
    }

    // MARK: Transfers

    func retrieve(_ path: String) {
        let offset = restartOffset
        restartOffset = 0
        guard let location = locate(path) else { return }
        guard FileInfo(path: location.localPath)?.kind == .file else {
            reply(550, "Failed to open file.")
            return
        }
        let descriptor = open(location.localPath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            reply(550, "Failed to open file.")
            return
        }
        defer { Glibc.close(descriptor) }
        if offset > 0, lseek(descriptor, off_t(offset), SEEK_SET) < 0 {
            reply(550, "Cannot seek to \(offset).")
            return
        }
        reply(150, "Opening \(transferType == .binary ? "BINARY" : "ASCII") mode data connection for \(location.name).")
        guard let data = openDataConnection() else { return }
        defer { data.close() }
        var meter = TransferMeter(faults: server.faults)
        let before = FileStamp(descriptor: descriptor)
        let digest = digestInPassing(from: offset, of: before)
        // Bytes sent as they are, with no digest to make of them on the way, need not pass
        // through this process: less work for the processor the client also runs on.
        let passesThrough = transferType == .binary && digest == nil
        guard let sent = passesThrough ? sendUncopied(descriptor, over: data, meter: &meter)
            : send(descriptor, over: data, meter: &meter, digest: digest)
        else { return }
        keep(digest, of: location.localPath, byteCount: sent, file: before)
        if let early = server.faults.takeScriptedReply(for: FaultInjection.beforeClosingReply) { reply(early.code, early.text) }
        reply(226, "Transfer complete.")
    }

    /// Sends the rest of a file from its position with `sendfile`; the bytes sent, or nil once
    /// a failure or an injected cut was replied to.
    private func sendUncopied(_ descriptor: Int32, over data: TCPSocket, meter: inout TransferMeter) -> UInt64? {
        var sent: UInt64 = 0
        while true {
            if meter.mustCut {
                reply(426, "Connection closed; transfer aborted.")
                return nil
            }
            let count: Int
            do {
                count = try data.sendFile(descriptor, count: meter.allowance(Self.sendfileSize))
            } catch {
                reply(426, "Failure writing network stream.")
                return nil
            }
            if count == 0 { return sent }
            sent += UInt64(count)
            meter.record(count)
        }
    }

    /// The most bytes one `sendfile` call is given.
    private static let sendfileSize = 1 << 20

    /// Sends the rest of a file from its position, read into a buffer, hashed into `digest` and
    /// converted to CRLF line ends in ASCII mode on the way; the bytes read, or nil once a
    /// failure or an injected cut was replied to.
    private func send(_ descriptor: Int32, over data: TCPSocket, meter: inout TransferMeter, digest: ContentDigest?) -> UInt64? {
        var encoder = transferType == .ascii ? LineEndingEncoder() : nil
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        var sent: UInt64 = 0
        while true {
            if meter.mustCut {
                reply(426, "Connection closed; transfer aborted.")
                return nil
            }
            let count = read(descriptor, buffer.baseAddress, meter.allowance(buffer.count))
            guard count >= 0 else {
                reply(451, "Read error on the server.")
                return nil
            }
            if count == 0 { return sent }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            digest?.update(chunk)
            sent += UInt64(count)
            do {
                if encoder == nil {
                    try data.write(chunk)
                } else {
                    try data.write(encoder?.encode(chunk) ?? [])
                }
            } catch {
                reply(426, "Failure writing network stream.")
                return nil
            }
            meter.record(count)
        }
    }

    func store(_ path: String, appending: Bool) {
        let offset = restartOffset
        restartOffset = 0
        guard let location = locate(path) else { return }
        // The file written may be one whose digest is kept: no answering from it again.
        server.keptDigests.forget(fileAt: location.localPath)
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (appending ? O_APPEND : (offset > 0 ? 0 : O_TRUNC))
        let descriptor = open(location.localPath, flags, 0o644)
        guard descriptor >= 0 else {
            reply(553, "Could not create file.")
            return
        }
        defer { Glibc.close(descriptor) }
        if offset > 0, ftruncate(descriptor, off_t(offset)) != 0 || lseek(descriptor, off_t(offset), SEEK_SET) < 0 {
            reply(551, "Cannot restart at \(offset).")
            return
        }
        reply(150, "Ok to send data.")
        guard let data = openDataConnection() else { return }
        defer { data.close() }
        var meter = TransferMeter(faults: server.faults)
        var decoder = transferType == .ascii ? LineEndingDecoder() : nil
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        func save(_ bytes: UnsafeRawBufferPointer) throws {
            var written = 0
            while written < bytes.count {
                let count = write(descriptor, bytes.baseAddress.map { $0 + written }, bytes.count - written)
                guard count > 0 else { throw ServerError(String(cString: strerror(errno))) }
                written += count
            }
        }
        do {
            while true {
                if meter.mustCut {
                    reply(426, "Connection closed; transfer aborted.")
                    return
                }
                let count: Int
                do {
                    count = try data.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<meter.allowance(buffer.count)]))
                } catch {
                    reply(426, "Failure reading network stream.")
                    return
                }
                if count == 0 { break }
                let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
                if decoder == nil { try save(chunk) } else { try decoder?.decode(chunk, into: save) }
                meter.record(count)
            }
            try decoder?.finish(into: save)
        } catch {
            reply(452, "Write error on the server: \(error).")
            return
        }
        reply(226, "Transfer complete.")
    }

    // MARK: Listings

    func list(_ argument: String, format: ListingFormatter.Format) {
        if format == .unix, let scripted = server.faults.scriptedListing(of: argument) {
            send(listing: scripted)
            return
        }
        if format == .machine, let scripted = server.faults.scriptedMachineListing {
            send(listing: scripted)
            return
        }
        if format == .unix, let line = server.faults.endlessListingLine {
            sendEndlessly(line: line)
            return
        }
        // Clients often pass ls options such as "-la"; they are not paths.
        let path = argument.hasPrefix("-") ? "" : argument
        guard let location = locate(path) else { return }
        guard let info = FileInfo(path: location.localPath) else {
            reply(550, "No such file or directory.")
            return
        }
        if format == .machine, info.kind != .directory {
            reply(501, "MLSD needs a directory.")
            return
        }
        let entries: [FileInfo]
        if info.kind == .directory {
            // A folder that cannot be read is no empty folder.
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: location.localPath) else {
                reply(550, "Cannot open the directory.")
                return
            }
            entries = names.sorted().compactMap { FileInfo(path: location.localPath + "/" + $0, name: $0) }
        } else {
            entries = [FileInfo(path: location.localPath, name: location.name) ?? info]
        }
        let text = entries.map { ListingFormatter.line(for: $0, format: format) + "\r\n" }.joined()
        send(listing: Array(text.utf8))
    }

    /// Sends a listing over a data connection.
    private func send(listing bytes: [UInt8]) {
        reply(150, "Here comes the directory listing.")
        guard let data = openDataConnection() else { return }
        defer { data.close() }
        do {
            if let interval = server.faults.listingTrickle {
                for byte in bytes {
                    try data.write([byte])
                    Thread.sleep(forTimeInterval: interval)
                }
            } else {
                try data.write(bytes)
            }
        } catch {
            reply(426, "Failure writing network stream.")
            return
        }
        reply(226, server.faults.listingClosingText ?? "Directory send OK.")
    }

    /// Sends `line` over a data connection again and again until the client closes it.
    private func sendEndlessly(line: [UInt8]) {
        reply(150, "Here comes the directory listing, all of it.")
        guard let data = openDataConnection() else { return }
        defer { data.close() }
        var block: [UInt8] = []
        while block.count < 64 * 1024 { block += line + Array("\r\n".utf8) }
        while (try? data.write(block)) != nil {}
        reply(426, "Failure writing network stream.")
    }

    func machineListSingle(_ path: String) {
        guard let location = locate(path) else { return }
        guard let info = FileInfo(path: location.localPath, name: location.virtualPath) else {
            reply(550, "No such file or directory.")
            return
        }
        let line = ListingFormatter.line(for: info, format: .machine)
        reply(250, "Listing \(location.virtualPath)\n \(line)\nEnd.")
    }
}

/// Counts the bytes of one transfer against the injected faults: the cut, and the throttle.
struct TransferMeter {
    private let cutAfter: Int?
    private let bytesPerSecond: Int?
    private let started = Date()
    private var transferred = 0

    init(faults: FaultInjection) {
        cutAfter = faults.takeCut()
        bytesPerSecond = faults.bytesPerSecond
    }

    /// How many bytes to move next, at most `limit`.
    func allowance(_ limit: Int) -> Int {
        var allowance = limit
        if let cutAfter { allowance = min(allowance, max(1, cutAfter - transferred)) }
        if let bytesPerSecond { allowance = min(allowance, max(1, bytesPerSecond / 20)) }
        return allowance
    }

    /// Counts `count` bytes, sleeping to keep to the throttle.
    mutating func record(_ count: Int) {
        transferred += count
        if let bytesPerSecond {
            let due = Double(transferred) / Double(bytesPerSecond) - Date().timeIntervalSince(started)
            if due > 0 { Thread.sleep(forTimeInterval: due) }
        }
    }

    /// Whether the transfer must be cut before it moves another byte.
    var mustCut: Bool { cutAfter.map { transferred >= $0 } ?? false }
}

import ArgumentParser
import FTP
import FTPWire
import Foundation
import Transfers

/// `ferry put [-c] LOCAL... URL`: upload files.
struct PutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put",
        abstract: "Upload files.",
        discussion: """
            A URL ending in / (or naming an existing directory, or following several files) is a \
            directory: the files keep their names there. Example: ferry put -c big.iso ftp://host/incoming/
            """
    )

    @OptionGroup var transfer: TransferOptions

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "Local files, then the remote file or directory as a URL.")
    var arguments: [String]

    func run() throws {
        guard arguments.count >= 2, let last = arguments.last else { throw Failure(.usage, "put needs local files and a URL") }
        let url = try ConnectionOptions.parseURL(last)
        let sources = Array(arguments.dropLast())
        for source in sources {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
                throw Failure(.usage, "no such file: \(source)")
            }
            if isDirectory.boolValue { throw Failure(.usage, "\(source) is a folder; uploading folders (-r) is not supported yet") }
        }
        let session = RemoteSession(endpoint: try connection.endpoint(for: url))
        defer { session.close() }
        let intoDirectory: Bool
        do {
            intoDirectory = try url.isDirectory || sources.count > 1 || DirectoryProbe.isDirectory(url.path, client: session.connection())
        } catch {
            throw Failure(error, while: "cannot reach \(url)")
        }
        let batch = TransferBatch(count: sources.count, noun: "uploads", showsProgress: !transfer.noProgress)
        for source in sources {
            let name = String(source.split(separator: "/").last ?? Substring(source))
            let target = intoDirectory ? url.appending(RemotePath(name)) : url
            let upload = FileUpload(localPath: source, remotePath: target.path, continues: transfer.continue, transferType: transfer.transferType)
            try batch.run(name, failing: "cannot upload \(source) to \(target)") { onRetry, onProgress in
                try upload.run(on: session, retry: connection.retryPolicy, onRetry: onRetry, onProgress: onProgress)
            }
        }
        try batch.finish()
    }
}

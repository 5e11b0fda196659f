import ArgumentParser
import FTP
import FTPWire
import Transfers

/// The options `get` and `put` share.
struct TransferOptions: ParsableArguments {
    @Flag(name: .short, help: "Continue partial transfers (get: from LOCAL.part or a shorter LOCAL; put: from the remote size).")
    var `continue` = false

    @Flag(name: [.customShort("a"), .long], help: "Transfer in ASCII mode (text with CRLF on the wire).")
    var ascii = false

    @Flag(name: .long, help: "Draw no progress line.")
    var noProgress = false

    @Flag(name: [.short, .long], help: "Copy folders with all inside.")
    var recursive = false

    @Option(name: .long, help: ArgumentHelp("Leave out files and folders whose name matches (-r; repeatable).", valueName: "GLOB"))
    var exclude: [String] = []

    @Option(name: .long, help: ArgumentHelp("Copy only files whose name matches (-r; repeatable; folders are always walked).", valueName: "GLOB"))
    var include: [String] = []

    func validate() throws {
        if !recursive, !exclude.isEmpty || !include.isEmpty { throw ValidationError("--exclude and --include go with -r") }
    }

    /// A walk of folders with these options' filters.
    func walk(_ client: FTPClient) -> TreeWalk {
        TreeWalk(client: client, excluded: exclude, included: include)
    }

    /// The transfer type these options ask for.
    var transferType: FTPClient.TransferType { ascii ? .ascii : .binary }
}

/// Runs the files of one `get` or `put` one after the other, with one progress line, and decides
/// the exit status: a lone file's failure is the command's; among several, the others go on and
/// the command ends with exit 1.
final class TransferBatch {
    private let count: Int
    private let noun: String
    private let progress: ProgressLine
    private var failures = 0

    init(count: Int, noun: String, showsProgress: Bool) {
        self.count = count
        self.noun = noun
        progress = ProgressLine(enabled: showsProgress)
    }

    /// Runs one file's transfer, given the retry and progress callbacks to pass on.
    func run(
        _ name: String, failing action: String,
        _ transfer: (_ onRetry: (any Error, Double) -> Void, _ onProgress: (TransferProgress) -> Void) throws -> Void
    ) throws {
        defer { progress.finish() }
        do {
            try transfer({ [progress] error, wait in
                progress.finish()
                printError("ferry: \(Sanitizer.visible(name)): \(error); retrying in \(Formatting.duration(wait))")
            }, progress.update)
        } catch {
            progress.finish()
            let failure = Failure(error, while: action)
            guard count > 1, failure.status == .someTransfersFailed || failure.status == .notFound else { throw failure }
            printError(failure.message)
            failures += 1
        }
    }

    /// Counts a file that failed before its transfer could start, saying why.
    func fail(_ reason: String) {
        printError("ferry: " + reason)
        failures += 1
    }

    /// Fails with exit 1 if any file failed.
    func finish() throws {
        if failures > 0 { throw Failure(.someTransfersFailed, "\(failures) of \(count) \(noun) failed") }
    }
}

import Commander
import Foundation
import Spawn
import Terminal

/// Carries out every effect `update` returns, in one place: the editor on the loop's thread
/// (it needs the terminal), the rest handed to the workers, which report back through the
/// mailbox. Runs on the loop's thread and never waits for the network.
struct CommanderEffects {
    let workers: CommanderWorkers
    let terminal: any TerminalDevice

    /// Carries out an effect; returns the events that follow at once (the editor's end).
    func carryOut(_ effect: Effect) -> [Event] {
        switch effect {
        case .list(let pane, let location, let focus): workers.list(pane: pane, location: location, focus: focus)
        case .listFolders(let pane, let location): workers.listFolders(pane: pane, location: location)
        case .cancelListing(let pane): workers.cancelListing(pane: pane)
        case .startTransfer(let id, let request): workers.startTransfer(id: id, request)
        case .cancelTransfer(let id): workers.cancelTransfer(id: id)
        case .pauseTransfer(let id, let paused): workers.pauseTransfer(id: id, paused: paused)
        case .makeDirectory(let pane, let location, let name): workers.makeDirectory(pane: pane, in: location, named: name)
        case .changeMode(let pane, let location, let entries, let mode): workers.changeMode(pane: pane, in: location, of: entries, to: mode)
        case .delete(let pane, let location, let entries): workers.delete(pane: pane, in: location, entries)
        case .rename(let pane, let location, let entry, let name): workers.rename(pane: pane, in: location, entry, to: name)
        case .moveInto(let pane, let location, let entries, let folder): workers.move(pane: pane, in: location, entries, into: folder)
        case .connect(let pane, let url, let user): workers.connect(pane: pane, url: url, user: user)
        case .connectWithPassword(let pane, let url, let password): workers.connect(pane: pane, url: url, password: password)
        case .trustCertificate(let pane, let location, let fingerprint, let always):
            workers.trustCertificate(pane: pane, location: location, fingerprint: fingerprint, always: always)
        case .viewRange(let pane, let location, let entry, let offset, let length):
            workers.viewRange(pane: pane, location: location, entry: entry, offset: offset, length: length)
        case .prepareEdit(let pane, let location, let entry): workers.prepareEdit(pane: pane, location: location, entry: entry)
        case .runEditor(let session):
            let changed = edit(session.localPath)
            if !changed { CommanderWorkers.removeEditCopy(session.localPath) }
            return [.editorFinished(session, changed: changed)]
        case .uploadEdit(let session, let force): workers.uploadEdit(session, force: force)
        case .resumeUnfinishedTransfers: workers.resumeUnfinishedTransfers()
        case .discardUnfinishedTransfers: workers.discardUnfinishedTransfers()
        case .quit: break
        }
        return []
    }

    /// Runs `$VISUAL` or `$EDITOR` (else `vi`) on a file with the terminal handed over, and says
    /// whether the file changed.
    private func edit(_ path: String) -> Bool {
        let before = FileStamp(path: path)
        let environment = ProcessInfo.processInfo.environment
        let editor = environment["VISUAL"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["EDITOR"].flatMap { $0.isEmpty ? nil : $0 } ?? "vi"
        terminal.runOutside {
            // The editor may carry arguments ("code -w"): let the shell split it; the path stays one word.
            do {
                _ = try ChildProcess(
                    "/bin/sh", arguments: ["-c", editor + " \"$1\"", "ferry-editor", path],
                    environment: Self.editorEnvironment(environment)
                ).wait()
            } catch {
                printError("ferry: cannot run \(editor): \(error)")
            }
        }
        return FileStamp(path: path) != before
    }

    /// The editor's environment: Ferry's own, without the password an editor (and whatever it
    /// runs: plugins, language servers, shells) has no business seeing.
    static func editorEnvironment(_ environment: [String: String]) -> [String: String] {
        environment.filter { $0.key != "FERRY_PASSWORD" }
    }
}

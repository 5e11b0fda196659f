import Foundation
import FTP
import FTPWire

/// One transfer for the queue: its name to show, the journal's record of it, the server a worker
/// connects to first, and the work itself.
public struct QueuedTransfer: Sendable {
    public let name: String
    public let job: JobRecord
    public let endpoint: RemoteEndpoint
    /// A second connection the transfer uses, with its role in the worker's pool (the
    /// destination of a copy between servers): a worker the queue adds connects it too before
    /// it takes any transfer.
    public let companion: (endpoint: RemoteEndpoint, role: String)?
    /// The file the transfer begins by downloading whole, in binary, asking the server nothing
    /// first or only its SIZE and MDTM: the worker's session may then ask for it (and them)
    /// while the transfer before it finishes. Nil when the transfer begins otherwise.
    public let firstRetrieval: UpcomingRetrieval?
    public let run: @Sendable (TransferContext) throws -> TransferOutcome

    public init(
        name: String, job: JobRecord, endpoint: RemoteEndpoint, companion: (endpoint: RemoteEndpoint, role: String)? = nil,
        firstRetrieval: UpcomingRetrieval? = nil, run: @escaping @Sendable (TransferContext) throws -> TransferOutcome
    ) {
        self.name = name
        self.job = job
        self.endpoint = endpoint
        self.companion = companion
        self.firstRetrieval = firstRetrieval
        self.run = run
    }
}

/// What the queue gives one transfer: the worker's session for its server (and the worker's
/// pool, for a second server), its place in the journal, the stamp of a source an earlier job
/// was writing it from, the steps it may leave for after it returns, and the callbacks.
public struct TransferContext {
    public let session: RemoteSession
    public let sessions: SessionPool
    public let journal: JournalEntry?
    public let ownedStamp: SourceStamp?
    /// Steps the transfer leaves to be run on a thread apart once it returned; the transfer is
    /// done (and ended in the journal) only after them.
    public let finishing: FinishingSteps
    public let onRetry: (any Error, Double) -> Void
    public let onProgress: (TransferProgress) -> Void
}

/// What happened to a transfer of the queue, told from the worker's thread.
public enum TransferEvent: Sendable {
    case progress(id: Int, TransferProgress)
    case retrying(id: Int, error: String, wait: Double)
    case done(id: Int, TransferOutcome)
    case skipped(id: Int, reason: String)
    case failed(id: Int, any Error)
    case cancelled(id: Int)
    /// A worker could not connect and handed its transfer back: the rest go on with fewer.
    case workerLeft(any Error)
    /// A worker the queue added could not connect (the server takes no more connections): the
    /// queue goes on with the workers it has, and adds no more. No transfer was affected.
    case connectionDeclined(any Error)
}

/// The one queue of transfers both faces drive: `connections` workers, each a thread with
/// connections of its own (reused from file to file), take the transfers in the order they were
/// queued. A worker that cannot connect (servers limit connections per client) hands its
/// transfer back and stops, unless it is the last one. A failure that `stops` says no other
/// transfer would escape (a refused login or certificate) stops the queue. Every transfer is in
/// the journal from the moment it is queued until it is done; stopped jobs for the same files are
/// adopted, and what they wrote for the same source continued. A worker sets aside the transfer
/// it will run next when that one begins with a download on the same server and no other worker
/// is left without one, so that its session can ask for that file while the current transfer
/// ends. The steps a transfer leaves for after
/// it returns (`TransferContext.finishing`: a download's `fsync` and rename) run on threads
/// apart while its worker goes on; the transfer is done once they are.
///
/// While `run` goes on, the queue adds workers, one at a time, up to `mostConnections`, as long
/// as at least twice as many transfers wait as there would be workers and the servers take each
/// added worker's connection; a worker added connects before it takes a transfer, so that a server
/// that turns it away (421, a refused login or connection) fails nothing: the queue keeps the
/// workers it has and adds no more.
public final class TransferQueue: @unchecked Sendable {
    // @unchecked: every field below `condition` is guarded by it; the rest are constants.
    private let connections: Int
    private let mostConnections: Int
    private let journal: JournalFile?
    private let adoptedFrom: Journal?
    private let stops: @Sendable (any Error) -> Bool
    private let onEvent: @Sendable (TransferEvent) -> Void
    /// Runs the steps transfers leave for after they return.
    private let finisher: ThreadPool

    private let condition = NSCondition()
    private var transfers: [Int: Queued] = [:]
    private var pending: [Int] = []
    private var returned: [Int] = []
    private var nextID = 0
    private var closed = false
    private var stopping: (any Error)?
    private var workers = 0
    private var running: [Int: SessionPool] = [:]
    private var cancelled: Set<Int> = []
    /// The workers `run` waits for, workers added among them; nil outside `run`, where none are added.
    private var runWorkers: DispatchGroup?
    private var growth = Growth()

    /// How the queue adds workers during `run`.
    private struct Growth {
        /// Workers started so far, the first ones and those added.
        var started = 0
        /// Whether an added worker is connecting now: one at a time.
        var connecting = false
        /// Set once a connection was turned away (or a worker left): no more are added.
        var ended = false
    }

    private struct Queued {
        let transfer: QueuedTransfer
        let entry: JournalEntry?
        let stamp: SourceStamp?
    }

    /// A queue over `connections` workers, growing during `run` to at most `mostConnections`
    /// (nil: `connections`), journalled in `journal` (adopting stopped jobs from `adoptedFrom`),
    /// telling `onEvent` what happens.
    public init(
        connections: Int, mostConnections: Int? = nil, journal: JournalFile?, adoptedFrom: Journal?,
        stops: @escaping @Sendable (any Error) -> Bool, onEvent: @escaping @Sendable (TransferEvent) -> Void
    ) {
        self.connections = max(1, connections)
        self.mostConnections = max(self.connections, mostConnections ?? 0)
        self.journal = journal
        self.adoptedFrom = adoptedFrom
        self.stops = stops
        self.onEvent = onEvent
        // Enough threads that the files of every connection are made durable together.
        finisher = ThreadPool(name: "ferry-finisher", width: 2 * self.connections)
    }

    /// Queues transfers and returns their ids, in order.
    @discardableResult
    public func enqueue(_ batch: [QueuedTransfer]) -> [Int] {
        let stamps = adoptedFrom?.adopt(batch.map(\.job)) ?? [:]
        let queued = batch.map { Queued(transfer: $0, entry: journal?.add($0.job, stamp: stamps[$0.job]), stamp: stamps[$0.job]) }
        condition.lock()
        defer { condition.unlock() }
        let ids = Array(nextID..<(nextID + queued.count))
        nextID += queued.count
        for (id, item) in zip(ids, queued) { transfers[id] = item }
        pending += ids
        condition.broadcast()
        return ids
    }

    /// Runs the workers until the queue is closed and empty (or stopped): one on this thread with
    /// `sessions` (connections the caller opened already), the others on threads of their own,
    /// the first of them with the pools of `opened` (connecting already; see
    /// `SessionPool.connecting(to:)`). Every pool of `opened` is closed before the run returns,
    /// each connection as soon as its QUIT is out: the end of the run waits for no goodbye.
    public func run(on sessions: SessionPool, opened: [SessionPool] = []) {
        let group = DispatchGroup()
        condition.lock()
        workers += connections
        growth = Growth(started: connections)
        runWorkers = group
        condition.unlock()
        for number in 1..<connections {
            group.enter()
            let pool = opened.indices.contains(number - 1) ? opened[number - 1] : SessionPool()
            startThread(number) { [self] in
                let own = pool
                work(own)
                own.close(awaitingGoodbye: false)
                group.leave()
            }
        }
        work(sessions)
        group.wait()
        finisher.wait()
        condition.lock()
        runWorkers = nil
        condition.unlock()
        opened.dropFirst(max(0, connections - 1)).forEach { $0.close(awaitingGoodbye: false) }
    }

    /// Starts the workers on threads of their own, to take transfers as they are queued until
    /// the queue is closed.
    public func start() {
        condition.lock()
        workers += connections
        condition.unlock()
        for number in 0..<connections {
            startThread(number) { [self] in
                let own = SessionPool()
                work(own)
                own.close()
            }
        }
    }

    /// No more transfers will be queued: workers stop once the queue is empty.
    public func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Cancels a transfer: a queued one never starts, a running one is stopped.
    public func cancel(_ id: Int) {
        condition.lock()
        cancelled.insert(id)
        let pool = running[id]
        // One still waiting for a worker ends now, not when a worker is next free to look.
        var waiting: Queued?
        if pool == nil, pending.contains(id) || returned.contains(id) {
            pending.removeAll { $0 == id }
            returned.removeAll { $0 == id }
            waiting = transfers.removeValue(forKey: id)
        }
        // Under the lock, while the pool is still this transfer's: a moment later the worker
        // may have begun the next transfer on it, which the cancel would stop instead.
        pool?.cancel()
        condition.unlock()
        if let waiting {
            waiting.entry?.ended()
            onEvent(.cancelled(id: id))
        }
    }

    /// The failure that stopped the queue, if one did.
    public var stoppedBy: (any Error)? {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    private func startThread(_ number: Int, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = "ferry-transfer-\(number)"
        thread.start()
    }

    /// Takes transfers one by one until none is left, handing one back and leaving when its
    /// server does not take another connection.
    private func work(_ sessions: SessionPool) {
        var setAside: Int?
        while let (id, item) = takeNext(sessions, setAside: setAside) {
            let transfer = item.transfer
            let session = sessions.session(for: transfer.endpoint)
            setAside = nil
            if !session.isConnected {
                do {
                    _ = try session.connection()
                } catch {
                    // A refused login or certificate is the same on every connection: no hand-back.
                    let kind = (error as? FTPError)?.kind
                    if kind != .loginRefused, kind != .tls, handBack(id) {
                        onEvent(.workerLeft(error))
                        return
                    }
                }
            }
            setAside = setAsideNext(after: transfer)
            session.upcomingRetrieval = setAside.flatMap(firstRetrieval)
            let finishing = FinishingSteps()
            let context = TransferContext(
                session: session, sessions: sessions, journal: item.entry, ownedStamp: item.stamp, finishing: finishing,
                onRetry: { [onEvent] error, wait in onEvent(.retrying(id: id, error: "\(error)", wait: wait)) },
                onProgress: { [onEvent] in onEvent(.progress(id: id, $0)) })
            do {
                let outcome = try transfer.run(context)
                if finishing.isEmpty {
                    item.entry?.ended()
                    finish(id, .done(id: id, outcome))
                } else {
                    finishLater(id, item, outcome: outcome, finishing: finishing)
                }
            } catch let skipped as TransferSkipped {
                item.entry?.ended()
                finish(id, .skipped(id: id, reason: skipped.reason))
            } catch where isCancelled(id) {
                item.entry?.ended()
                finish(id, .cancelled(id: id))
            } catch let error as FTPError where error.kind == .unsendable {
                // No command can ever carry its name: a resume could only fail again.
                item.entry?.ended()
                finish(id, .failed(id: id, error))
            } catch let error as FileInUse {
                // Another copy writes the file: the job is that copy's (and its journal's).
                item.entry?.ended()
                finish(id, .failed(id: id, error))
            } catch {
                item.entry?.failed("\(error)")
                if stops(error) { stop(error) }
                finish(id, .failed(id: id, error))
            }
        }
    }

    /// Runs the steps a transfer left on the finisher's threads, the worker's connection no longer
    /// its own; the transfer is done once they are, and failed if one fails.
    private func finishLater(_ id: Int, _ item: Queued, outcome: TransferOutcome, finishing: FinishingSteps) {
        condition.lock()
        running[id] = nil
        condition.unlock()
        let entry = item.entry
        finisher.run { [self] in
            do {
                try finishing.run()
                entry?.ended()
                finish(id, .done(id: id, outcome))
            } catch {
                entry?.failed("\(error)")
                if stops(error) { stop(error) }
                finish(id, .failed(id: id, error))
            }
        }
    }

    private func finish(_ id: Int, _ event: TransferEvent) {
        condition.lock()
        running[id] = nil
        transfers[id] = nil
        condition.unlock()
        onEvent(event)
        // A transfer done shows the server at work: the time to ask it for one more connection.
        if case .done = event { growIfWorthwhile() }
    }

    /// Adds a worker during `run` when fewer than `mostConnections` have started, none is being
    /// added, no connection was turned away, and at least twice as many transfers wait as there
    /// would be workers.
    private func growIfWorthwhile() {
        condition.lock()
        guard let group = runWorkers, stopping == nil, !growth.connecting, !growth.ended, growth.started < mostConnections,
              pending.count + returned.count >= 2 * (workers + 1),
              let next = (returned.first ?? pending.first).flatMap({ transfers[$0]?.transfer })
        else {
            condition.unlock()
            return
        }
        growth.connecting = true
        growth.started += 1
        workers += 1
        group.enter()
        let number = growth.started - 1
        condition.unlock()
        startThread(number) { [self] in
            let own = SessionPool()
            if connect(own, for: next) { work(own) }
            own.close(awaitingGoodbye: false)
            group.leave()
        }
    }

    /// Connects an added worker's sessions for `transfer` before it takes any: true when the
    /// servers took them; false, the worker counted out and no more added, when one was turned away.
    private func connect(_ sessions: SessionPool, for transfer: QueuedTransfer) -> Bool {
        do {
            _ = try sessions.session(for: transfer.endpoint).connection()
            if let companion = transfer.companion { _ = try sessions.session(for: companion.endpoint, role: companion.role).connection() }
            condition.lock()
            growth.connecting = false
            condition.unlock()
            return true
        } catch {
            condition.lock()
            growth.connecting = false
            growth.ended = true
            workers -= 1
            condition.broadcast()
            condition.unlock()
            onEvent(.connectionDeclined(error))
            return false
        }
    }

    private func isCancelled(_ id: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled.contains(id)
    }

    private func stop(_ error: any Error) {
        condition.lock()
        if stopping == nil { stopping = error }
        condition.broadcast()
        condition.unlock()
    }

    /// Takes the next pending transfer out of the queue for the worker that runs `current`, when
    /// it begins by downloading from the same server and a transfer is left for every worker
    /// running none; nil otherwise.
    private func setAsideNext(after current: QueuedTransfer) -> Int? {
        condition.lock()
        defer { condition.unlock() }
        // Only while one more waits than there are workers not running a transfer: the last ones
        // go to a worker that is free, not to this one once it is.
        guard stopping == nil, returned.isEmpty, pending.count > workers - running.count, let id = pending.first, let next = transfers[id]?.transfer,
              next.firstRetrieval != nil, next.endpoint.site == current.endpoint.site
        else { return nil }
        pending.removeFirst()
        return id
    }

    /// The download a transfer set aside begins with.
    private func firstRetrieval(of id: Int) -> UpcomingRetrieval? {
        condition.lock()
        defer { condition.unlock() }
        return transfers[id]?.transfer.firstRetrieval
    }

    /// The next transfer for a worker (the one it set aside, if any), waiting while the queue is
    /// open and empty; nil (and the worker counted out in the same step, so that nothing is
    /// handed back to a queue without workers) when there is none. Cancelled transfers are
    /// passed over and reported. A transfer set aside when the queue stopped goes back to it.
    private func takeNext(_ sessions: SessionPool, setAside: Int? = nil) -> (Int, Queued)? {
        condition.lock()
        if let setAside {
            if stopping == nil { returned.insert(setAside, at: 0) } else { pending.insert(setAside, at: 0) }
        }
        while true {
            if stopping == nil, let id = returned.isEmpty ? pending.first : returned.first {
                if returned.isEmpty { pending.removeFirst() } else { returned.removeFirst() }
                guard let item = transfers[id] else { continue }
                if cancelled.contains(id) {
                    transfers[id] = nil
                    condition.unlock()
                    item.entry?.ended()
                    onEvent(.cancelled(id: id))
                    condition.lock()
                    continue
                }
                running[id] = sessions
                condition.unlock()
                return (id, item)
            }
            if stopping != nil || closed {
                workers -= 1
                condition.broadcast()
                condition.unlock()
                return nil
            }
            condition.wait()
        }
    }

    /// Returns a transfer to the queue for the other workers; false (keep it) when no other
    /// worker is left. A worker still connecting to be added does not count: its connection may
    /// be turned away, and what was handed back would then be left with no worker at all.
    private func handBack(_ id: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard workers - (growth.connecting ? 1 : 0) > 1 else { return false }
        workers -= 1
        growth.ended = true
        running[id] = nil
        returned.append(id)
        condition.broadcast()
        return true
    }
}

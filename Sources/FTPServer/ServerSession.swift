import Foundation
import FTPWire
import Net

/// One client's session: reads commands from the control connection and answers them.
final class ServerSession {
    let server: FTPServer
    let control: TCPSocket
    let fileSystem: VirtualFileSystem

    var loggedIn = false
    var userName: String?
    var directory = "/"
    var transferType = TransferType.binary
    var restartOffset: UInt64 = 0
    /// The algorithm HASH uses, as chosen by OPTS HASH.
    var hashAlgorithm = DigestAlgorithm.sha256
    /// The algorithm of the client's last digest request, or the one it chose for HASH; nil
    /// before either. From then on, a download of a whole file makes its digest in that
    /// algorithm as the bytes pass (kept in `FTPServer.keptDigests`).
    var askedDigest: DigestAlgorithm?
    var renameSource: VirtualFileSystem.Location?
    var passiveListener: TCPListener?
    var activeTarget: SocketAddress?
    private var quitting = false
    /// The verb of the command being answered, for faults that hold back some replies only.
    private var answering = ""
    /// Replies on their way to the client, once a reply delay in transit was asked for.
    private var repliesInTransit: RepliesInTransit?

    init(server: FTPServer, control: TCPSocket, fileSystem: VirtualFileSystem) {
        self.server = server
        self.control = control
        self.fileSystem = fileSystem
    }

    /// Serves the session until QUIT, a dropped connection or an idle timeout.
    func run() {
        if let lead = server.faults.proxyGreetingLead {
            reply(220, "Proxy ready, connecting to the server.")
            Thread.sleep(forTimeInterval: lead)
        }
        if let interval = server.faults.trickle {
            // One byte at a time, until the greeting is out or the client has gone.
            for byte in Array("220 Ferry FTP server ready.\r\n".utf8) {
                Thread.sleep(forTimeInterval: interval)
                guard (try? control.write([byte])) != nil else { return }
            }
        } else {
            reply(220, "Ferry FTP server ready.")
        }
        var splitter = LineSplitter(maximumLineLength: 4096)
        var buffer = [UInt8](repeating: 0, count: 4096)
        var lines: [[UInt8]] = []
        defer {
            passiveListener?.close()
            repliesInTransit?.waitUntilSent()
        }
        while !quitting {
            let count: Int
            do {
                count = try buffer.withUnsafeMutableBytes { try control.read(into: $0) }
            } catch let error as NetError where error.kind == .timeout {
                reply(421, "Idle timeout, closing the control connection.")
                return
            } catch {
                return
            }
            guard count > 0 else { return }
            buffer.withUnsafeBytes { bytes in
                splitter.feed(UnsafeRawBufferPointer(rebasing: bytes[0..<count])) { lines.append($0) }
            }
            if lines.count > 1 { server.recordReadTogether(lines.map(Self.commandText)) }
            let refusesPipelining = server.faults.refusesPipelining
            for (index, line) in lines.enumerated() where !quitting {
                if index > 0, refusesPipelining {
                    server.record(Self.commandText(line))
                    reply(503, "One command at a time, please.")
                } else {
                    handle(line)
                }
            }
            lines.removeAll(keepingCapacity: true)
        }
    }

    /// Sends a reply; text with newlines becomes a multi-line reply.
    func reply(_ code: Int, _ text: String) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var rendered = ""
        for (index, line) in lines.enumerated() {
            rendered += index == lines.count - 1 ? "\(code) \(line)\r\n" : (index == 0 ? "\(code)-\(line)\r\n" : "\(line)\r\n")
        }
        let delay = server.faults.replyDelay(for: answering)
        if delay.inTransit {
            let inTransit = repliesInTransit ?? RepliesInTransit(control: control)
            repliesInTransit = inTransit
            inTransit.send(Array(rendered.utf8), after: delay.seconds)
            return
        }
        if delay.seconds > 0 { Thread.sleep(forTimeInterval: delay.seconds) }
        // Replies still in transit go first.
        if let repliesInTransit {
            repliesInTransit.send(Array(rendered.utf8), after: 0)
        } else {
            try? control.write(Array(rendered.utf8))
        }
    }

    /// A command line's verb, upper-cased, and its argument.
    private static func split(_ line: [UInt8]) -> (verb: String, argument: String) {
        let verbBytes = line.prefix(while: { $0 != UInt8(ascii: " ") })
        let verb = String(decoding: verbBytes, as: UTF8.self).uppercased()
        return (verb, verbBytes.count < line.count ? TextDecoding.string(line[(verbBytes.count + 1)...]) : "")
    }

    /// A command line as the command log shows it, with PASS's argument masked.
    private static func commandText(_ line: [UInt8]) -> String {
        let (verb, argument) = split(line)
        return verb == "PASS" ? "PASS ****" : (argument.isEmpty ? verb : "\(verb) \(argument)")
    }

    private func handle(_ line: [UInt8]) {
        let (verb, argument) = Self.split(line)
        answering = verb
        server.record(Self.commandText(line))
        if let scripted = server.faults.takeScriptedReply(for: verb) {
            reply(scripted.code, scripted.text)
            return
        }
        if verb == "AUTH", let injected = server.faults.afterAuthTLS {
            try? control.write(Array("234 AUTH TLS ok.\r\n".utf8) + injected)
            return
        }
        let open: Set<String> = ["USER", "PASS", "QUIT", "FEAT", "SYST", "NOOP", "OPTS", "HELP"]
        guard loggedIn || open.contains(verb) else {
            reply(530, "Please log in with USER and PASS.")
            return
        }
        if verb != "RNFR", verb != "RNTO" { renameSource = nil }
        switch verb {
        case "USER": user(argument)
        case "PASS": password(argument)
        case "QUIT":
            reply(221, "Goodbye.")
            quitting = true
        case "NOOP": reply(200, "NOOP ok.")
        case "SYST": reply(215, "UNIX Type: L8")
        case "FEAT":
            let machineListing = !server.faults.scriptsList ? " MLST type*;size*;modify*;perm*;unix.mode*;\n" : ""
            reply(211, "Features:\n EPRT\n EPSV\n\(digestFeatures) MDTM\n\(machineListing) PASV\n REST STREAM\n SIZE\n TVFS\n UTF8\nEnd")
        case "OPTS": options(argument)
        case "HELP": reply(214, "Commands understood: see FEAT.\nHelp OK.")
        case "TYPE": type(argument)
        case "MODE": argument.uppercased() == "S" ? reply(200, "Mode set to S.") : reply(504, "Only stream mode.")
        case "STRU": argument.uppercased() == "F" ? reply(200, "Structure set to F.") : reply(504, "Only file structure.")
        case "ALLO": reply(202, "No storage allocation necessary.")
        case "PWD", "XPWD": reply(257, "\(PathnameReply.quoting(directory)) is the current directory.")
        case "CWD", "XCWD": changeDirectory(argument)
        case "CDUP", "XCUP": changeDirectory("..")
        case "MKD", "XMKD": makeDirectory(argument)
        case "RMD", "XRMD": removeDirectory(argument)
        case "DELE": deleteFile(argument)
        case "RNFR": renameFrom(argument)
        case "RNTO": renameTo(argument)
        case "SIZE": size(argument)
        case "MDTM": modificationTime(argument)
        case "HASH", "XSHA256", "XSHA1", "XMD5", "XCRC": digest(verb, of: argument)
        case "REST": restart(argument)
        case "PASV": passive(extended: false)
        case "EPSV": argument.uppercased() == "ALL" ? reply(200, "EPSV ALL ok.") : passive(extended: true)
        case "PORT": port(PassiveAddress(portArgument: argument).map { SocketAddress(host: $0.host, port: $0.port, family: AF_INET) })
        case "EPRT": port(ExtendedPortArgument(argument).map { SocketAddress(host: $0.host, port: $0.port, family: $0.family == 2 ? AF_INET6 : AF_INET) })
        case "RETR": retrieve(argument)
        case "STOR": store(argument, appending: false)
        case "APPE": store(argument, appending: true)
        case "LIST": list(argument, format: .unix)
        case "NLST": list(argument, format: .names)
        case "MLSD": list(argument, format: .machine)
        case "MLST": machineListSingle(argument)
        case "ABOR": reply(225, "No transfer to abort.")
        case "SITE": site(argument)
        default: reply(500, "Unknown command.")
        }
    }

    // MARK: Login and settings

    private func user(_ name: String) {
        loggedIn = false
        userName = name
        let anonymous = server.configuration.allowsAnonymous && (name == "anonymous" || name == "ftp")
        reply(331, anonymous ? "Anonymous login ok, send your e-mail address as password." : "Password required for \(Sanitizer.visible(name)).")
    }

    private func password(_ password: String) {
        guard let userName else {
            reply(503, "Login with USER first.")
            return
        }
        if let limit = server.faults.sessionLimitAtLogin, server.openSessions > limit {
            self.userName = nil
            reply(530, "Sorry, the maximum number of clients (\(limit)) from your host are already connected.")
            return
        }
        let anonymous = server.configuration.allowsAnonymous && (userName == "anonymous" || userName == "ftp")
        if anonymous || server.configuration.users[userName] == password {
            loggedIn = true
            reply(230, "Login successful.")
        } else {
            self.userName = nil
            reply(530, "Login incorrect.")
        }
    }

    private func type(_ argument: String) {
        switch argument.uppercased().split(separator: " ").first {
        case "I", "L":
            transferType = .binary
            reply(200, "Switching to Binary mode.")
        case "A":
            transferType = .ascii
            reply(200, "Switching to ASCII mode.")
        default:
            reply(504, "Unsupported type.")
        }
    }

    private func restart(_ argument: String) {
        guard let offset = UInt64(argument) else {
            reply(501, "REST needs a byte offset.")
            return
        }
        restartOffset = offset
        reply(350, "Restarting at \(offset). Send STOR or RETR.")
    }

    // MARK: Data connections

    private func passive(extended: Bool) {
        passiveListener?.close()
        passiveListener = nil
        activeTarget = nil
        let local = control.localAddress
        if !extended, local.isIPv6 {
            reply(522, "Use EPSV on IPv6.")
            return
        }
        do {
            let listener = try TCPListener(host: local.host)
            passiveListener = listener
            let port = listener.address.port
            if extended {
                reply(229, "Entering Extended Passive Mode (|||\(port)|).")
            } else {
                let host = (server.configuration.passiveAddress ?? local.host).replacingOccurrences(of: ".", with: ",")
                reply(227, "Entering Passive Mode (\(host),\(port >> 8),\(port & 0xFF)).")
            }
        } catch {
            reply(425, "Cannot open passive connection.")
        }
    }

    private func port(_ target: SocketAddress?) {
        passiveListener?.close()
        passiveListener = nil
        guard let target else {
            reply(501, "Malformed address.")
            return
        }
        guard target.host == control.remoteAddress.host else {
            reply(504, "Data connections go to the client's own address only.")
            return
        }
        activeTarget = target
        reply(200, "PORT command successful.")
    }

    /// The data connection for a transfer that was just announced with 150; nil after a 425.
    func openDataConnection() -> TCPSocket? {
        defer {
            passiveListener?.close()
            passiveListener = nil
            activeTarget = nil
        }
        let timeout = server.configuration.timeout
        do {
            if let listener = passiveListener {
                let socket = try listener.accept(timeout: timeout, socketTimeout: timeout)
                guard socket.remoteAddress.host == control.remoteAddress.host else {
                    socket.close()
                    reply(425, "Data connection from a foreign address refused.")
                    return nil
                }
                return socket
            }
            if let target = activeTarget {
                return try TCPSocket.connect(host: target.host, port: target.port, timeout: timeout)
            }
            reply(425, "Use PORT, EPRT, PASV or EPSV first.")
        } catch {
            reply(425, "Cannot open data connection.")
        }
        return nil
    }
}

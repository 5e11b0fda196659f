import FTPWire

extension FTPClient {
    /// A data connection on which a transfer command was accepted with a 1xx reply.
    struct OpenTransfer {
        let transport: any Transport
        let command: FTPCommand
    }

    /// Opens a data connection for `command` (RETR, STOR, LIST, ...), sets `type` first when
    /// the server is in another, sends REST when `offset` is positive, and returns once the
    /// server accepted the command with a 1xx reply. In passive mode, while pipelining, the
    /// commands go out in one write.
    func openTransfer(_ command: FTPCommand, offset: UInt64 = 0, type: TransferType? = nil) throws -> OpenTransfer {
        if options.dataConnectionMode == .passive, pipelinesCommands {
            return try openPipelined(command, offset: offset, type: type)
        }
        try settleAhead()
        if let type { try setServerTransferType(type) }
        if offset > 0 {
            _ = try execute(FTPCommand("REST", String(offset)), expecting: [.positiveIntermediate])
        }
        let socket: TCPSocket
        switch options.dataConnectionMode {
        case .passive:
            socket = try connectPassive()
            cancellation.watch(socket)
            do {
                _ = try execute(command, expecting: [.positivePreliminary])
            } catch {
                closeData(socket)
                throw error
            }
        case .active:
            let listener = try listenActive()
            defer { listener.close() }
            _ = try execute(command, expecting: [.positivePreliminary])
            socket = try FTPError.converting { try listener.accept(timeout: options.timeout, socketTimeout: options.timeout) }
            guard socket.remoteAddress.host == control.transport.remoteAddress.host else {
                socket.close()
                throw FTPError(kind: .protocolViolation, command: command.description,
                               detail: "data connection came from \(socket.remoteAddress.host), not from the server \(control.transport.remoteAddress.host)")
            }
            cancellation.watch(socket)
        }
        return OpenTransfer(transport: try protect(socket, for: command), command: command)
    }

    /// Starts TLS on a data connection when the control connection has it, resuming the control
    /// connection's session (servers such as vsftpd refuse data connections that do not). The
    /// handshake comes after the server's 1xx reply: servers begin it only then.
    func protect(_ socket: TCPSocket, for command: FTPCommand) throws -> any Transport {
        guard let tlsContext else { return socket }
        // A TLS 1.2 session, unlike a 1.3 ticket, may be resumed again: fall back to the control
        // connection's own once the pool is used up.
        let session = tlsContext.sessions.take() ?? (control.transport as? TLSStream)?.session()
        do {
            let stream = try FTPError.converting {
                try TLSStream.handshake(
                    over: socket, context: tlsContext, host: host, port: port, resuming: session,
                    deadline: options.effectiveReplyDeadline, bulkReadSize: Self.defaultBlockSize)
            }
            // Data comes in records of up to 16 KiB: each must come whole within the reply deadline.
            stream.limitEachRecord(toSeconds: options.effectiveReplyDeadline)
            // Watched through the handshake, so that a cancel ends a stalled one.
            cancellation.forget(socket)
            cancellation.watch(stream)
            logger.debug("data connection: \(stream.protocolVersion), session \(stream.resumedSession ? "resumed" : "NOT resumed")")
            dataConnectionResumedSession = stream.resumedSession
            return stream
        } catch {
            cancellation.forget(socket)
            // The server reports the failed transfer on the control connection: read it to stay in step.
            _ = try? control.readReply(to: command)
            throw error
        }
    }

    /// Closes the data connection and reads the server's verdict on the transfer, which it
    /// returns. With commands sent ahead, a verdict that is neither a completion (226, 250) nor
    /// a transfer's failure (425, 426, 451, 452, 552) may be the early reply of the first of
    /// them (a 550 for the next file's SIZE or digest request): the dialogue is out of step, and
    /// the connection is closed rather than misread, so that the transfer is tried again. A
    /// failure's code could answer a digest request too (451): taken as the verdict, the
    /// transfer is tried again all the same.
    @discardableResult
    func finishTransfer(_ transfer: OpenTransfer) throws -> Reply {
        closeData(transfer.transport)
        let reply = try control.readReply(to: transfer.command)
        if !sentAhead.isEmpty, ![226, 250, 425, 426, 451, 452, 552].contains(reply.code.rawValue) {
            throw outOfStep(reply, to: transfer.command)
        }
        return try reply.requireCompletion(of: transfer.command)
    }

    /// Ends a transfer early: closes the data connection, sends ABOR and reads the replies until
    /// the control connection is back in step.
    func abandonTransfer(_ transfer: OpenTransfer) {
        closeData(transfer.transport)
        do {
            let abort = try FTPCommand("ABOR")
            try control.send(abort)
            // The transfer's own reply comes first: 426 when the abort cut it short, 226 when it
            // had already ended. ABOR's reply (225 or 226) follows either way (RFC 959). Stop at a
            // 2xx or 5xx after the transfer's reply, at a lone 225, or after three replies.
            for index in 0..<3 {
                let reply = try control.readReply(to: abort)
                let ends = reply.code.kind == .positiveCompletion || reply.code.kind == .permanentNegative
                if ends && (index > 0 || reply.code.rawValue == 225) { break }
            }
        } catch {
            logger.debug("abort after a failed transfer: \(error)")
        }
    }

    func closeData(_ transport: any Transport) {
        cancellation.forget(transport)
        try? transport.finishWriting()
        transport.close()
    }

    private func connectPassive() throws -> TCPSocket {
        let server = control.transport.remoteAddress
        if usesExtendedPassive || server.isIPv6 {
            let command = try FTPCommand("EPSV")
            let reply = try control.execute(command)
            if reply.code == .enteringExtendedPassiveMode, let port = ExtendedPassiveReply.port(from: reply.message) {
                return try connectData(host: server.host, port: port)
            }
            guard reply.code.kind == .permanentNegative, !server.isIPv6 else {
                throw FTPError.unexpected(reply, to: command)
            }
            logger.debug("EPSV refused; using PASV from now on")
            usesExtendedPassive = false
        }
        let command = try FTPCommand("PASV")
        let reply = try execute(command)
        guard reply.code == .enteringPassiveMode, let address = PassiveAddress(pasvReply: reply.message) else {
            throw FTPError(kind: .protocolViolation, command: "PASV", reply: reply, detail: "no address in the reply")
        }
        if !options.trustsPassiveAddress, address.host != server.host {
            logger.debug("ignoring the PASV address \(address.host); connecting to \(server.host)")
        }
        return try connectData(host: options.trustsPassiveAddress ? address.host : server.host, port: address.port)
    }

    func connectData(host: String, port: UInt16, within connectTimeout: Double? = nil) throws -> TCPSocket {
        try connectDataUnlessRefused(host: host, port: port, within: connectTimeout).get()
    }

    /// `connectData`, with the error of a connection refused outright (nothing listens at the
    /// port) returned rather than thrown.
    func connectDataUnlessRefused(host: String, port: UInt16, within connectTimeout: Double? = nil) throws -> Result<TCPSocket, FTPError> {
        do {
            return .success(try TCPSocket.connect(host: host, port: port, timeout: options.timeout, connectTimeout: connectTimeout))
        } catch where error.refused {
            return .failure(FTPError(error, command: "data connection"))
        } catch {
            throw FTPError(error, command: "data connection")
        }
    }

    private func listenActive() throws -> TCPListener {
        let local = control.transport.localAddress
        let listener = try FTPError.converting { try TCPListener(host: local.host) }
        let port = listener.address.port
        let command: FTPCommand
        if local.isIPv6 {
            command = try FTPCommand("EPRT", ExtendedPortArgument(family: 2, host: local.host, port: port).argument)
        } else {
            guard let argument = PassiveAddress(host: local.host, port: port).portArgument else {
                throw FTPError(kind: .usage, detail: "cannot express \(local.host) in a PORT command")
            }
            command = try FTPCommand("PORT", argument)
        }
        do {
            _ = try execute(command)
        } catch {
            listener.close()
            throw error
        }
        return listener
    }
}

extension Reply {
    /// The reply itself when it is a 2xx; an error for the command otherwise.
    func requireCompletion(of command: FTPCommand) throws -> Reply {
        guard code.kind == .positiveCompletion else { throw FTPError.unexpected(self, to: command) }
        return self
    }
}

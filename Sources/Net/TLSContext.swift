import COpenSSL

/// An OpenSSL client context (`SSL_CTX`), configured once and then shared by the control and
/// data connections of a client.
package final class TLSContext: @unchecked Sendable {
    // @unchecked: the SSL_CTX is fully configured in init and only read afterwards, which
    // OpenSSL allows from any thread.
    let pointer: OpaquePointer
    let configuration: TLSConfiguration
    /// Sessions the server handed out on any connection of this context, newest last.
    package let sessions = TLSSessionPool()

    package init(configuration: TLSConfiguration) throws(NetError) {
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw NetError(kind: .tls, detail: "cannot create a TLS context: \(TLSStream.lastErrorText())")
        }
        pointer = context
        self.configuration = configuration
        ferry_SSL_CTX_set_min_proto_version(context, ferry_TLS1_2_VERSION())
        switch configuration.maximumVersion {
        case .tls12: ferry_SSL_CTX_set_max_proto_version(context, ferry_TLS1_2_VERSION())
        case .tls13: ferry_SSL_CTX_set_max_proto_version(context, ferry_TLS1_3_VERSION())
        case nil: break
        }
        ferry_SSL_CTX_set_options(context)
        ferry_SSL_CTX_set_client_session_cache(context)
        // The chain is checked after the handshake (TLSStream.checkCertificate), so that a refusal
        // can say why in plain words and show the certificate.
        SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        SSL_CTX_set_default_verify_paths(context)
        SSL_CTX_set_ex_data(context, 0, Unmanaged.passUnretained(sessions).toOpaque())
        SSL_CTX_sess_set_new_cb(context) { ssl, session in
            guard let ssl, let session, let context = SSL_get_SSL_CTX(ssl), let pool = SSL_CTX_get_ex_data(context, 0) else { return 0 }
            Unmanaged<TLSSessionPool>.fromOpaque(pool).takeUnretainedValue().add(TLSSession(session))
            return 1
        }
        if let caFile = configuration.caFile, SSL_CTX_load_verify_locations(context, caFile, nil) != 1 {
            throw NetError(kind: .tls, detail: "cannot read the CA file \(caFile): \(TLSStream.lastErrorText())")
        }
    }

    deinit { SSL_CTX_free(pointer) }
}

/// The sessions a server issued, for data connections to resume.
///
/// TLS 1.3 servers send tickets after the handshake, and servers with stateful tickets (vsftpd)
/// accept each ticket once: so every data connection takes the newest unused one, and the
/// tickets the server sends on data connections refill the pool.
package final class TLSSessionPool: Sendable {
    private let sessions = Locked<[TLSSession]>([])

    func add(_ session: TLSSession) {
        sessions.withLock { sessions in
            sessions.append(session)
            if sessions.count > 8 { sessions.removeFirst() }
        }
    }

    /// The newest session not yet used, removed from the pool.
    package func take() -> TLSSession? {
        sessions.withLock { $0.popLast() }
    }
}

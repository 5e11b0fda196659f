import COpenSSL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
        SSL_CTX_set_ex_data(context, 0, Unmanaged.passUnretained(sessions).toOpaque())
        SSL_CTX_sess_set_new_cb(context) { ssl, session in
            guard let ssl, let session, let context = SSL_get_SSL_CTX(ssl), let pool = SSL_CTX_get_ex_data(context, 0) else { return 0 }
            Unmanaged<TLSSessionPool>.fromOpaque(pool).takeUnretainedValue().add(TLSSession(session))
            return 1
        }
        SSL_CTX_set1_cert_store(context, try TrustStore.shared(caFile: configuration.caFile).pointer)
    }

    deinit { SSL_CTX_free(pointer) }
}

/// The certificates a context trusts: the system's, and those of a CA file where one is given.
/// Read once for every context of the process (and again when the CA file changes): OpenSSL 3
/// takes tens of milliseconds to read the system's bundle, and every connection of a batch
/// over TLS has a context of its own. OpenSSL lets contexts share a store across threads.
final class TrustStore: @unchecked Sendable {
    // @unchecked: the X509_STORE is complete before it is shared, and locks itself after that.
    let pointer: OpaquePointer

    private init(_ pointer: OpaquePointer) { self.pointer = pointer }

    deinit { X509_STORE_free(pointer) }

    /// The stores read so far, by CA file (with its size and time) or "" for the system's alone.
    private static let stores = Locked<[String: TrustStore]>([:])

    /// The store for `caFile` (nil: the system's certificates alone), read on first use.
    static func shared(caFile: String?) throws(NetError) -> TrustStore {
        let key = caFile.map(Self.key) ?? ""
        return try stores.withLock { stores throws(NetError) -> TrustStore in
            if let store = stores[key] { return store }
            guard let pointer = X509_STORE_new() else {
                throw NetError(kind: .tls, detail: "cannot create a certificate store: \(TLSStream.lastErrorText())")
            }
            let store = TrustStore(pointer)
            X509_STORE_set_default_paths(pointer)
            if let caFile, X509_STORE_load_locations(pointer, caFile, nil) != 1 {
                throw NetError(kind: .tls, detail: "cannot read the CA file \(caFile): \(TLSStream.lastErrorText())")
            }
            stores[key] = store
            return store
        }
    }

    /// A CA file's path with its size and modification time: a file changed is read again.
    private static func key(_ caFile: String) -> String {
        var status = stat()
        guard stat(caFile, &status) == 0 else { return caFile }
        return "\(caFile) \(status.st_size) \(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec)"
    }
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

import COpenSSL

/// An OpenSSL client context (`SSL_CTX`), configured once and then shared by the control and
/// data connections of a client.
final class TLSContext: @unchecked Sendable {
    // @unchecked: the SSL_CTX is fully configured in init and only read afterwards, which
    // OpenSSL allows from any thread.
    let pointer: OpaquePointer
    let configuration: TLSConfiguration

    init(configuration: TLSConfiguration) throws {
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw FTPError(kind: .tls, detail: "cannot create a TLS context: \(TLSStream.lastErrorText())")
        }
        pointer = context
        self.configuration = configuration
        ferry_SSL_CTX_set_min_proto_version(context, ferry_TLS1_2_VERSION())
        ferry_SSL_CTX_set_options(context)
        ferry_SSL_CTX_set_client_session_cache(context)
        // The chain is checked after the handshake (TLSStream.checkCertificate), so that a refusal
        // can say why in plain words and show the certificate.
        SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        SSL_CTX_set_default_verify_paths(context)
        if let caFile = configuration.caFile, SSL_CTX_load_verify_locations(context, caFile, nil) != 1 {
            throw FTPError(kind: .tls, detail: "cannot read the CA file \(caFile): \(TLSStream.lastErrorText())")
        }
    }

    deinit { SSL_CTX_free(pointer) }
}

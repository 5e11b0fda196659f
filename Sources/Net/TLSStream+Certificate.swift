import COpenSSL

extension TLSStream {
    /// Decides whether to trust the server's certificate: a pin, then the known-certificates
    /// store, then (unless verification is off) the chain and name check of the handshake.
    func checkCertificate(_ configuration: TLSConfiguration, host: String, port: UInt16) throws(NetError) {
        guard let certificate = peerCertificate() else {
            throw NetError(kind: .tls, detail: "the server at \(remoteAddress) presented no certificate")
        }
        let fingerprint = certificate.fingerprint
        if let pin = configuration.pinnedFingerprint {
            guard CertificateInfo.normalizedFingerprint(pin) == fingerprint else {
                throw NetError(kind: .tls, detail: "the certificate of \(host) does not match the pinned fingerprint (it is SHA-256 \(fingerprint))", certificate: certificate)
            }
            return
        }
        if let known = configuration.knownCertificates?.fingerprint(host: host, port: port) {
            guard known == fingerprint else {
                throw NetError(kind: .tls, detail: """
                    THE CERTIFICATE OF \(host):\(port) HAS CHANGED since you trusted it (trusted SHA-256 \(known), now \
                    \(fingerprint)). Someone may be intercepting the connection; if the server's operator changed the \
                    certificate, remove the line from \(configuration.knownCertificates?.path ?? "the known-certificates file")
                    """, certificate: certificate)
            }
            return
        }
        guard configuration.verifiesCertificates else { return }
        let result = Int32(SSL_get_verify_result(sslPointer))
        guard result != X509_V_OK else { return }
        throw NetError(kind: .tls, detail: "the certificate of \(host) is not trusted: \(Self.plainReason(result, host: host)) (SHA-256 \(fingerprint))", certificate: certificate)
    }

    /// The server's certificate, summarised.
    package func peerCertificate() -> CertificateInfo? {
        guard let certificate = SSL_get1_peer_certificate(sslPointer) else { return nil }
        defer { X509_free(certificate) }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        X509_digest(certificate, EVP_sha256(), &digest, &length)
        let fingerprint = Hexadecimal.string(digest.prefix(Int(length)), uppercase: true, separator: ":")
        func text(_ fill: (UnsafeMutablePointer<CChar>, Int) -> Void) -> String {
            var buffer = [CChar](repeating: 0, count: 512)
            buffer.withUnsafeMutableBufferPointer { pointer in
                if let base = pointer.baseAddress { fill(base, pointer.count) }
            }
            return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return CertificateInfo(
            subject: text { _ = X509_NAME_oneline(X509_get_subject_name(certificate), $0, Int32($1)) },
            issuer: text { _ = X509_NAME_oneline(X509_get_issuer_name(certificate), $0, Int32($1)) },
            alternativeNames: text { _ = ferry_subject_alt_names(certificate, $0, $1) },
            notAfter: text { _ = ferry_not_after(certificate, $0, $1) },
            fingerprint: fingerprint)
    }

    /// The verification error in the words a person uses.
    static func plainReason(_ code: Int32, host: String) -> String {
        switch code {
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
            return "it is self-signed"
        case X509_V_ERR_CERT_HAS_EXPIRED:
            return "it has expired"
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return "it is not valid yet"
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
            return "name mismatch: it is not made out to \(host)"
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            return "its issuer is unknown"
        default:
            return String(cString: X509_verify_cert_error_string(Int(code)))
        }
    }
}

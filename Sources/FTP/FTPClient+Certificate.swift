extension FTPClient {
    /// The certificate the server presented on the control connection; nil for plain FTP.
    public var serverCertificate: CertificateInfo? {
        (control.transport as? TLSStream)?.peerCertificate()
    }
}

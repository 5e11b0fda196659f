// The client's API speaks of the Net module's types (TLSConfiguration, CertificateInfo,
// KnownCertificates, Cancellation, SocketAddress) and its users open listeners of their own:
// re-exported, so that `import FTP` remains all a user of the client needs.
@_exported import Net

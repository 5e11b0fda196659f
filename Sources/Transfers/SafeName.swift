import FTPWire

/// `SafeName` lives in FTPWire, where the FTP module checks listed names too; the name stays
/// here for code that imports only Transfers.
public typealias SafeName = FTPWire.SafeName

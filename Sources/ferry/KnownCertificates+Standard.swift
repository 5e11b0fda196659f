import FTP
import Foundation

extension KnownCertificates {
    /// Ferry's store: `known_certificates` in `$XDG_CONFIG_HOME/ferry`, or in `~/.config/ferry`.
    static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> KnownCertificates {
        KnownCertificates(path: CommanderLauncher.configurationFolder(environment) + "/known_certificates")
    }
}

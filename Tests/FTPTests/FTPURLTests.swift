import FTP
import FTPWire
import Testing

@Suite("FTP URLs")
struct FTPURLTests {
    @Test func partsAreDecoded() throws {
        let url = try FTPURL("ftpes://anna%40work:p%3Ass%2Fword@ftp.example.org:2121/pub/some%20dir/file%E9.txt")
        #expect(url.security == .explicitTLS)
        #expect(url.user == "anna@work")
        #expect(url.password == "p:ss/word")
        #expect(url.host == "ftp.example.org")
        #expect(url.port == 2121)
        #expect(url.path.bytes == Array("pub/some dir/file".utf8) + [0xE9] + Array(".txt".utf8))
        #expect(!url.isDirectory)
        #expect(url.description == "ftpes://anna%40work@ftp.example.org:2121/pub/some%20dir/file%E9.txt")
        #expect(!url.description.contains("p%3Ass"))
    }

    @Test func defaultsAndDirectories() throws {
        #expect(try FTPURL("ftp://host").port == 21)
        #expect(try FTPURL("ftps://host/").port == 990)
        #expect(try FTPURL("ftp://host").isDirectory)
        #expect(try FTPURL("ftp://host/a/b/").isDirectory)
        #expect(try FTPURL("ftp://host").user == nil)
        #expect(try FTPURL("ftp://host/%2Fetc/passwd").path == "/etc/passwd")
        #expect(try FTPURL("ftp://host//etc").path == "/etc")
        #expect(try FTPURL("ftp://host/a/").appending("b.txt").path == "a/b.txt")
    }

    @Test func ipv6HostsStandInBrackets() throws {
        let url = try FTPURL("ftp://[::1]:2121/x")
        #expect(url.host == "::1")
        #expect(url.port == 2121)
        #expect(url.description == "ftp://[::1]:2121/x")
        #expect(try FTPURL("ftp://[fe80::1%25eth0]/").host == "fe80::1%25eth0")
    }

    @Test(arguments: [
        "http://host/", "ftp:/host", "host/path", "ftp://", "ftp://:21/", "ftp://host:0/", "ftp://host:70000/",
        "ftp://host:abc/", "ftp://[::1/", "ftp://[::1]x/", "ftp://ho st/", "ftp://host/%zz", "ftp://host/a%0d%0aDELE%20b",
        "ftp://us%er@host/",
    ])
    func badURLsAreRefusedWithAReason(_ text: String) {
        #expect(throws: FTPURLError.self) { try FTPURL(text) }
    }

    @Test func errorsNeverShowThePassword() {
        do {
            _ = try FTPURL("ftp://anna:hunter2@host:99999/")
            Issue.record("a bad port should fail")
        } catch {
            #expect(!error.description.contains("hunter2"))
            #expect(error.description.contains("ftp://anna:****@host:99999/"))
        }
        #expect(FTPURL.maskingPassword("ftp://a:b@c/d") == "ftp://a:****@c/d")
        #expect(FTPURL.maskingPassword("ftp://c/d") == "ftp://c/d")
    }
}

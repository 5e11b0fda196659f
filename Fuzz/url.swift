// libFuzzer target `url`: FTPURL parsing of any text, and what a parsed URL says of itself.
// Built and run by scripts/fuzz; not part of the package.
import FTP

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
    guard let url = try? FTPURL(text) else { return 0 }
    // Its own description must be a URL too.
    _ = try? FTPURL(url.description)
    return url.isDirectory ? 1 : 0
}

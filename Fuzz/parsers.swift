// libFuzzer target `parsers`: every parser of network input in FTPWire, fed the fuzzer's bytes.
// Built and run by scripts/fuzz; not part of the package.
import FTPWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    ParserExercise.run(Array(UnsafeBufferPointer(start: start, count: count)))
    return 0
}

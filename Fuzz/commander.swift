// libFuzzer target `commander`: the commander's update and view, fed a hostile listing.
// Built and run by scripts/fuzz; not part of the package.
import Commander

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    CommanderExercise.run(Array(UnsafeBufferPointer(start: start, count: count)))
    return 0
}

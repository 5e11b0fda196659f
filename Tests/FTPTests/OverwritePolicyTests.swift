import Foundation
import Testing
import Transfers

@Suite("Overwrite policy decisions")
struct OverwritePolicyTests {
    let minute = Date(timeIntervalSince1970: 1_700_000_040)   // on the minute: an ls -l time
    let exact = Date(timeIntervalSince1970: 1_700_000_077)

    @Test func decisions() {
        let source = FileFacts(size: 10, modified: exact)
        #expect(OverwritePolicy.skip.decision(source: source, destination: nil) == .copy(continues: false))
        #expect(OverwritePolicy.skip.decision(source: source, destination: source) == .skip("it exists"))
        #expect(OverwritePolicy.resume.decision(source: source, destination: source) == .copy(continues: true))
        #expect(OverwritePolicy.rename.decision(source: source, destination: source) == .rename)
        #expect(OverwritePolicy.different.decision(source: source, destination: source) == .skip("same size and time"))
        #expect(OverwritePolicy.different.decision(source: source, destination: FileFacts(size: 11, modified: exact)) == .copy(continues: false))
        // A time that gives only the minute matches any moment of that minute.
        #expect(OverwritePolicy.newer.decision(source: source, destination: FileFacts(size: 10, modified: minute)) == .skip("the destination is not older"))
        #expect(OverwritePolicy.newer.decision(source: FileFacts(size: 10, modified: exact.addingTimeInterval(120)), destination: FileFacts(size: 10, modified: minute)) == .copy(continues: false))
        #expect(OverwritePolicy.newer.decision(source: FileFacts(size: nil, modified: nil), destination: source) == .copy(continues: false))
    }

    @Test func freeNames() {
        let taken: Set = ["a.txt.1", "a.txt.2"]
        #expect(OverwritePolicy.freeSuffix { !taken.contains("a.txt" + $0) } == ".3")
        #expect(!OverwritePolicy.overwrite.looksAtDestination && !OverwritePolicy.resume.looksAtDestination)
        #expect(OverwritePolicy.skip.looksAtDestination)
        #expect(OverwritePolicy.precision(of: Date(timeIntervalSince1970: 86_400 * 100)) == 86_400)
    }
}

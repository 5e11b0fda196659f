import Foundation
import Testing
import TestSupport
@testable import Transfers

/// Moves on the local disk: a folder never goes into itself, named directly or through a link,
/// and the refusal says so; a link to a folder may go into the folder it leads to.
@Suite("Local moves")
struct LocalMoveTests {
    private let disk = LocalFileSystem()

    @Test func aFolderIsNotMovedIntoItselfNorIntoAFolderInside() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try local.write("box/inner/f.txt", Data("kept".utf8))
        for target in ["box/box", "box/inner/box"] {
            #expect {
                try disk.rename(local.file("box"), to: local.file(target))
            } throws: { error in
                "\(error)".contains("a folder cannot go into itself")
            }
        }
        #expect(local.read("box/inner/f.txt") == Data("kept".utf8))
    }

    @Test func aFolderIsNotMovedIntoItselfThroughALink() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try local.write("box/f.txt", Data("kept".utf8))
        try FileManager.default.createSymbolicLink(atPath: local.file("way-in"), withDestinationPath: local.file("box"))
        #expect(throws: LocalFileError.self) { try disk.rename(local.file("box"), to: local.file("way-in/box")) }
        #expect(local.read("box/f.txt") == Data("kept".utf8))
    }

    @Test func aLinkToAFolderMovesIntoThatFolderAndAFolderBesideItself() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try local.write("box/f.txt", Data("kept".utf8))
        try local.write("boxes/g.txt", Data("g".utf8))
        try FileManager.default.createSymbolicLink(atPath: local.file("link"), withDestinationPath: local.file("box"))
        try disk.rename(local.file("link"), to: local.file("box/link"))
        #expect(local.read("box/link/f.txt") == Data("kept".utf8))
        // `boxes` begins with `box` but lies beside it.
        try disk.rename(local.file("box"), to: local.file("boxes/box"))
        #expect(local.read("boxes/box/f.txt") == Data("kept".utf8))
    }
}

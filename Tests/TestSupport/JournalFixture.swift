import FTP
import Foundation
import Transfers

/// Leaves in a journal folder what a Ferry batch stopped by `kill -9` leaves: a job that began
/// writing its destination from a source with the given stamp, so that `get -c`, `put -c` and
/// `ferry resume` continue what it wrote.
public enum JournalFixture {
    /// Records a stopped download of `url` to the local `path`, begun when the server's file
    /// had `size` bytes and was modified at `modified`.
    public static func stoppedDownload(of url: String, to path: String, size: UInt64, modified: Date?, in folder: String) throws {
        var source = try FTPURL(url)
        source.password = nil
        let record = JobRecord(kind: .download, source: source.description, destination: path, overwrite: "overwrite")
        try stopped(record, stamp: SourceStamp(size: size, modified: modified), in: folder)
    }

    /// Records a stopped upload of the local file at `path` to `url`, begun from the file as it
    /// is now.
    public static func stoppedUpload(of path: String, to url: String, in folder: String) throws {
        var destination = try FTPURL(url)
        destination.password = nil
        let record = JobRecord(kind: .upload, source: path, destination: destination.description, overwrite: "overwrite")
        try stopped(record, stamp: SourceStamp(localPath: path), in: folder)
    }

    private static func stopped(_ record: JobRecord, stamp: SourceStamp?, in folder: String) throws {
        let file = try Journal(directory: folder).begin()
        let entry = file.add(record)
        if let stamp { entry.began(stamp) }
        file.close()
    }
}

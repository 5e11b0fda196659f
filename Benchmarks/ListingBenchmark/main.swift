// Parses 100,000 generated listing lines (Unix LIST, DOS and MLSD) and prints the time taken,
// beside a baseline that only splits the same lines into fields: figures, never pass/fail.
//   swift run -c release listing-benchmark [LINES]
import Foundation
import FTPWire

let count = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 100_000 : 100_000
let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

func unixLine(_ index: Int) -> [UInt8] {
    let type = index % 10 == 0 ? "d" : "-"
    let when = index % 3 == 0 ? " 2019" : "\(10 + index % 14):\(10 + index % 50)"
    return Array("\(type)rw-r--r--    1 ftp      ftp      \(index * 37 % 9_999_999) \(months[index % 12]) \(1 + index % 28) \(when) file number \(index).txt".utf8)
}

func dosLine(_ index: Int) -> [UInt8] {
    Array("11-\(10 + index % 18)-26  0\(1 + index % 9):3\(index % 10)PM       \(index * 37) file \(index).bin".utf8)
}

func mlsdLine(_ index: Int) -> [UInt8] {
    Array("type=file;size=\(index * 37);modify=20261125143500;perm=adfrw;unix.mode=0644; file \(index).txt".utf8)
}

/// The best of five runs, in milliseconds.
func measure(_ body: () -> Int) -> (Double, Int) {
    var best = Double.infinity
    var result = 0
    for _ in 0..<5 {
        let start = DispatchTime.now().uptimeNanoseconds
        result = body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000)
    }
    return (best, result)
}

let parser = ListParser()
for (label, make) in [("Unix LIST", unixLine), ("DOS LIST", dosLine)] as [(String, (Int) -> [UInt8])] {
    let lines = (0..<count).map(make)
    let (baseline, _) = measure { lines.reduce(0) { $0 + $1.split(separator: 0x20).count } }
    let (parse, parsed) = measure { parser.entries(lines: lines).count }
    precondition(parsed == count, "\(label): parsed \(parsed) of \(count)")
    print(String(format: "%-10@ %7d lines: parse %7.1f ms (%5.2f µs/line)   split-only baseline %7.1f ms   ratio %.2fx",
                 label as NSString, count, parse, parse * 1000 / Double(count), baseline, parse / baseline))
}
let machine = (0..<count).map(mlsdLine)
let (mlsd, parsed) = measure { machine.reduce(0) { $0 + (MLSxParser.entry(bytes: $1) == nil ? 0 : 1) } }
precondition(parsed == count)
print(String(format: "%-10@ %7d lines: parse %7.1f ms (%5.2f µs/line)", "MLSD" as NSString, count, mlsd, mlsd * 1000 / Double(count)))

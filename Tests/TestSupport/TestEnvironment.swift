import Foundation

/// Facts about the run that decide which tests may be skipped.
public enum TestEnvironment {
    /// Whether the tests run under CI (`CI=true`), where every test must run: a missing server or
    /// tool fails the test instead of skipping it.
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }
}

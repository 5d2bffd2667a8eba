import XCTest
@testable import Server

/// The names hold to Prometheus' conventions (https://prometheus.io/docs/practices/naming/).
final class MetricDefinitionTests: XCTestCase {
    func testEveryNameHasThePrefixAndIsUnique() {
        let names = MetricDefinition.all.map(\.name)
        XCTAssertEqual(Set(names).count, names.count)
        for name in names {
            XCTAssertTrue(name.hasPrefix("dsched_"), name)
            XCTAssertNil(name.first { !($0.isLowercase || $0 == "_") }, "\(name): lower case and underscores only")
        }
    }

    func testCountersEndInTotalAndNothingElseDoes() {
        for definition in MetricDefinition.all {
            XCTAssertEqual(definition.name.hasSuffix("_total"), definition.kind == .counter, definition.name)
        }
    }

    func testDurationsAreInSecondsAndHistogramsHaveBuckets() {
        for definition in MetricDefinition.all {
            XCTAssertEqual(definition.kind == .histogram, !definition.buckets.isEmpty, definition.name)
            XCTAssertFalse(definition.name.contains("millis"), definition.name)
            XCTAssertEqual(definition.buckets, definition.buckets.sorted(), definition.name)
        }
        let durations = MetricDefinition.all.filter { $0.kind == .histogram && $0 != .claimBatch }
        XCTAssertFalse(durations.isEmpty)
        durations.forEach { XCTAssertTrue($0.name.hasSuffix("_seconds"), $0.name) }
    }

    func testEveryDefinitionHasHelp() {
        MetricDefinition.all.forEach { XCTAssertFalse($0.help.isEmpty, $0.name) }
    }
}

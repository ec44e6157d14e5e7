package io.migrate.benchmarks.harness;

/** Item 6: failover times (filled in below). */
final class FailoverBench {
    private final Harness.Options o;
    private final Report report;

    FailoverBench(Harness.Options o, Report report) {
        this.o = o;
        this.report = report;
    }

    void run() throws Exception {
        report.h2("6. Failover");
        report.p("not measured yet" + (o.quick() ? "" : ""));
    }
}

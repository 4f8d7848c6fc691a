package ai.jllm.bench;

import static ai.jllm.bench.MarkdownTable.figure;

import java.util.List;

/** The result tables the bench commands print at the end of a run. */
public final class ResultTables {

    private ResultTables() {}

    /** One row per run (per concurrency level of a sweep): throughput and latency percentiles in milliseconds. */
    public static String sweep(List<BenchResult> results) {
        MarkdownTable table = new MarkdownTable("concurrency", "requests", "errors", "req/s", "output tok/s",
                "total tok/s", "TTFT p50", "TTFT p99", "ITL p50", "ITL p99", "TPOT p50", "E2E p50", "E2E p99");
        for (BenchResult r : results) {
            table.row(r.concurrency().isPresent() ? String.valueOf(r.concurrency().getAsInt()) : "all",
                    r.requests(), r.errors(), figure(r.requestsPerSecond()), figure(r.outputTokensPerSecond()),
                    figure(r.totalTokensPerSecond()), figure(r.ttftMillis().p50()), figure(r.ttftMillis().p99()),
                    figure(r.itlMillis().p50()), figure(r.itlMillis().p99()), figure(r.tpotMillis().p50()),
                    figure(r.e2eMillis().p50()), figure(r.e2eMillis().p99()));
        }
        return table.render();
    }

    /** One run in detail: every figure with mean and percentiles (latencies in milliseconds). */
    public static String detail(BenchResult r) {
        MarkdownTable table = new MarkdownTable("metric", "mean", "p50", "p90", "p99");
        detailRow(table, "TTFT (ms)", r.ttftMillis());
        detailRow(table, "ITL (ms)", r.itlMillis());
        detailRow(table, "TPOT (ms)", r.tpotMillis());
        detailRow(table, "E2E (ms)", r.e2eMillis());
        MarkdownTable totals = new MarkdownTable("figure", "value");
        totals.row("requests", r.requests()).row("errors", r.errors()).row("duration (s)", figure(r.durationSeconds()))
                .row("requests/s", figure(r.requestsPerSecond()))
                .row("output tokens/s", figure(r.outputTokensPerSecond()))
                .row("total tokens/s", figure(r.totalTokensPerSecond()));
        return totals.render() + "\n" + table.render();
    }

    private static void detailRow(MarkdownTable table, String name, Distribution d) {
        table.row(name, figure(d.mean()), figure(d.p50()), figure(d.p90()), figure(d.p99()));
    }
}

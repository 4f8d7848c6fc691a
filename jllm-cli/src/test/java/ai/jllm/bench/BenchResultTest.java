package ai.jllm.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The figures of a run from hand-made timings (times in milliseconds below, nanoseconds in the records). */
class BenchResultTest {

    private static final long MS = 1_000_000;

    /** A request sent at {@code start} ms whose chunks arrive at the given ms, the last one ending it. */
    private static RequestTiming request(long start, int promptTokens, int outputTokens, long... chunksMs) {
        long[] chunks = new long[chunksMs.length];
        for (int i = 0; i < chunks.length; i++) {
            chunks[i] = chunksMs[i] * MS;
        }
        return new RequestTiming(start * MS, chunks, chunks[chunks.length - 1], promptTokens, outputTokens,
                Optional.empty());
    }

    @Test
    void throughputAndLatenciesByHand() {
        // Request A: sent at 0, tokens at 100, 110, 130 (3 tokens). Request B: sent at 50, tokens at 250, 290.
        // Request C: failed at 400 after being sent at 300.
        List<RequestTiming> timings = List.of(request(0, 10, 3, 100, 110, 130), request(50, 20, 2, 250, 290),
                RequestTiming.failed(300 * MS, 400 * MS, 5, "HTTP 500: boom"));
        BenchResult result = BenchResult.of(timings, OptionalInt.of(2));

        assertThat(result.requests()).isEqualTo(2);
        assertThat(result.errors()).isEqualTo(1);
        assertThat(result.errorSamples()).containsExactly("HTTP 500: boom");
        // The run lasts from the first send (0) to the last end (400 ms, the failure).
        assertThat(result.durationSeconds()).isCloseTo(0.4, within(1e-12));
        assertThat(result.promptTokens()).isEqualTo(30);
        assertThat(result.outputTokens()).isEqualTo(5);
        assertThat(result.requestsPerSecond()).isCloseTo(5.0, within(1e-9));
        assertThat(result.outputTokensPerSecond()).isCloseTo(12.5, within(1e-9));
        assertThat(result.totalTokensPerSecond()).isCloseTo(87.5, within(1e-9));
        // TTFT: A 100, B 200.
        assertThat(result.ttftMillis()).isEqualTo(new Distribution(2, 150, 150, 190, 199));
        // ITL over every gap: A 10 and 20, B 40 → sorted 10, 20, 40.
        assertThat(result.itlMillis().count()).isEqualTo(3);
        assertThat(result.itlMillis().mean()).isCloseTo(70 / 3.0, within(1e-9));
        assertThat(result.itlMillis().p50()).isCloseTo(20, within(1e-9));
        assertThat(result.itlMillis().p90()).isCloseTo(36, within(1e-9));
        // TPOT: A (130 − 100) / 2 = 15, B (290 − 250) / 1 = 40.
        assertThat(result.tpotMillis().mean()).isCloseTo(27.5, within(1e-9));
        // E2E: A 130, B 240.
        assertThat(result.e2eMillis().p50()).isCloseTo(185, within(1e-9));
        assertThat(result.e2eMillis().p99()).isCloseTo(238.9, within(1e-9));
    }

    @Test
    void aMultiTokenChunkCountsOnceForItlButItsTokensForTpot() {
        RequestTiming timing = request(0, 4, 5, 50, 60, 90);
        assertThat(timing.tpotMillis()).contains(10.0);
        BenchResult result = BenchResult.of(List.of(timing), OptionalInt.empty());
        assertThat(result.itlMillis().count()).isEqualTo(2);
        assertThat(result.itlMillis().mean()).isCloseTo(20, within(1e-9));
    }

    @Test
    void jsonHasTheIssueKeys() {
        BenchResult result = BenchResult.of(List.of(request(0, 4, 2, 10, 20)), OptionalInt.of(8));
        ObjectNode json = result.toJson(new ObjectMapper());
        assertThat(json.properties().stream().map(Map.Entry::getKey).toList()).contains("concurrency",
                "requests", "errors", "requests_per_s", "output_tokens_per_s", "total_tokens_per_s", "ttft_ms",
                "itl_ms", "tpot_ms", "e2e_ms");
        assertThat(json.get("ttft_ms").properties().stream().map(Map.Entry::getKey).toList())
                .containsExactly("mean", "p50", "p90", "p99");
        assertThat(json.get("concurrency").asInt()).isEqualTo(8);
        assertThat(json.get("ttft_ms").get("p50").asDouble()).isCloseTo(10, within(1e-9));
    }

    @Test
    void jsonReadsBackTheFigures() {
        BenchResult result = BenchResult.of(List.of(request(0, 4, 3, 10, 20, 35),
                RequestTiming.failed(0, MS, 1, "boom")), OptionalInt.of(4));
        BenchResult back = BenchResult.fromJson(result.toJson(new ObjectMapper()));
        assertThat(back.concurrency()).isEqualTo(result.concurrency());
        assertThat(back.outputTokensPerSecond()).isEqualTo(result.outputTokensPerSecond());
        assertThat(back.itlMillis().p99()).isEqualTo(result.itlMillis().p99());
        assertThat(back.e2eMillis().mean()).isEqualTo(result.e2eMillis().mean());
        assertThat(back.errorSamples()).containsExactly("boom");
    }

    @Test
    void anEmptyRunHasNoRates() {
        BenchResult result = BenchResult.of(List.of(), OptionalInt.empty());
        assertThat(result.requests()).isZero();
        assertThat(result.requestsPerSecond()).isZero();
        assertThat(result.ttftMillis()).isEqualTo(Distribution.EMPTY);
    }
}

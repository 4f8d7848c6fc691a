package ai.jllm.server;

import ai.jllm.api.CompletionOutput;
import ai.jllm.api.RequestOutput;
import ai.jllm.server.metrics.ServerMetrics;
import java.util.HashMap;
import java.util.Map;

/**
 * Records one HTTP request's latencies and token counts in the metrics. Times run from when the server received
 * the request (so they include tokenization and queueing). Streams measure inter-token latency from the deltas as
 * they arrive; non-streamed requests contribute their mean gap once per gap.
 */
final class Telemetry {

    private record SampleKey(int prompt, int index) {}

    private final ServerMetrics metrics;
    private final long startNanos;
    private final Map<SampleKey, Long> lastTokenNanos = new HashMap<>();

    Telemetry(ServerMetrics metrics, long startNanos) {
        this.metrics = metrics;
        this.startNanos = startNanos;
    }

    void delta(StreamEvent.Delta delta) {
        for (CompletionOutput output : delta.output().outputs()) {
            int tokens = output.tokenIds().length;
            if (tokens == 0) {
                continue;
            }
            Long last = lastTokenNanos.put(new SampleKey(delta.prompt(), output.index()), delta.receivedNanos());
            if (last != null) {
                double gap = (delta.receivedNanos() - last) / 1e9 / tokens;
                for (int i = 0; i < tokens; i++) {
                    metrics.interTokenLatency(gap);
                }
            }
        }
    }

    void finished(RequestOutput result, boolean streamed) {
        metrics.tokens(result.promptTokenIds().length, result.numCachedTokens(), result.numGeneratedTokens());
        for (CompletionOutput output : result.outputs()) {
            output.finishReason().ifPresent(reason -> metrics.finished(reason.apiName()));
        }
        var timeline = result.metrics();
        if (timeline == null || timeline.firstTokenNanos().isEmpty()) {
            return;
        }
        long firstToken = timeline.firstTokenNanos().getAsLong();
        long finished = timeline.finishedNanos().orElse(System.nanoTime());
        metrics.timeToFirstToken(Math.max(0, firstToken - startNanos) / 1e9);
        metrics.e2eLatency(Math.max(0, finished - startNanos) / 1e9);
        int tokens = result.outputs().isEmpty() ? 0 : result.outputs().getFirst().tokenIds().length;
        if (tokens > 1) {
            double perToken = (finished - firstToken) / 1e9 / (tokens - 1);
            metrics.timePerOutputToken(perToken);
            if (!streamed) {
                for (int i = 1; i < tokens; i++) {
                    metrics.interTokenLatency(perToken);
                }
            }
        }
    }
}

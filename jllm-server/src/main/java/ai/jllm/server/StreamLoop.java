package ai.jllm.server;

import ai.jllm.api.RequestOutput;
import ai.jllm.server.metrics.ServerMetrics;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Streams a submission's events to an SSE response in a {@link ChunkFormat}. When a write fails the client has
 * gone: the submission is cancelled at once, so the engine frees its KV blocks within a step.
 */
final class StreamLoop {

    private StreamLoop() {}

    /**
     * @param outputsAtEnd the engine delivers no deltas (beam search decides the outputs only at the end): stream
     *                     each prompt's final outputs when it finishes
     */
    static void run(Submission submission, SseStream sse, ChunkFormat format, boolean outputsAtEnd,
                    Telemetry telemetry, ServerMetrics metrics, Responses responses) {
        try {
            for (JsonNode chunk : format.opening()) {
                if (!sse.send(responses.bytes(chunk))) {
                    clientGone(submission, metrics);
                    return;
                }
            }
            List<RequestOutput> results = new ArrayList<>(submission.size());
            Optional<StreamEvent> next;
            while ((next = submission.next()).isPresent()) {
                switch (next.get()) {
                    case StreamEvent.Delta delta -> {
                        telemetry.delta(delta);
                        for (var output : delta.output().outputs()) {
                            Optional<JsonNode> chunk = format.delta(delta.prompt(), output);
                            if (chunk.isPresent() && !sse.send(responses.bytes(chunk.get()))) {
                                clientGone(submission, metrics);
                                return;
                            }
                        }
                    }
                    case StreamEvent.Finished finished -> {
                        telemetry.finished(finished.result(), true);
                        results.add(finished.result());
                        if (outputsAtEnd && !sendAll(sse, format, responses, finished)) {
                            clientGone(submission, metrics);
                            return;
                        }
                    }
                    case StreamEvent.Failed failed -> {
                        submission.cancel();
                        ApiException error = ErrorBodies.internal(failed.error());
                        sse.send(responses.bytes(ErrorBodies.body(responses.json(), error)));
                        if (format.endsWithDone()) {
                            sse.done();
                        }
                        return;
                    }
                }
            }
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
            Optional<JsonNode> closing = format.closing(Usage.of(results));
            if (closing.isPresent() && !sse.send(responses.bytes(closing.get()))) {
                return;
            }
            if (format.endsWithDone()) {
                sse.done();
            }
        } finally {
            sse.close();
        }
    }

    private static boolean sendAll(SseStream sse, ChunkFormat format, Responses responses,
                                   StreamEvent.Finished finished) {
        for (var output : finished.result().outputs()) {
            Optional<JsonNode> chunk = format.delta(finished.prompt(), output);
            if (chunk.isPresent() && !sse.send(responses.bytes(chunk.get()))) {
                return false;
            }
        }
        return true;
    }

    private static void clientGone(Submission submission, ServerMetrics metrics) {
        submission.cancel();
        metrics.clientDisconnected();
    }
}

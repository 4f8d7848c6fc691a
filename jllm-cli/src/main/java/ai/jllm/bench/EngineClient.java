package ai.jllm.bench;

import ai.jllm.api.LLM;
import ai.jllm.api.RequestOutput;
import ai.jllm.engine.RequestHandle;
import ai.jllm.sampling.SamplingParams;
import ai.jllm.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Optional;

/**
 * Sends benchmark requests straight to an {@link LLM} (no HTTP), streaming, and times the chunks as they reach the
 * caller: the offline counterpart of {@link OpenAiClient}. Greedy, end-of-sequence ignored, so each request generates
 * exactly its output length.
 */
public final class EngineClient {

    private final LLM llm;
    private final Optional<Tokenizer> tokenizer;

    public EngineClient(LLM llm) {
        this.llm = llm;
        this.tokenizer = llm.tokenizer();
    }

    public RequestTiming send(BenchRequest request) {
        long start = System.nanoTime();
        int[] prompt = request.promptTokenIds().orElseGet(() -> tokenizer.orElseThrow(() ->
                new IllegalStateException("text prompts need the model's tokenizer")).encode(
                request.promptText().orElseThrow(), true));
        try {
            SamplingParams params = SamplingParams.builder().greedy().maxTokens(request.outputTokens())
                    .ignoreEos(true).build();
            RequestHandle handle = llm.submit(prompt, params, true);
            long[] chunks = new long[Math.max(request.outputTokens(), 1)];
            int count = 0;
            for (Iterator<RequestOutput> deltas = handle.stream(); deltas.hasNext(); ) {
                RequestOutput delta = deltas.next();
                long now = System.nanoTime();
                if (delta.numGeneratedTokens() > 0) {
                    if (count == chunks.length) {
                        chunks = Arrays.copyOf(chunks, count * 2);
                    }
                    chunks[count++] = now;
                }
            }
            RequestOutput result = handle.result().join();
            long end = System.nanoTime();
            return new RequestTiming(start, Arrays.copyOf(chunks, count), end, prompt.length,
                    result.numGeneratedTokens(), Optional.empty());
        } catch (RuntimeException e) {
            return RequestTiming.failed(start, System.nanoTime(), prompt.length,
                    e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}

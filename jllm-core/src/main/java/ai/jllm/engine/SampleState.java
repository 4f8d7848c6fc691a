package ai.jllm.engine;

import ai.jllm.api.CompletionOutput;
import ai.jllm.scheduler.Sequence;
import ai.jllm.tokenizer.IncrementalDetokenizer;
import java.util.List;
import java.util.Optional;

/**
 * The output side of one sample: its sequence, the text decoded so far, and how much of it has been delivered.
 */
final class SampleState {

    final int index;
    final Sequence sequence;
    final long seed;
    private final Optional<IncrementalDetokenizer> detokenizer;
    private final StringBuilder text = new StringBuilder();
    private int deliveredText;
    private int deliveredTokens;
    Optional<FinishReason> finishReason = Optional.empty();
    Optional<String> stopReason = Optional.empty();
    private boolean finishDelivered;

    SampleState(int index, Sequence sequence, long seed, Optional<IncrementalDetokenizer> detokenizer) {
        this.index = index;
        this.sequence = sequence;
        this.seed = seed;
        this.detokenizer = detokenizer;
    }

    /** Appends a sampled token to the sequence and its text to the output. */
    void accept(int token) {
        sequence.append(token);
        detokenizer.ifPresent(d -> text.append(d.push(token)));
    }

    void finish(FinishReason reason, Optional<String> stop) {
        finishReason = Optional.of(reason);
        stopReason = stop;
        detokenizer.ifPresent(d -> text.append(d.flush()));
        sequence.finish();
    }

    boolean finished() {
        return finishReason.isPresent();
    }

    boolean hasUndelivered() {
        return sequence.outputLength() > deliveredTokens || text.length() > deliveredText
                || (finished() && !finishDelivered);
    }

    /** What is new since the last delta, and marks it delivered. */
    CompletionOutput takeDelta() {
        int[] tokens = java.util.Arrays.copyOfRange(sequence.tokens(), sequence.promptLength() + deliveredTokens,
                sequence.length());
        String newText = text.substring(deliveredText);
        deliveredTokens = sequence.outputLength();
        deliveredText = text.length();
        finishDelivered = finished();
        return new CompletionOutput(index, newText, tokens, List.of(), finishReason, stopReason);
    }

    CompletionOutput whole() {
        return new CompletionOutput(index, text.toString(), java.util.Arrays.copyOfRange(sequence.tokens(),
                sequence.promptLength(), sequence.length()), List.of(), finishReason, stopReason);
    }
}

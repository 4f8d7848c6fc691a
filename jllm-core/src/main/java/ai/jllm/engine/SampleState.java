package ai.jllm.engine;

import ai.jllm.api.CompletionOutput;
import ai.jllm.sampling.StopStringMatcher;
import ai.jllm.sampling.StopStringOutput;
import ai.jllm.sampling.TokenLogprobs;
import ai.jllm.scheduler.Sequence;
import ai.jllm.tokenizer.IncrementalDetokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The output side of one sample: its sequence, the text decoded so far (after stop strings), its logprobs, and how
 * much of all that has been delivered.
 */
final class SampleState {

    final int index;
    final Sequence sequence;
    final long seed;
    private final Optional<IncrementalDetokenizer> detokenizer;
    private final Optional<StopStringMatcher> stopStrings;
    private final StringBuilder text = new StringBuilder();
    private final List<TokenLogprobs> logprobs = new ArrayList<>();
    private int deliveredText;
    private int deliveredTokens;
    private int deliveredLogprobs;
    private double cumulativeLogprob;
    Optional<FinishReason> finishReason = Optional.empty();
    Optional<String> stopReason = Optional.empty();
    private boolean finishDelivered;

    SampleState(int index, Sequence sequence, long seed, Optional<IncrementalDetokenizer> detokenizer,
                Optional<StopStringMatcher> stopStrings) {
        this.index = index;
        this.sequence = sequence;
        this.seed = seed;
        this.detokenizer = detokenizer;
        this.stopStrings = stopStrings;
    }

    /**
     * Appends a sampled token to the sequence and its text to the output; a completed stop string ends the sample.
     */
    void accept(int token, Optional<TokenLogprobs> logprob) {
        sequence.append(token);
        logprob.ifPresent(l -> {
            logprobs.add(l);
            cumulativeLogprob += l.token().logprob();
        });
        if (detokenizer.isPresent()) {
            appendText(detokenizer.get().push(token));
        }
    }

    void finish(FinishReason reason, Optional<String> stop) {
        if (finished()) {
            return;
        }
        if (detokenizer.isPresent()) {
            appendText(detokenizer.get().flush());
        }
        if (!finished()) {
            stopStrings.ifPresent(matcher -> text.append(matcher.finish()));
            finishReason = Optional.of(reason);
            stopReason = stop;
        }
        sequence.finish();
    }

    private void appendText(String delta) {
        if (finished() || delta.isEmpty()) {
            return;
        }
        if (stopStrings.isEmpty()) {
            text.append(delta);
            return;
        }
        StopStringOutput output = stopStrings.get().push(delta);
        text.append(output.text());
        if (output.stopped()) {
            finishReason = Optional.of(FinishReason.STOP);
            stopReason = output.stopString();
            sequence.finish();
        }
    }

    boolean finished() {
        return finishReason.isPresent();
    }

    double cumulativeLogprob() {
        return cumulativeLogprob;
    }

    boolean hasUndelivered() {
        return sequence.outputLength() > deliveredTokens || text.length() > deliveredText
                || (finished() && !finishDelivered);
    }

    /** What is new since the last delta, and marks it delivered. */
    CompletionOutput takeDelta() {
        int[] tokens = Arrays.copyOfRange(sequence.tokens(), sequence.promptLength() + deliveredTokens,
                sequence.length());
        String newText = text.substring(deliveredText);
        List<TokenLogprobs> newLogprobs = logprobs.subList(deliveredLogprobs, logprobs.size());
        CompletionOutput delta = new CompletionOutput(index, newText, tokens, newLogprobs, cumulativeLogprob,
                finishReason, stopReason);
        deliveredTokens = sequence.outputLength();
        deliveredText = text.length();
        deliveredLogprobs = logprobs.size();
        finishDelivered = finished();
        return delta;
    }

    CompletionOutput whole() {
        return new CompletionOutput(index, text.toString(), Arrays.copyOfRange(sequence.tokens(),
                sequence.promptLength(), sequence.length()), logprobs, cumulativeLogprob, finishReason, stopReason);
    }
}

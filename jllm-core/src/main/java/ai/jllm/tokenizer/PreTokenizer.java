package ai.jllm.tokenizer;

import java.util.Optional;

/**
 * A {@code pre_tokenizer} of tokenizer.json: cuts a normalized stretch of text into the words the model encodes
 * one by one. Words are handed to a {@link Sink} as they are found, so nothing is collected in between.
 */
sealed interface PreTokenizer
        permits SplitPreTokenizer, ByteLevelPreTokenizer, MetaspacePreTokenizer, PreTokenizerSequence {

    /** Receives one non-empty piece and whether it starts where the original input starts. */
    @FunctionalInterface
    interface Sink {
        void accept(String piece, boolean atInputStart);
    }

    void preTokenize(String text, boolean atInputStart, Sink out);

    /**
     * This pre-tokenizer without its final byte → alphabet mapping, when it ends with a {@code ByteLevel} step;
     * the model then maps the bytes itself while looking up the initial symbols, which saves building a string
     * per word.
     */
    default Optional<PreTokenizer> withoutFinalByteMapping() {
        return Optional.empty();
    }
}

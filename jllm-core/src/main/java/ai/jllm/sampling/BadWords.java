package ai.jllm.sampling;

import ai.jllm.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Token sequences the output must never contain. Each step, {@link #addMasks} masks, for every sequence, the token
 * that would complete it: a one-token sequence always, a longer one when the output already ends with all of it but
 * its last token (only output tokens count, as in vLLM: a bad word may appear in the prompt).
 */
public final class BadWords {

    private final int[][] sequences;

    /** @param sequences token id sequences, none empty */
    public BadWords(List<int[]> sequences) {
        this.sequences = new int[sequences.size()][];
        for (int i = 0; i < sequences.size(); i++) {
            int[] sequence = sequences.get(i);
            if (sequence.length == 0) {
                throw new IllegalArgumentException("bad word " + i + " has no tokens");
            }
            this.sequences[i] = sequence.clone();
        }
    }

    /**
     * The token sequences of {@code words} as vLLM forms them: each word, stripped of leading whitespace, is encoded
     * without special tokens as it is (a word at the start of the text) and once more after a space (a word in the
     * middle of text); the second form is kept when its first token differs from the first form's and it has as many
     * tokens, that is when the space made a word token of its own instead of a separate space token.
     *
     * @throws SamplingParameterException ({@code bad_words}) if a word encodes to no tokens
     */
    public static BadWords of(List<String> words, Tokenizer tokenizer) {
        List<int[]> sequences = new ArrayList<>(2 * words.size());
        for (String word : words) {
            String stripped = word.stripLeading();
            int[] plain = tokenizer.encode(stripped, false);
            if (plain.length == 0) {
                throw new SamplingParameterException("bad_words",
                        "bad_words entry \"" + word + "\" encodes to no tokens");
            }
            sequences.add(plain);
            int[] spaced = tokenizer.encode(" " + stripped, false);
            if (spaced.length == plain.length && spaced[0] != plain[0]) {
                sequences.add(spaced);
            }
        }
        return new BadWords(sequences);
    }

    /** The token sequences, in the order they were formed. */
    public List<int[]> sequences() {
        List<int[]> copy = new ArrayList<>(sequences.length);
        for (int[] sequence : sequences) {
            copy.add(sequence.clone());
        }
        return copy;
    }

    public boolean isEmpty() {
        return sequences.length == 0;
    }

    /**
     * Masks in the batch's last row every token that would complete a bad word after the output
     * {@code tokens[outputStart, length)}. Allocates nothing.
     */
    public void addMasks(SamplingBatch batch, int[] tokens, int outputStart, int length) {
        int outputLength = length - outputStart;
        for (int[] sequence : sequences) {
            int prefix = sequence.length - 1;
            if (prefix <= outputLength && endsWith(tokens, length, sequence, prefix)) {
                batch.maskToken(sequence[prefix]);
            }
        }
    }

    private static boolean endsWith(int[] tokens, int length, int[] sequence, int prefix) {
        int start = length - prefix;
        for (int i = 0; i < prefix; i++) {
            if (tokens[start + i] != sequence[i]) {
                return false;
            }
        }
        return true;
    }
}

package ai.jllm.engine;

import java.util.Arrays;
import java.util.Optional;

/**
 * One prompt being generated: its tokens (prompt, then output), how many of them have keys and values in the cache,
 * and the cache blocks it holds.
 */
final class Sequence {

    final int index;
    final int promptLength;
    final int maxOutput;
    final long seed;
    final int[] tokens;       // [promptLength + maxOutput]
    final int[] blockTable;   // [blocks the sequence can ever need]
    int length;               // tokens known: prompt plus output so far
    int computed;             // tokens whose keys and values are in the cache
    int numBlocks;
    Optional<FinishReason> finishReason = Optional.empty();

    Sequence(int index, int[] prompt, int maxOutput, long seed, int maxBlocks) {
        this.index = index;
        this.promptLength = prompt.length;
        this.maxOutput = maxOutput;
        this.seed = seed;
        this.tokens = Arrays.copyOf(prompt, prompt.length + maxOutput);
        this.length = prompt.length;
        this.blockTable = new int[maxBlocks];
    }

    int outputLength() {
        return length - promptLength;
    }

    boolean prefilled() {
        return computed >= promptLength;
    }

    Generation toGeneration() {
        return new Generation(Arrays.copyOf(tokens, promptLength), Arrays.copyOfRange(tokens, promptLength, length),
                finishReason.orElseThrow());
    }
}

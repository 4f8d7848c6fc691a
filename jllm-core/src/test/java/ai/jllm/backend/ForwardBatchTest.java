package ai.jllm.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.sampling.SampleOutput;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ForwardBatchTest {

    @Test
    void mixedBatchMetadataIsLaidOutForTheKernels() {
        ForwardBatch batch = new ForwardBatch(16, 4, 4, 3, 8);
        int[] decoding = {10, 11, 12, 13, 14, 15};
        int[] prompt = {20, 21, 22};
        int[] chunked = {30, 31, 32, 33, 34, 35, 36};
        // A decode at position 5, a whole prompt, and the second chunk (positions 4..6) of a prompt.
        assertThat(batch.addSequence(decoding, 5, 1, 5, new int[] {7, 2}, 2, ForwardBatch.Logits.LAST)).isZero();
        assertThat(batch.addSequence(prompt, 0, 3, 0, new int[] {4}, 1, ForwardBatch.Logits.ALL)).isEqualTo(1);
        assertThat(batch.addSequence(chunked, 4, 3, 4, new int[] {0, 9}, 2, ForwardBatch.Logits.NONE)).isEqualTo(4);

        assertThat(batch.numTokens()).isEqualTo(7);
        assertThat(batch.numSequences()).isEqualTo(3);
        assertThat(Arrays.copyOf(batch.tokenIds(), 7)).containsExactly(15, 20, 21, 22, 34, 35, 36);
        assertThat(Arrays.copyOf(batch.positions(), 7)).containsExactly(5, 0, 1, 2, 4, 5, 6);
        // slot = block * blockSize + position % blockSize
        assertThat(Arrays.copyOf(batch.slotMapping(), 7)).containsExactly(2 * 4 + 1, 16, 17, 18, 36, 37, 38);
        assertThat(Arrays.copyOf(batch.queryStart(), 4)).containsExactly(0, 1, 4, 7);
        assertThat(Arrays.copyOf(batch.seqLens(), 3)).containsExactly(6, 3, 7);
        assertThat(Arrays.copyOf(batch.blockTables(), 8)).containsExactly(7, 2, 0, 4, 0, 0, 0, 9);
        assertThat(batch.numLogits()).isEqualTo(4);
        assertThat(Arrays.copyOf(batch.logitsIndices(), 4)).containsExactly(0, 1, 2, 3);

        batch.clear();
        assertThat(batch.numTokens()).isZero();
        assertThat(batch.numLogits()).isZero();
    }

    @Test
    void aStepFedFromASamplingNamesItsSourceUntilCleared() {
        ForwardBatch batch = new ForwardBatch(16, 4, 4, 3, 8);
        batch.addSequence(new int[] {0}, 0, 1, 5, new int[] {7, 2}, 2, ForwardBatch.Logits.LAST);
        batch.addSequence(new int[] {0}, 0, 1, 3, new int[] {4}, 1, ForwardBatch.Logits.LAST);
        assertThat(batch.sampledTokenRows()).isZero();
        assertThatThrownBy(batch::sampledTokenSource).isInstanceOf(IllegalStateException.class);
        SampleOutput previous = new SampleOutput(4, 2);
        assertThatThrownBy(() -> batch.feedSampledTokens(previous, 3)).isInstanceOf(IllegalArgumentException.class);
        batch.feedSampledTokens(previous, 2);
        assertThat(batch.sampledTokenRows()).isEqualTo(2);
        assertThat(batch.sampledTokenSource()).isSameAs(previous);
        batch.clear();
        assertThat(batch.sampledTokenRows()).isZero();
    }

    @Test
    void refusesWhatDoesNotFit() {
        ForwardBatch batch = new ForwardBatch(4, 2, 4, 2, 1);
        assertThatThrownBy(() -> batch.addSequence(new int[8], 0, 5, 0, new int[] {0, 1}, 2, ForwardBatch.Logits.LAST))
                .hasMessageContaining("forward batch is full");
        assertThatThrownBy(() -> batch.addSequence(new int[8], 0, 2, 4, new int[] {0}, 1, ForwardBatch.Logits.LAST))
                .hasMessageContaining("cannot hold 6 tokens");
        assertThatThrownBy(() -> batch.addSequence(new int[8], 0, 2, 0, new int[] {0}, 1, ForwardBatch.Logits.ALL))
                .hasMessageContaining("logits rows");
    }
}

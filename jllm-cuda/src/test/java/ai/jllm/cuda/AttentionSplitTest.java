package ai.jllm.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The split of the keys among attention blocks fills the GPU on decode, and stays whole on prefill. */
class AttentionSplitTest {

    @ParameterizedTest
    @CsvSource({
        "14, 640, 132, 19",
        "14, 100000, 132, 19",
        "1792, 128, 132, 1",
        "32, 1, 132, 1",
        "8, 345, 132, 22",
        "1, 8192, 132, 256"})
    void splitsAsExpected(int queries, int longest, int multiprocessors, int splits) {
        assertThat(AttentionSplit.of(queries, longest, multiprocessors)).isEqualTo(new AttentionSplit(splits));
    }

    @ParameterizedTest
    @CsvSource({"1, 1", "14, 17", "28, 4097", "4, 100", "600, 3000", "2, 65"})
    void everySplitHasAtLeastTheMinimumOfKeys(int queries, int longest) {
        AttentionSplit split = AttentionSplit.of(queries, longest, 132);
        assertThat(split.splits()).isBetween(1, Math.max(1, (longest + AttentionSplit.MIN_KEYS_PER_SPLIT - 1)
                / AttentionSplit.MIN_KEYS_PER_SPLIT));
    }
}

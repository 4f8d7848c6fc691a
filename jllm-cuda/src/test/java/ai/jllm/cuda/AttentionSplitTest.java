package ai.jllm.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The split of the keys among attention blocks covers every key, fills the GPU on decode, and stays whole on prefill. */
class AttentionSplitTest {

    @ParameterizedTest
    @CsvSource({
        "14, 640, 132, 10, 64",
        "14, 100000, 132, 19, 5264",
        "1792, 128, 132, 1, 128",
        "32, 1, 132, 1, 16",
        "8, 345, 132, 6, 64"})
    void splitsAsExpected(int queries, int longest, int multiprocessors, int splits, int keysPerSplit) {
        AttentionSplit split = AttentionSplit.of(queries, longest, multiprocessors);
        assertThat(split).isEqualTo(new AttentionSplit(splits, keysPerSplit));
    }

    @ParameterizedTest
    @CsvSource({"1, 1", "14, 17", "28, 4097", "4, 100", "600, 3000", "2, 65"})
    void everyKeyIsInExactlyOneSplit(int queries, int longest) {
        AttentionSplit split = AttentionSplit.of(queries, longest, 132);
        assertThat(split.keysPerSplit() % Kernels.ATTENTION_KEYS_PER_PASS).isZero();
        assertThat((long) split.splits() * split.keysPerSplit()).isGreaterThanOrEqualTo(longest);
        assertThat((long) (split.splits() - 1) * split.keysPerSplit()).isLessThan(longest);
    }
}

package ai.jllm.cuda;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.sampling.LogprobsMode;
import ai.jllm.sampling.SamplingBatch;
import ai.jllm.sampling.SamplingParams;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** The word layout sampling.cu reads (its file comment), section by section, for a batch of three rows. */
class SamplingUploadTest {

    @Test
    void packsEverySectionWhereTheKernelsReadIt() {
        SamplingBatch batch = new SamplingBatch(4, 100, 8, 8);
        batch.addRow(2, SamplingParams.builder().temperature(0.5).topK(7).topP(0.75).minP(0.125).build(),
                0x1234_5678_9abc_def0L, 5);
        batch.addRow(0, SamplingParams.builder().greedy().logprobs(3).build(), -1, 1L << 33);
        batch.maskToken(11);
        batch.maskToken(12);
        batch.addRow(1, SamplingParams.builder().repetitionPenalty(1.25).presencePenalty(0.5).frequencyPenalty(-0.25)
                .build(), 9, 0);
        batch.addPenaltyToken(40, 2, true);
        batch.addPenaltyToken(41, 0, true);
        batch.setLogprobs(LogprobsMode.PENALIZED, 4);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment words = arena.allocate(4 * SamplingUpload.words(batch));
            SamplingUpload upload = SamplingUpload.pack(batch, words);
            int rows = 3;
            assertThat(upload).isEqualTo(new SamplingUpload(15 * rows + 2 * (rows + 1) + 2 + 3 * 2, 2, 2, 2, true,
                    true));
            assertThat(section(words, 0, rows)).containsExactly(2, 0, 1);
            assertThat(Float.intBitsToFloat(section(words, 1, rows)[0])).isEqualTo(0.5f);
            assertThat(section(words, 2, rows)).containsExactly(7, 0, 0);
            assertThat(Float.intBitsToFloat(section(words, 3, rows)[0])).isEqualTo(0.75f);
            assertThat(Float.intBitsToFloat(section(words, 4, rows)[0])).isEqualTo(0.125f);
            assertThat(Float.intBitsToFloat(section(words, 5, rows)[2])).isEqualTo(1.25f);
            assertThat(Float.intBitsToFloat(section(words, 6, rows)[2])).isEqualTo(0.5f);
            assertThat(Float.intBitsToFloat(section(words, 7, rows)[2])).isEqualTo(-0.25f);
            assertThat(section(words, 8, rows)).containsExactly(0x9abc_def0, -1, 9);
            assertThat(section(words, 9, rows)).containsExactly(0x1234_5678, -1, 0);
            assertThat(section(words, 10, rows)).containsExactly(5, 0, 0);
            assertThat(section(words, 11, rows)).containsExactly(0, 2, 0);
            assertThat(section(words, 12, rows)).containsExactly(0, 1, 2);
            assertThat(section(words, 13, rows)).containsExactly(0, 3, 4);
            assertThat(section(words, 14, rows)).as("work rows of the modified rows").containsExactly(0, 0, 1);
            int at = 15 * rows;
            assertThat(ints(words, at, rows + 1)).as("maskStart").containsExactly(0, 0, 2, 2);
            assertThat(ints(words, at + rows + 1, rows + 1)).as("penaltyStart").containsExactly(0, 0, 0, 2);
            at += 2 * (rows + 1);
            assertThat(ints(words, at, 2)).as("maskTokens").containsExactly(11, 12);
            assertThat(ints(words, at + 2, 2)).as("penaltyTokens").containsExactly(40, 41);
            assertThat(ints(words, at + 4, 2)).as("penaltyCounts").containsExactly(2, 0);
            assertThat(ints(words, at + 6, 2)).as("penaltyInPrompt").containsExactly(1, 1);
        }
    }

    private static int[] section(MemorySegment words, int section, int rows) {
        return ints(words, section * rows, rows);
    }

    private static int[] ints(MemorySegment words, int at, int count) {
        int[] values = new int[count];
        for (int i = 0; i < count; i++) {
            values[i] = words.getAtIndex(JAVA_INT, at + i);
        }
        return values;
    }
}

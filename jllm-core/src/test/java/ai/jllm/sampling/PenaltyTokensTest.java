package ai.jllm.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PenaltyTokensTest {

    private record Entry(int token, int outputCount, boolean inPrompt) {}

    @Test
    void entriesCountEachDistinctTokenOnceInOrderOfFirstAppearance() {
        Random random = new Random(3);
        int vocab = 50;
        PenaltyTokens penaltyTokens = new PenaltyTokens(vocab);
        SamplingBatch batch = new SamplingBatch(3, vocab, 0, 3 * vocab);
        for (int trial = 0; trial < 100; trial++) {
            int[][] tokens = new int[3][];
            int[] promptLengths = new int[3];
            SamplingParams[] settings = {
                SamplingParams.builder().repetitionPenalty(1.2).build(),
                SamplingParams.builder().presencePenalty(0.3).frequencyPenalty(0.1).build(),
                SamplingParams.builder().build()};
            batch.clear();
            for (int row = 0; row < 3; row++) {
                promptLengths[row] = random.nextInt(20);
                tokens[row] = new int[promptLengths[row] + random.nextInt(20) + 5]; // spare room past the length
                for (int i = 0; i < tokens[row].length; i++) {
                    tokens[row][i] = random.nextInt(15);
                }
                batch.addRow(row, settings[row], 1, 0);
                penaltyTokens.addEntries(batch, tokens[row], promptLengths[row], tokens[row].length - 5);
            }
            for (int row = 0; row < 3; row++) {
                boolean withPrompt = row == 0;
                List<Entry> expected = row == 2 ? List.of()
                        : naive(tokens[row], promptLengths[row], tokens[row].length - 5, withPrompt);
                assertThat(entries(batch, row)).as("trial %d row %d", trial, row).isEqualTo(expected);
            }
        }
    }

    private static List<Entry> naive(int[] tokens, int promptLength, int length, boolean withPrompt) {
        Map<Integer, int[]> seen = new LinkedHashMap<>(); // token -> {output count, in prompt}
        for (int i = withPrompt ? 0 : promptLength; i < length; i++) {
            int[] state = seen.computeIfAbsent(tokens[i], t -> new int[2]);
            if (i < promptLength) {
                state[1] = 1;
            } else {
                state[0]++;
            }
        }
        List<Entry> entries = new ArrayList<>();
        seen.forEach((token, state) -> entries.add(new Entry(token, state[0], state[1] == 1)));
        return entries;
    }

    private static List<Entry> entries(SamplingBatch batch, int row) {
        List<Entry> entries = new ArrayList<>();
        for (int e = batch.penaltyStart()[row]; e < batch.penaltyStart()[row + 1]; e++) {
            entries.add(new Entry(batch.penaltyTokens()[e], batch.penaltyOutputCounts()[e],
                    batch.penaltyInPrompt()[e] == 1));
        }
        return entries;
    }
}

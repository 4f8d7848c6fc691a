package ai.jllm.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The multilingual test corpus (corpus.jsonl: one JSON string per line, written by hand to cover scripts,
 * emoji sequences, code, whitespace runs, numbers, URLs, inline special tokens and normalization forms) and
 * random strings and id sequences drawn with fixed seeds.
 */
final class TestCorpus {

    private static final List<String> LINES = readLines();

    /** Code points that random strings draw from, in ranges every library involved agrees on. */
    private static final int[][] RANGES = {
        {0x20, 0x7E}, {0x20, 0x7E}, {0x20, 0x7E}, {0x09, 0x0D}, {0xA0, 0xFF}, {0x100, 0x24F}, {0x300, 0x36F},
        {0x370, 0x3FF}, {0x400, 0x4FF}, {0x590, 0x5FF}, {0x600, 0x6FF}, {0x900, 0x97F}, {0xE00, 0xE7F},
        {0x1100, 0x11FF}, {0x2000, 0x206F}, {0x20A0, 0x20BF}, {0x2190, 0x22FF}, {0x3000, 0x30FF},
        {0x4E00, 0x9FA5}, {0xAC00, 0xD7A3}, {0xFF00, 0xFFEF}, {0x1F300, 0x1F64F}, {0x1F900, 0x1F9FF},
        {0x1F1E6, 0x1F1FF}, {0x1F3FB, 0x1F3FF}, {0x20000, 0x2A6D6},
    };
    private static final String[] FRAGMENTS = {
        "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|begin_of_text|>", "<|eot_id|>", "<s>", "</s>", "<think>",
        "\u200d", "\ufe0f", " ", "  ", "\n", "\r\n", "'s", "'LL", "123456", "<|", "|>",
    };

    private TestCorpus() {}

    static List<String> lines() {
        return LINES;
    }

    /** {@code count} random strings of up to 60 code points, the same on every run. */
    static List<String> randomStrings(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String> strings = new ArrayList<>(count);
        for (int s = 0; s < count; s++) {
            StringBuilder text = new StringBuilder();
            int length = 1 + random.nextInt(60);
            for (int i = 0; i < length; i++) {
                if (random.nextInt(10) == 0) {
                    text.append(FRAGMENTS[random.nextInt(FRAGMENTS.length)]);
                } else {
                    int[] range = RANGES[random.nextInt(RANGES.length)];
                    text.appendCodePoint(range[0] + random.nextInt(range[1] - range[0] + 1));
                }
            }
            strings.add(text.toString());
        }
        return strings;
    }

    /** {@code count} random id sequences below {@code vocabSize}, of up to 40 ids each. */
    static List<int[]> randomIdSequences(int count, int vocabSize, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<int[]> sequences = new ArrayList<>(count);
        for (int s = 0; s < count; s++) {
            sequences.add(random.ints(1 + random.nextInt(40), 0, vocabSize).toArray());
        }
        return sequences;
    }

    private static List<String> readLines() {
        ObjectMapper mapper = new ObjectMapper();
        var stream = Objects.requireNonNull(TestCorpus.class.getResourceAsStream("corpus.jsonl"), "corpus.jsonl is missing");
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            List<String> lines = new ArrayList<>();
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lines.add(mapper.readValue(line, String.class));
            }
            return List.copyOf(lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package ai.jllm.tokenizer;

import static ai.jllm.testing.TestTokenizers.LLAMA2;
import static ai.jllm.testing.TestTokenizers.LLAMA3;
import static ai.jllm.testing.TestTokenizers.QWEN3;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Exact agreement with the Hugging Face tokenizers library on the real Qwen3, Llama 3 and Llama 2 files, over the
 * whole corpus and random input: every id of every encoding, every character of every decoding.
 */
class TokenizerParityTest {

    private static final int RANDOM_STRINGS = 400;
    private static final int RANDOM_ID_SEQUENCES = 400;

    static Stream<String> tokenizers() {
        return Stream.of(QWEN3, LLAMA3, LLAMA2);
    }

    static List<String> inputs() {
        List<String> inputs = new ArrayList<>(TestCorpus.lines());
        inputs.addAll(TestCorpus.randomStrings(RANDOM_STRINGS, 20240601L));
        return inputs;
    }

    @ParameterizedTest
    @MethodSource("tokenizers")
    void encodesWithSpecialTokensLikeHuggingFace(String name) {
        assertEncodingsAgree(name, true);
    }

    @ParameterizedTest
    @MethodSource("tokenizers")
    void encodesWithoutSpecialTokensLikeHuggingFace(String name) {
        assertEncodingsAgree(name, false);
    }

    private static void assertEncodingsAgree(String name, boolean addSpecialTokens) {
        Tokenizer ours = TestTokenizerCache.ours(name);
        HuggingFaceReference reference = TestTokenizerCache.reference(name);
        Mismatches mismatches = new Mismatches(name + " encode(addSpecialTokens=" + addSpecialTokens + ")");
        for (String text : inputs()) {
            int[] expected = reference.encode(text, addSpecialTokens);
            int[] actual = ours.encode(text, addSpecialTokens);
            mismatches.check(Arrays.equals(expected, actual), text, expected, actual);
        }
        mismatches.assertNone();
    }

    @ParameterizedTest
    @MethodSource("tokenizers")
    void decodesCorpusEncodingsLikeHuggingFace(String name) {
        Tokenizer ours = TestTokenizerCache.ours(name);
        HuggingFaceReference reference = TestTokenizerCache.reference(name);
        Mismatches mismatches = new Mismatches(name + " decode of corpus encodings");
        for (String text : inputs()) {
            int[] ids = reference.encode(text, true);
            for (boolean skipSpecialTokens : new boolean[] {false, true}) {
                String expected = reference.decode(ids, skipSpecialTokens);
                String actual = ours.decode(ids, skipSpecialTokens);
                mismatches.check(expected.equals(actual), text + " skip=" + skipSpecialTokens, expected, actual);
            }
        }
        mismatches.assertNone();
    }

    @ParameterizedTest
    @MethodSource("tokenizers")
    void decodesRandomIdsLikeHuggingFace(String name) {
        Tokenizer ours = TestTokenizerCache.ours(name);
        HuggingFaceReference reference = TestTokenizerCache.reference(name);
        Mismatches mismatches = new Mismatches(name + " decode of random ids");
        for (int[] ids : TestCorpus.randomIdSequences(RANDOM_ID_SEQUENCES, ours.vocabSize(), 7L)) {
            for (boolean skipSpecialTokens : new boolean[] {false, true}) {
                String expected = reference.decode(ids, skipSpecialTokens);
                String actual = ours.decode(ids, skipSpecialTokens);
                mismatches.check(expected.equals(actual), Arrays.toString(ids) + " skip=" + skipSpecialTokens,
                        expected, actual);
            }
        }
        mismatches.assertNone();
    }

    /** One tokenizer shared by several threads (as a server shares it) still gives the library's ids. */
    @ParameterizedTest
    @MethodSource("tokenizers")
    void encodesCorrectlyFromManyThreadsAtOnce(String name) throws Exception {
        Tokenizer shared = Tokenizer.load(ai.jllm.testing.TestTokenizers.dir(name));
        HuggingFaceReference reference = TestTokenizerCache.reference(name);
        List<String> inputs = inputs();
        List<int[]> expected = inputs.stream().map(text -> reference.encode(text, true)).toList();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            List<java.util.concurrent.Future<Mismatches>> results = new ArrayList<>();
            for (int thread = 0; thread < 4; thread++) {
                int offset = thread * 97;
                results.add(pool.submit(() -> {
                    Mismatches mismatches = new Mismatches(name + " concurrent encode");
                    for (int i = 0; i < inputs.size(); i++) {
                        int index = (i + offset) % inputs.size();
                        int[] actual = shared.encode(inputs.get(index), true);
                        mismatches.check(Arrays.equals(expected.get(index), actual), inputs.get(index),
                                expected.get(index), actual);
                    }
                    return mismatches;
                }));
            }
            for (var result : results) {
                result.get().assertNone();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("tokenizers")
    void decodingTheEncodingGivesTheTextBack(String name) {
        Tokenizer ours = TestTokenizerCache.ours(name);
        for (String text : List.of("Hello world", "你好,请问你叫什么?", "emoji 👩🏽‍💻 and ZWJ", "tabs\tand\nnewlines")) {
            String decoded = ours.decode(ours.encode(text, false), false);
            assertThat(decoded.strip()).isEqualTo(text.strip());
        }
    }
}

package ai.jllm.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.jllm.testing.TestTokenizers;
import ai.jllm.tokenizer.Tokenizer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bad words on the real Llama 3 tokenizer, with the Hugging Face tokenizers library (DJL) as the encoder of record. */
class BadWordsTest {

    private static final List<String> WORDS = List.of("hello", " world", "unbelievable stuff", "123", "Überraschung",
            "naïve café", "你好", "don't");

    private static Tokenizer tokenizer;
    private static HuggingFaceTokenizer reference;

    @BeforeAll
    static void load() throws IOException {
        System.setProperty("OPT_OUT_TRACKING", "true");
        tokenizer = Tokenizer.load(TestTokenizers.dir(TestTokenizers.LLAMA3));
        reference = HuggingFaceTokenizer.builder().optTokenizerPath(TestTokenizers.dir(TestTokenizers.LLAMA3))
                .optTruncation(false).optPadding(false).optAddSpecialTokens(false).build();
    }

    @AfterAll
    static void close() {
        reference.close();
    }

    @Test
    void sequencesAreFormedAsVllmFormsThem() {
        List<int[]> expected = new ArrayList<>();
        for (String word : WORDS) {
            // vLLM: for add_prefix_space in (False, True), encode prefix + word.lstrip(); keep the spaced form only
            // when it has as many tokens and a different first token.
            int[] plain = encode(word.stripLeading());
            expected.add(plain);
            int[] spaced = encode(" " + word.stripLeading());
            if (spaced.length == plain.length && spaced[0] != plain[0]) {
                expected.add(spaced);
            }
        }
        assertThat(BadWords.of(WORDS, tokenizer).sequences()).usingRecursiveFieldByFieldElementComparator()
                .containsExactlyElementsOf(expected);
    }

    @Test
    void aWordGetsItsLeadingSpaceVariantUnlessTheSpaceStaysATokenOfItsOwn() {
        List<int[]> hello = BadWords.of(List.of("hello"), tokenizer).sequences();
        assertThat(hello).hasSize(2);
        assertThat(hello.get(0)).containsExactly(tokenizer.tokenToId("hello").getAsInt());
        assertThat(hello.get(1)).containsExactly(tokenizer.tokenToId("Ġhello").getAsInt());
        // Llama 3 splits digits from a preceding space: " 123" is [Ġ, 123], so only "123" is kept.
        List<int[]> digits = BadWords.of(List.of("123"), tokenizer).sequences();
        assertThat(digits).hasSize(1);
        assertThat(encode(" 123")).hasSize(2);
        // " unbelievable" is one token but "unbelievable" several: the lengths differ, so the spaced form is dropped.
        assertThat(encode(" unbelievable stuff").length).isNotEqualTo(encode("unbelievable stuff").length);
        assertThat(BadWords.of(List.of("unbelievable stuff"), tokenizer).sequences()).hasSize(1);
    }

    @Test
    void singleTokenWordsAreAlwaysMaskedAndLongerOnesWhenTheOutputEndsWithTheirPrefix() {
        BadWords badWords = BadWords.of(List.of("hello", "quick brown fox"), tokenizer);
        int[] hello = encode("hello");
        int[] spacedHello = encode(" hello");
        int[] phrase = encode(" quick brown fox");
        int[] plainPhrase = encode("quick brown fox");
        assertThat(phrase.length).isEqualTo(plainPhrase.length).isGreaterThan(2);

        // Output so far: " quick brown", the phrase but its last token.
        int[] prompt = encode("Tell me something");
        int[] output = Arrays.copyOf(phrase, phrase.length - 1);
        int[] tokens = concat(prompt, output);
        assertThat(masks(badWords, tokens, prompt.length))
                .containsExactlyInAnyOrder(hello[0], spacedHello[0], phrase[phrase.length - 1]);

        // One token short of the prefix: only the single-token words.
        int[] shorter = concat(prompt, Arrays.copyOf(phrase, phrase.length - 2));
        assertThat(masks(badWords, shorter, prompt.length)).containsExactlyInAnyOrder(hello[0], spacedHello[0]);

        // The prefix at the start of the output, without the space: the plain variant applies.
        int[] atStart = concat(prompt, Arrays.copyOf(plainPhrase, plainPhrase.length - 1));
        assertThat(masks(badWords, atStart, prompt.length))
                .contains(plainPhrase[plainPhrase.length - 1]);

        // A prefix that lies in the prompt does not count: only output tokens do.
        int[] inPrompt = concat(prompt, Arrays.copyOf(phrase, phrase.length - 1));
        assertThat(masks(badWords, inPrompt, inPrompt.length)).containsExactlyInAnyOrder(hello[0], spacedHello[0]);
    }

    @Test
    void greedyDecodingStepsAroundABadPhrase() {
        BadWords badWords = BadWords.of(List.of("quick brown fox"), tokenizer);
        int[] phrase = encode(" quick brown fox");
        int vocab = tokenizer.vocabSize();
        HostSampling sampling = new HostSampling(vocab);
        SamplingBatch batch = new SamplingBatch(1, vocab, 8, 0);
        SampleOutput out = new SampleOutput(1, 0);
        float[] logits = new float[vocab];
        int[] tokens = new int[phrase.length + 1];
        // Logits that favour the phrase's next token at every step, and token 5 second.
        for (int step = 0; step < phrase.length; step++) {
            Arrays.fill(logits, 0f);
            logits[phrase[step]] = 5f;
            logits[5] = 4f;
            batch.clear();
            batch.addRow(0, SamplingParams.builder().greedy().build(), 1, step);
            badWords.addMasks(batch, tokens, 0, step);
            sampling.sample(logits, batch, out);
            tokens[step] = out.tokenId(0);
        }
        int last = phrase.length - 1;
        assertThat(Arrays.copyOf(tokens, last)).containsExactly(Arrays.copyOf(phrase, last));
        assertThat(tokens[last]).isEqualTo(5);
    }

    @Test
    void aWordThatEncodesToNothingIsRefused() {
        assertThatThrownBy(() -> BadWords.of(List.of(""), tokenizer))
                .isInstanceOf(SamplingParameterException.class).hasMessageContaining("bad_words");
    }

    private static List<Integer> masks(BadWords badWords, int[] tokens, int outputStart) {
        SamplingBatch batch = new SamplingBatch(1, tokenizer.vocabSize(), 16, 0);
        batch.addRow(0, SamplingParams.builder().build(), 1, 0);
        badWords.addMasks(batch, tokens, outputStart, tokens.length);
        List<Integer> masked = new ArrayList<>();
        for (int e = batch.maskStart()[0]; e < batch.maskStart()[1]; e++) {
            masked.add(batch.maskTokens()[e]);
        }
        return masked;
    }

    private static int[] encode(String text) {
        return Arrays.stream(reference.encode(text, false, false).getIds()).mapToInt(Math::toIntExact).toArray();
    }

    private static int[] concat(int[] a, int[] b) {
        int[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}

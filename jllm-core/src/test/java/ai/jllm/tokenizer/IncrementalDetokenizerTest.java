package ai.jllm.tokenizer;

import static ai.jllm.testing.TestTokenizers.LLAMA2;
import static ai.jllm.testing.TestTokenizers.LLAMA3;
import static ai.jllm.testing.TestTokenizers.QWEN3;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The streaming properties: pieces concatenate to the Hugging Face decoding of all ids, no piece splits a
 * character or shows U+FFFD for a character that later completes, and byte-level text comes out as soon as
 * each character is complete.
 */
class IncrementalDetokenizerTest {

    static Stream<String> tokenizers() {
        return Stream.of(QWEN3, LLAMA3, LLAMA2);
    }

    static Stream<String> byteLevelTokenizers() {
        return Stream.of(QWEN3, LLAMA3);
    }

    /** The pieces of streaming {@code ids}, the flush last. */
    static List<String> stream(Tokenizer tokenizer, int[] ids, boolean skipSpecialTokens) {
        IncrementalDetokenizer detokenizer = tokenizer.newDetokenizer(skipSpecialTokens);
        List<String> pieces = new ArrayList<>();
        for (int id : ids) {
            pieces.add(detokenizer.push(id));
        }
        pieces.add(detokenizer.flush());
        return pieces;
    }

    @ParameterizedTest
    @MethodSource("tokenizers")
    void piecesOfCorpusEncodingsConcatenateToHuggingFaceDecode(String name) {
        Tokenizer tokenizer = TestTokenizerCache.ours(name);
        HuggingFaceReference reference = TestTokenizerCache.reference(name);
        Mismatches mismatches = new Mismatches(name + " streamed corpus");
        for (String text : TokenizerParityTest.inputs()) {
            int[] ids = reference.encode(text, true);
            for (boolean skipSpecialTokens : new boolean[] {false, true}) {
                String expected = reference.decode(ids, skipSpecialTokens);
                String streamed = String.join("", stream(tokenizer, ids, skipSpecialTokens));
                mismatches.check(expected.equals(streamed), text + " skip=" + skipSpecialTokens, expected, streamed);
            }
        }
        mismatches.assertNone();
    }

    @ParameterizedTest
    @MethodSource("tokenizers")
    void piecesOfRandomIdsConcatenateToHuggingFaceDecode(String name) {
        Tokenizer tokenizer = TestTokenizerCache.ours(name);
        HuggingFaceReference reference = TestTokenizerCache.reference(name);
        Mismatches mismatches = new Mismatches(name + " streamed random ids");
        for (int[] ids : TestCorpus.randomIdSequences(400, tokenizer.vocabSize(), 11L)) {
            String expected = reference.decode(ids, false);
            List<String> pieces = stream(tokenizer, ids, false);
            String streamed = String.join("", pieces);
            mismatches.check(expected.equals(streamed), Arrays.toString(ids), expected, streamed);
            for (String piece : pieces) {
                mismatches.check(!splitsSurrogatePair(piece), Arrays.toString(ids), "whole characters", piece);
            }
        }
        mismatches.assertNone();
    }

    @ParameterizedTest
    @MethodSource("tokenizers")
    void validTextNeverStreamsReplacementCharacters(String name) {
        Tokenizer tokenizer = TestTokenizerCache.ours(name);
        Mismatches mismatches = new Mismatches(name + " pieces of valid text");
        for (String text : TokenizerParityTest.inputs()) {
            for (String piece : stream(tokenizer, tokenizer.encode(text, false), false)) {
                boolean clean = piece.indexOf(Utf8Stream.REPLACEMENT) < 0 && !splitsSurrogatePair(piece);
                mismatches.check(clean, text, "no U+FFFD, no split surrogate", piece);
            }
        }
        mismatches.assertNone();
    }

    /**
     * After each token, everything decodable so far has been emitted: the pieces equal the decoding of the ids
     * pushed so far, minus the U+FFFD that decoding shows for a character still incomplete at the end.
     */
    @ParameterizedTest
    @MethodSource("byteLevelTokenizers")
    void byteLevelTextIsEmittedAsSoonAsCharactersComplete(String name) {
        Tokenizer tokenizer = TestTokenizerCache.ours(name);
        HuggingFaceReference reference = TestTokenizerCache.reference(name);
        Mismatches mismatches = new Mismatches(name + " promptness");
        for (String text : TestCorpus.lines()) {
            int[] ids = reference.encode(text, false);
            IncrementalDetokenizer detokenizer = tokenizer.newDetokenizer(false);
            StringBuilder emitted = new StringBuilder();
            for (int i = 0; i < ids.length; i++) {
                emitted.append(detokenizer.push(ids[i]));
                String decodedSoFar = reference.decode(Arrays.copyOf(ids, i + 1), false);
                String complete = decodedSoFar.replaceAll("\uFFFD+$", "");
                mismatches.check(complete.contentEquals(emitted), text + " after token " + i, complete, emitted.toString());
            }
        }
        mismatches.assertNone();
    }

    @Test
    void chineseCharacterSplitAcrossByteLevelTokensArrivesWhole() {
        Tokenizer tokenizer = TestTokenizerCache.ours(QWEN3);
        int[] ids = tokenizer.encode("龘", false);
        assertThat(ids.length).as("the character must span several tokens for this test").isGreaterThan(1);
        List<String> pieces = stream(tokenizer, ids, false);
        assertThat(pieces.subList(0, ids.length - 1)).allMatch(String::isEmpty);
        assertThat(pieces.get(ids.length - 1)).isEqualTo("龘");
        assertThat(pieces.getLast()).isEmpty();
    }

    @Test
    void emojiWithSkinToneArrivesWhole() {
        Tokenizer tokenizer = TestTokenizerCache.ours(LLAMA3);
        String emoji = "👍🏽";
        List<String> pieces = stream(tokenizer, tokenizer.encode(emoji, false), false);
        assertThat(String.join("", pieces)).isEqualTo(emoji);
        assertThat(pieces).allMatch(piece -> piece.isEmpty() || piece.equals("👍") || piece.equals("🏽") || piece.equals(emoji));
    }

    @Test
    void llama2StripsTheLeadingSpaceOnlyAtTheVeryStart() {
        Tokenizer tokenizer = TestTokenizerCache.ours(LLAMA2);
        int[] ids = tokenizer.encode("Hello world again", false);
        assertThat(stream(tokenizer, ids, false)).containsExactly("Hello", " world", " again", "");
    }

    @Test
    void llama2ByteFallbackRunIsHeldUntilItEnds() {
        Tokenizer tokenizer = TestTokenizerCache.ours(LLAMA2);
        int[] ids = tokenizer.encode("龘x", false);
        List<String> tokens = Arrays.stream(ids).mapToObj(id -> tokenizer.idToToken(id).orElseThrow()).toList();
        assertThat(tokens).contains("<0xE9>", "<0xBE>", "<0x98>");
        String streamed = String.join("", stream(tokenizer, ids, false));
        assertThat(streamed).isEqualTo(tokenizer.decode(ids, false)).contains("龘x");
    }

    @Test
    void skippedSpecialTokensProduceNothing() {
        Tokenizer tokenizer = TestTokenizerCache.ours(QWEN3);
        int[] ids = tokenizer.encode("<|im_start|>assistant\nHi<|im_end|>", false);
        assertThat(String.join("", stream(tokenizer, ids, true))).isEqualTo("assistant\nHi");
        assertThat(String.join("", stream(tokenizer, ids, false))).isEqualTo("<|im_start|>assistant\nHi<|im_end|>");
    }

    @Test
    void pushAfterFlushIsRefused() {
        IncrementalDetokenizer detokenizer = TestTokenizerCache.ours(QWEN3).newDetokenizer(false);
        detokenizer.push(9707);
        detokenizer.flush();
        assertThat(detokenizer.flush()).isEmpty();
        assertThatThrownBy(() -> detokenizer.push(9707)).isInstanceOf(IllegalStateException.class);
    }

    private static boolean splitsSurrogatePair(String piece) {
        return !piece.isEmpty() && (Character.isLowSurrogate(piece.charAt(0))
                || Character.isHighSurrogate(piece.charAt(piece.length() - 1)));
    }
}

package ai.jllm.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import ai.jllm.testing.TestTokenizers;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The translated character classes against Oniguruma itself, code point by code point. The Hugging Face
 * library is given a tokenizer that keeps only what a pattern matches (a {@code Split} with behavior
 * {@code Removed}, inverted) and decodes back to exactly the kept characters; our translation of the same pattern
 * must keep the same ones. Code points that Oniguruma's older Unicode tables leave unassigned ({@code \p{Cn}})
 * are left out: Java 25 knows Unicode 16, and those characters are the only place the two may differ.
 */
class OnigRegexParityTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The ideographs above U+20000 are uniform blocks: a sample of them is enough. */
    private static final int SAMPLED_FROM = 0x20000;

    /** Every code point Java considers assigned (sampled above U+20000), in order. */
    private static String allAssigned;
    /** The code points both Java and Oniguruma consider assigned. */
    private static final BitSet ASSIGNED_IN_BOTH = new BitSet(Character.MAX_CODE_POINT + 1);

    @TempDir
    static Path dir;

    @BeforeAll
    static void collectCodePoints() throws IOException {
        StringBuilder text = new StringBuilder();
        IntStream.rangeClosed(0, Character.MAX_CODE_POINT)
                .filter(c -> Character.getType(c) != Character.UNASSIGNED && Character.getType(c) != Character.SURROGATE)
                .filter(c -> c < SAMPLED_FROM || c % 61 == 0)
                .forEach(text::appendCodePoint);
        allAssigned = text.toString();
        allAssigned.codePoints().forEach(ASSIGNED_IN_BOTH::set);
        keptByOniguruma("\\p{Cn}").codePoints().forEach(ASSIGNED_IN_BOTH::clear);
        // Oniguruma's tables are Unicode 14: the 10,301 characters of Unicode 15.0, 15.1 and 16.0 are new to it.
        assertThat(allAssigned.codePointCount(0, allAssigned.length()) - ASSIGNED_IN_BOTH.cardinality())
                .as("code points only Java assigns").isBetween(1, 20_000);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "\\s", "\\S", "\\w", "\\W", "\\d", "\\D", "\\h", "\\H", "\\p{L}", "\\p{N}", "\\p{P}", "\\p{Lu}", "\\p{M}",
        "\\p{^L}", "\\P{N}", "\\p{Han}", "\\p{Hiragana}", "[^\\s\\p{L}\\p{N}]", "[^\\r\\n\\p{L}\\p{N}]", ".",
        "(?i:[a-hj-z])", "(?i:s|k)", "[\\w&&[^\\d]]", "[\\]a]", "[\\w]", "[^\\w]", "[\\d]", "[\\s]", "[^\\s]", "\\w+"
    })
    void characterClassKeepsWhatOnigurumaKeeps(String pattern) throws IOException {
        String expected = keptByOniguruma(pattern);
        Pattern translated = OnigRegex.compile(pattern, "test");
        String actual = ASSIGNED_IN_BOTH.stream()
                .filter(c -> translated.matcher(Character.toString(c)).matches())
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        String expectedInBoth = expected.codePoints().filter(ASSIGNED_IN_BOTH::get)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        assertThat(Mismatches.escape(actual)).isEqualTo(Mismatches.escape(expectedInBoth));
    }

    @Test
    void unsupportedConstructsAreRefusedByName() {
        assertThatThrownBy(() -> OnigRegex.compile("a\\Kb", "tokenizer.json: pre_tokenizer"))
                .isInstanceOf(JllmException.class).hasMessage("tokenizer.json: pre_tokenizer: \\K is not supported in regex \"a\\Kb\"");
        assertThatThrownBy(() -> OnigRegex.compile("[[:alpha:]]", "where"))
                .isInstanceOf(JllmException.class).hasMessageContaining("POSIX bracket");
        assertThatThrownBy(() -> OnigRegex.compile("[^\\S]", "where"))
                .isInstanceOf(JllmException.class).hasMessageContaining("\\S inside a character class");
    }

    /** The characters of every assigned code point that the library keeps with {@code pattern}, in order. */
    private static String keptByOniguruma(String pattern) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(
                TestTokenizers.dir(TestTokenizers.LLAMA2).resolve("tokenizer.json").toFile());
        root.putNull("normalizer");
        root.putNull("post_processor");
        root.set("pre_tokenizer", JSON.createObjectNode().put("type", "Split").put("behavior", "Removed")
                .put("invert", true).set("pattern", JSON.createObjectNode().put("Regex", pattern)));
        root.set("decoder", JSON.readTree("{\"type\":\"Sequence\",\"decoders\":[{\"type\":\"ByteFallback\"},{\"type\":\"Fuse\"}]}"));
        Path variant = dir.resolve(Integer.toHexString(pattern.hashCode()));
        java.nio.file.Files.createDirectories(variant);
        JSON.writeValue(variant.resolve("tokenizer.json").toFile(), root);
        try (HuggingFaceReference reference = HuggingFaceReference.open(variant)) {
            return reference.decode(reference.encode(allAssigned, false), false);
        }
    }
}

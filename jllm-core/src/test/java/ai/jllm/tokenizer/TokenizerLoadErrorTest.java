package ai.jllm.tokenizer;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import ai.jllm.testing.TestTokenizers;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken or unsupported files fail with a one-line JllmException naming the file and what is wrong. */
class TokenizerLoadErrorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void missingDirectory() {
        Path missing = dir.resolve("nowhere");
        assertThatThrownBy(() -> Tokenizer.load(missing))
                .isInstanceOf(JllmException.class)
                .hasMessageContaining("no such file")
                .hasMessageContaining(missing.toString());
    }

    @Test
    void directoryWithoutTokenizerJson() {
        assertThatThrownBy(() -> Tokenizer.load(dir))
                .isInstanceOf(JllmException.class)
                .hasMessageContaining(dir.resolve("tokenizer.json").toString());
    }

    @Test
    void malformedJson() throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": {");
        assertThatThrownBy(() -> Tokenizer.load(dir))
                .isInstanceOf(JllmException.class)
                .hasMessageContaining(dir.resolve("tokenizer.json").toString())
                .hasMessageContaining("malformed JSON");
    }

    @Test
    void notAnObject() throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), "[1, 2, 3]");
        assertThatThrownBy(() -> Tokenizer.load(dir)).isInstanceOf(JllmException.class)
                .hasMessageContaining("expected a JSON object");
    }

    @Test
    void unknownModelType() throws IOException {
        writeVariant(root -> ((ObjectNode) root.get("model")).put("type", "Unigram"));
        assertRefused("unsupported model type \"Unigram\"");
    }

    @Test
    void unknownNormalizerType() throws IOException {
        writeVariant(root -> root.set("normalizer", JSON.createObjectNode().put("type", "Lowercase")));
        assertRefused("unsupported normalizer type \"Lowercase\"");
    }

    @Test
    void unknownPreTokenizerNestedInASequence() throws IOException {
        writeVariant(root -> root.set("pre_tokenizer", JSON.createObjectNode().put("type", "Sequence")
                .set("pretokenizers", JSON.createArrayNode().add(JSON.createObjectNode().put("type", "BertPreTokenizer")))));
        assertRefused("unsupported pre_tokenizer type \"BertPreTokenizer\"");
    }

    @Test
    void unknownDecoderType() throws IOException {
        writeVariant(root -> root.set("decoder", JSON.createObjectNode().put("type", "WordPiece")));
        assertRefused("unsupported decoder type \"WordPiece\"");
    }

    @Test
    void unknownPostProcessorType() throws IOException {
        writeVariant(root -> root.set("post_processor", JSON.createObjectNode().put("type", "BertProcessing")));
        assertRefused("unsupported post_processor type \"BertProcessing\"");
    }

    @Test
    void mergeOfTokensMissingFromTheVocab() throws IOException {
        writeVariant(root -> ((com.fasterxml.jackson.databind.node.ArrayNode) root.get("model").get("merges"))
                .add("nonexistent▁left nonexistent▁right"));
        assertRefused("missing from the vocab");
    }

    @Test
    void malformedMergeLine() throws IOException {
        writeVariant(root -> ((com.fasterxml.jackson.databind.node.ArrayNode) root.get("model").get("merges"))
                .add("three parts here"));
        assertRefused("is not two tokens separated by a space");
    }

    @Test
    void unknownTokenMissingFromTheVocab() throws IOException {
        writeVariant(root -> ((ObjectNode) root.get("model")).put("unk_token", "<nope>"));
        assertRefused("model.unk_token \"<nope>\" is not in the vocab");
    }

    @Test
    void invalidRegex() throws IOException {
        writeVariant(root -> root.set("pre_tokenizer", JSON.createObjectNode().put("type", "Split")
                .put("behavior", "Isolated").put("invert", false)
                .set("pattern", JSON.createObjectNode().put("Regex", "(unclosed"))));
        assertRefused("unsupported regex \"(unclosed\"");
    }

    @Test
    void unknownSplitBehavior() throws IOException {
        writeVariant(root -> root.set("pre_tokenizer", JSON.createObjectNode().put("type", "Split")
                .put("behavior", "Sideways").put("invert", false)
                .set("pattern", JSON.createObjectNode().put("String", " "))));
        assertRefused("behavior \"Sideways\"");
    }

    @Test
    void malformedTokenizerConfig() throws IOException {
        writeVariant(root -> { });
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": 42}");
        assertThatThrownBy(() -> Tokenizer.load(dir)).isInstanceOf(JllmException.class)
                .hasMessageContaining(dir.resolve("tokenizer_config.json").toString())
                .hasMessageContaining("bos_token");
    }

    /** The small Llama 2 file with one edit, so each case loads quickly. */
    private void writeVariant(Consumer<ObjectNode> edit) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(
                TestTokenizers.dir(TestTokenizers.LLAMA2).resolve("tokenizer.json").toFile());
        edit.accept(root);
        JSON.writeValue(dir.resolve("tokenizer.json").toFile(), root);
    }

    private void assertRefused(String reason) {
        assertThatThrownBy(() -> Tokenizer.load(dir))
                .isInstanceOf(JllmException.class)
                .hasMessageStartingWith(dir.resolve("tokenizer.json").toString())
                .hasMessageContaining(reason)
                .satisfies(e -> org.assertj.core.api.Assertions.assertThat(e.getMessage()).doesNotContain("\n"));
    }
}

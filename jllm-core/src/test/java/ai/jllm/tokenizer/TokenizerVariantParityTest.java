package ai.jllm.tokenizer;

import static ai.jllm.testing.TestTokenizers.LLAMA2;
import static ai.jllm.testing.TestTokenizers.LLAMA3;
import static ai.jllm.testing.TestTokenizers.QWEN3;

import ai.jllm.testing.TestTokenizers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Components the three real files do not use (Metaspace, the GPT-2 ByteLevel regex, split behaviors, added-token
 * flags, other normalizers, decoders and post-processors), checked against the Hugging Face library on variants
 * of the real files: each variant edits one part of a real tokenizer.json.
 */
class TokenizerVariantParityTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A real file with one edit; {@code inputs} selects the corpus lines the variant is checked on. */
    record Variant(String name, String base, Consumer<ObjectNode> edit, Predicate<String> inputs) {
        Variant(String name, String base, Consumer<ObjectNode> edit) {
            this(name, base, edit, text -> true);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Variant> variants() {
        return Stream.of(
                new Variant("Metaspace first, no split (Mistral v0.3 style)", LLAMA2, root -> {
                    root.putNull("normalizer");
                    root.set("pre_tokenizer", metaspace("first", false));
                }),
                new Variant("Metaspace always, split, Metaspace decoder", LLAMA2, root -> {
                    root.putNull("normalizer");
                    root.set("pre_tokenizer", metaspace("always", true));
                    root.set("decoder", metaspace("always", true));
                }),
                new Variant("Metaspace never, split, Metaspace decoder", LLAMA2, root -> {
                    root.putNull("normalizer");
                    root.set("pre_tokenizer", metaspace("never", true));
                    root.set("decoder", metaspace("never", true));
                }),
                new Variant("GPT-2 ByteLevel regex with prefix space, BOS/EOS template", QWEN3, root -> {
                    root.set("pre_tokenizer", node("{\"type\":\"ByteLevel\",\"add_prefix_space\":true,"
                            + "\"trim_offsets\":true,\"use_regex\":true}"));
                    root.set("post_processor", template("<|endoftext|>", 151643, "<|im_end|>", 151645));
                }),
                new Variant("Llama 3 Sequence post-processor, merges not ignored", LLAMA3, root -> {
                    ((ObjectNode) root.get("model")).put("ignore_merges", false);
                    root.set("post_processor", node("{\"type\":\"Sequence\",\"processors\":[{\"type\":\"ByteLevel\","
                            + "\"add_prefix_space\":true,\"trim_offsets\":false,\"use_regex\":true},"
                            + template("<|begin_of_text|>", 128000, null, 0) + "]}"));
                }),
                new Variant("added-token flags: lstrip, rstrip, single_word, normalized, new ids", QWEN3, root -> {
                    ArrayNode added = (ArrayNode) root.get("added_tokens");
                    for (JsonNode token : added) {
                        ObjectNode entry = (ObjectNode) token;
                        switch (entry.get("content").asText()) {
                            case "<|im_start|>" -> entry.put("lstrip", true);
                            case "<|im_end|>" -> entry.put("rstrip", true);
                            case "<think>" -> entry.put("single_word", true);
                            case "</think>" -> entry.put("normalized", true).put("lstrip", true).put("rstrip", true);
                            case "<|endoftext|>" -> entry.put("single_word", true).put("lstrip", true);
                            default -> { }
                        }
                    }
                    added.add(addedToken(999_001, "world", false, true));
                    added.add(addedToken(999_002, "<new_special>", true, false));
                    added.add(addedToken(999_003, "Cafe\u0301", false, true));
                    added.add(addedToken(999_004, "ä½ł", false, false));
                }),
                new Variant("NFKC and regex Replace of whitespace", LLAMA3, root -> root.set("normalizer", node(
                        "{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFKC\"},"
                                + "{\"type\":\"Replace\",\"pattern\":{\"Regex\":\"\\\\s+\"},\"content\":\" \"},"
                                + "{\"type\":\"NFD\"},{\"type\":\"NFKD\"},{\"type\":\"NFC\"}]}"))),
                new Variant("Split Removed, MergedWithPrevious, MergedWithNext", LLAMA2, root -> root.set("pre_tokenizer",
                        node("{\"type\":\"Sequence\",\"pretokenizers\":["
                                + split("{\"String\":\",\"}", "Removed", false) + ","
                                + split("{\"Regex\":\"\\\\d\"}", "MergedWithPrevious", false) + ","
                                + split("{\"Regex\":\"(?i:[aeiou])\"}", "MergedWithNext", false) + "]}"))),
                new Variant("Split Contiguous and inverted", LLAMA2, root -> root.set("pre_tokenizer",
                        node("{\"type\":\"Sequence\",\"pretokenizers\":["
                                + split("{\"Regex\":\"\\\\p{P}\"}", "Contiguous", false) + ","
                                + split("{\"Regex\":\"\\\\w+\"}", "Removed", true) + ","
                                + split("{\"Regex\":\"[\\\\s\\\\h]\"}", "Isolated", true) + "]}"))),
                new Variant("no decoder: tokens joined with spaces", LLAMA2, root -> root.putNull("decoder")),
                new Variant("unknown characters without byte fallback, fused", LLAMA2, root ->
                        ((ObjectNode) root.get("model")).put("byte_fallback", false).put("fuse_unk", true)),
                new Variant("unknown characters without byte fallback, not fused", LLAMA2, root ->
                        ((ObjectNode) root.get("model")).put("byte_fallback", false).put("fuse_unk", false)),
                new Variant("Strip at both ends, Replace regex decoder", LLAMA2, root -> root.set("decoder", node(
                        "{\"type\":\"Sequence\",\"decoders\":["
                                + "{\"type\":\"Replace\",\"pattern\":{\"Regex\":\"▁+\"},\"content\":\" \"},"
                                + "{\"type\":\"ByteFallback\"},{\"type\":\"Fuse\"},"
                                + "{\"type\":\"Replace\",\"pattern\":{\"String\":\"ab\"},\"content\":\"[AB]\"},"
                                + "{\"type\":\"Strip\",\"content\":\" \",\"start\":2,\"stop\":2}]}")),
                        // The library panics when a decoded text has nothing but the stripped character.
                        text -> text.strip().length() > 4 && !text.contains("<s>") && !text.contains("</s>")
                                && !text.contains("<unk>")));
    }

    @ParameterizedTest
    @MethodSource("variants")
    void variantAgreesWithHuggingFace(Variant variant, @TempDir Path dir) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(TestTokenizers.dir(variant.base()).resolve("tokenizer.json").toFile());
        variant.edit().accept(root);
        JSON.writeValue(dir.resolve("tokenizer.json").toFile(), root);
        Tokenizer ours = Tokenizer.load(dir);
        List<String> inputs = new ArrayList<>(TestCorpus.lines());
        inputs.addAll(TestCorpus.randomStrings(150, 99L));
        inputs.removeIf(variant.inputs().negate());
        Mismatches mismatches = new Mismatches(variant.name());
        try (HuggingFaceReference reference = HuggingFaceReference.open(dir)) {
            for (String text : inputs) {
                for (boolean special : new boolean[] {true, false}) {
                    int[] expected = reference.encode(text, special);
                    int[] actual = ours.encode(text, special);
                    mismatches.check(Arrays.equals(expected, actual), "encode " + special + " " + text, expected, actual);
                    String expectedText = reference.decode(expected, !special);
                    String actualText = ours.decode(expected, !special);
                    mismatches.check(expectedText.equals(actualText), "decode " + text, expectedText, actualText);
                    String streamed = String.join("", IncrementalDetokenizerTest.stream(ours, expected, !special));
                    mismatches.check(expectedText.equals(streamed), "stream " + text, expectedText, streamed);
                }
            }
        }
        mismatches.assertNone();
    }

    private static ObjectNode node(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    private static ObjectNode metaspace(String prependScheme, boolean split) {
        return node("{\"type\":\"Metaspace\",\"replacement\":\"▁\",\"prepend_scheme\":\"" + prependScheme
                + "\",\"split\":" + split + "}");
    }

    private static String split(String pattern, String behavior, boolean invert) {
        return "{\"type\":\"Split\",\"pattern\":" + pattern + ",\"behavior\":\"" + behavior + "\",\"invert\":" + invert + "}";
    }

    private static ObjectNode template(String bos, int bosId, String eos, int eosId) {
        String single = "[{\"SpecialToken\":{\"id\":\"" + bos + "\",\"type_id\":0}},{\"Sequence\":{\"id\":\"A\",\"type_id\":0}}"
                + (eos == null ? "" : ",{\"SpecialToken\":{\"id\":\"" + eos + "\",\"type_id\":0}}") + "]";
        String specials = "\"" + bos + "\":{\"id\":\"" + bos + "\",\"ids\":[" + bosId + "],\"tokens\":[\"" + bos + "\"]}"
                + (eos == null ? "" : ",\"" + eos + "\":{\"id\":\"" + eos + "\",\"ids\":[" + eosId + "],\"tokens\":[\"" + eos + "\"]}");
        return node("{\"type\":\"TemplateProcessing\",\"single\":" + single + ",\"pair\":" + single
                + ",\"special_tokens\":{" + specials + "}}");
    }

    private static ObjectNode addedToken(int id, String content, boolean special, boolean normalized) {
        return JSON.createObjectNode().put("id", id).put("content", content).put("single_word", false)
                .put("lstrip", false).put("rstrip", false).put("normalized", normalized).put("special", special);
    }
}

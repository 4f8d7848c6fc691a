package ai.jllm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads tokenizer.json: the BPE model, the added tokens and (through {@link PipelineReader}) the pipeline. */
final class TokenizerJsonReader {

    /** Everything tokenizer.json defines. */
    record Definition(BpeModel model, List<AddedToken> addedTokens, Optional<Normalizer> normalizer,
                      Optional<PreTokenizer> preTokenizer, Optional<PostProcessor> postProcessor,
                      Optional<Decoder> decoder) {}

    private final JsonFile file;

    private TokenizerJsonReader(JsonFile file) {
        this.file = file;
    }

    static Definition read(JsonFile file) {
        return new TokenizerJsonReader(file).definition();
    }

    private Definition definition() {
        file.optionalText(file.root(), "version", "tokenizer").ifPresent(version -> {
            if (!version.equals("1.0")) {
                throw file.error("unknown tokenizer.json version \"" + version + "\"");
            }
        });
        PipelineReader pipeline = new PipelineReader(file);
        return new Definition(model(), addedTokens(), pipeline.normalizer(), pipeline.preTokenizer(),
                pipeline.postProcessor(), pipeline.decoder());
    }

    private BpeModel model() {
        JsonNode model = file.root().get("model");
        if (model == null || !model.isObject()) {
            throw file.error("model must be an object");
        }
        String type = model.hasNonNull("type") ? file.text(model, "type", "model") : "BPE";
        if (!type.equals("BPE")) {
            throw file.error("unsupported model type \"" + type + "\" (only BPE is implemented)");
        }
        JsonNode dropout = model.get("dropout");
        if (dropout != null && !dropout.isNull() && dropout.asDouble() != 0.0) {
            throw file.error("model.dropout must be null: BPE dropout makes encoding random");
        }
        Map<String, Integer> vocab = vocab(file.container(model, "vocab", "model"));
        String prefix = file.optionalText(model, "continuing_subword_prefix", "model").orElse("");
        BpeModel.Options options = new BpeModel.Options(
                file.optionalText(model, "unk_token", "model"),
                prefix,
                file.optionalText(model, "end_of_word_suffix", "model").orElse(""),
                file.flag(model, "fuse_unk", false, "model"),
                file.flag(model, "byte_fallback", false, "model"),
                file.flag(model, "ignore_merges", false, "model"));
        options.unkToken().ifPresent(unk -> {
            if (!vocab.containsKey(unk)) {
                throw file.error("model.unk_token \"" + unk + "\" is not in the vocab");
            }
        });
        try {
            MergeTable merges = BpeModel.mergeTable(vocab, merges(file.container(model, "merges", "model")), prefix);
            return new BpeModel(vocab, merges, options);
        } catch (IllegalArgumentException e) {
            throw file.error("model.merges: " + e.getMessage());
        }
    }

    private Map<String, Integer> vocab(JsonNode node) {
        if (!node.isObject()) {
            throw file.error("model.vocab must be an object of token → id");
        }
        Map<String, Integer> vocab = new HashMap<>(node.size() * 2);
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            JsonNode id = entry.getValue();
            if (!id.canConvertToInt() || !id.isIntegralNumber() || id.asInt() < 0) {
                throw file.error("model.vocab[\"" + entry.getKey() + "\"] must be a non-negative integer id");
            }
            vocab.put(entry.getKey(), id.asInt());
        }
        return vocab;
    }

    /** Both formats: {@code "a b"} strings (with {@code #version} lines skipped) and {@code ["a", "b"]} pairs. */
    private List<String[]> merges(JsonNode node) {
        if (!node.isArray()) {
            throw file.error("model.merges must be an array");
        }
        List<String[]> pairs = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            JsonNode merge = node.get(i);
            if (merge.isTextual()) {
                String line = merge.asText();
                if (line.startsWith("#version")) {
                    continue;
                }
                String[] parts = line.split(" ", -1);
                if (parts.length != 2) {
                    throw file.error("model.merges[" + i + "] \"" + line + "\" is not two tokens separated by a space");
                }
                pairs.add(parts);
            } else if (merge.isArray() && merge.size() == 2 && merge.get(0).isTextual() && merge.get(1).isTextual()) {
                pairs.add(new String[] {merge.get(0).asText(), merge.get(1).asText()});
            } else {
                throw file.error("model.merges[" + i + "] must be \"a b\" or [\"a\", \"b\"]");
            }
        }
        return pairs;
    }

    private List<AddedToken> addedTokens() {
        JsonNode tokens = file.root().get("added_tokens");
        if (tokens == null || tokens.isNull()) {
            return List.of();
        }
        if (!tokens.isArray()) {
            throw file.error("added_tokens must be an array");
        }
        List<AddedToken> result = new ArrayList<>(tokens.size());
        for (int i = 0; i < tokens.size(); i++) {
            JsonNode token = tokens.get(i);
            String where = "added_tokens[" + i + "]";
            if (!token.isObject()) {
                throw file.error(where + " must be an object");
            }
            result.add(new AddedToken(
                    file.text(token, "content", where),
                    file.flag(token, "single_word", false, where),
                    file.flag(token, "lstrip", false, where),
                    file.flag(token, "rstrip", false, where),
                    file.flag(token, "normalized", true, where),
                    file.flag(token, "special", false, where)));
        }
        return result;
    }
}

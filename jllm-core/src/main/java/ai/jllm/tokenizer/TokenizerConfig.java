package ai.jllm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The parts of {@code tokenizer_config.json} the tokenizer exposes: the named special tokens, which chat
 * templates refer to. Each may be written as a string or as an AddedToken object with a {@code content}.
 */
record TokenizerConfig(Map<String, String> specialTokens) {

    static final String BOS = "bos_token";
    static final String EOS = "eos_token";
    private static final String[] NAMES = {BOS, EOS, "unk_token", "pad_token"};

    TokenizerConfig {
        specialTokens = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(specialTokens));
    }

    static TokenizerConfig none() {
        return new TokenizerConfig(Map.of());
    }

    /** Reads {@code path} if it exists; a tokenizer without one simply has no named special tokens. */
    static TokenizerConfig readIfPresent(Path path) {
        if (!Files.exists(path)) {
            return none();
        }
        JsonFile file = JsonFile.read(path);
        Map<String, String> tokens = new LinkedHashMap<>();
        for (String name : NAMES) {
            tokenText(file, name).ifPresent(text -> tokens.put(name, text));
        }
        return new TokenizerConfig(tokens);
    }

    Optional<String> token(String name) {
        return Optional.ofNullable(specialTokens.get(name));
    }

    private static Optional<String> tokenText(JsonFile file, String name) {
        JsonNode value = file.root().get(name);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (value.isTextual()) {
            return Optional.of(value.asText());
        }
        if (value.isObject()) {
            return Optional.of(file.text(value, "content", name));
        }
        throw file.error(name + " must be a string, an object with \"content\", or null");
    }
}

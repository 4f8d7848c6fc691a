package ai.jllm.template;

import ai.jllm.JllmException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads chat templates and special tokens from the files of a Hugging Face model directory:
 * {@code chat_template.jinja} (plus {@code additional_chat_templates/NAME.jinja}), {@code chat_template.json}
 * and {@code tokenizer_config.json}, whose {@code chat_template} is a string or a list of {name, template}.
 */
final class ChatTemplateFiles {

    static final String DEFAULT_NAME = "default";
    static final String JINJA_FILE = "chat_template.jinja";
    static final String JSON_FILE = "chat_template.json";
    static final String TOKENIZER_CONFIG_FILE = "tokenizer_config.json";

    /** The special-token attributes transformers passes to every template (its SPECIAL_TOKENS_ATTRIBUTES). */
    private static final List<String> SPECIAL_TOKENS =
            List.of("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token");

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A template's text and where it came from, for error messages. */
    record Source(String text, String description) {}

    private ChatTemplateFiles() {}

    /** The template called {@code name} in a tokenizer_config.json or chat_template.json file. */
    static Optional<Source> fromJsonFile(Path file, String name) {
        JsonNode root = readJson(file);
        JsonNode templates = root.get("chat_template");
        if (templates == null || templates.isNull()) {
            return Optional.empty();
        }
        if (templates.isTextual()) {
            return name.equals(DEFAULT_NAME) ? Optional.of(new Source(templates.asText(), describe(name, file)))
                    : Optional.empty();
        }
        if (!templates.isArray()) {
            throw new JllmException("\"chat_template\" in " + file + " is neither a string nor a list of {name, template}");
        }
        for (JsonNode entry : templates) {
            JsonNode entryName = entry.get("name");
            JsonNode template = entry.get("template");
            if (entryName == null || !entryName.isTextual() || template == null || !template.isTextual()) {
                throw new JllmException("\"chat_template\" in " + file + " has an entry without a string name and template");
            }
            if (entryName.asText().equals(name)) {
                return Optional.of(new Source(template.asText(), describe(name, file)));
            }
        }
        return Optional.empty();
    }

    /** The names of the templates in a tokenizer_config.json or chat_template.json file. */
    static List<String> namesInJsonFile(Path file) {
        JsonNode templates = readJson(file).get("chat_template");
        List<String> names = new ArrayList<>();
        if (templates != null && templates.isTextual()) {
            names.add(DEFAULT_NAME);
        } else if (templates != null && templates.isArray()) {
            templates.forEach(entry -> names.add(entry.path("name").asText()));
        }
        return names;
    }

    /** A model directory's template called {@code name}, looked up in the order transformers prefers. */
    static Optional<Source> fromModelDir(Path dir, String name) {
        if (!Files.isDirectory(dir)) {
            throw new JllmException("model directory " + dir + " does not exist");
        }
        Path jinja = name.equals(DEFAULT_NAME) ? dir.resolve(JINJA_FILE)
                : dir.resolve("additional_chat_templates").resolve(name + ".jinja");
        if (Files.isRegularFile(jinja)) {
            return Optional.of(new Source(readText(jinja), describe(name, jinja)));
        }
        for (String file : List.of(JSON_FILE, TOKENIZER_CONFIG_FILE)) {
            Path json = dir.resolve(file);
            if (Files.isRegularFile(json)) {
                Optional<Source> source = fromJsonFile(json, name);
                if (source.isPresent()) {
                    return source;
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The special tokens transformers puts in every template's context: each one that is set, as its text
     * (a plain string or an AddedToken object's "content"), plus a non-empty additional_special_tokens list.
     */
    static Map<String, Object> specialTokens(Path tokenizerConfig) {
        Map<String, Object> tokens = new LinkedHashMap<>();
        if (!Files.isRegularFile(tokenizerConfig)) {
            return tokens;
        }
        JsonNode root = readJson(tokenizerConfig);
        for (String attribute : SPECIAL_TOKENS) {
            tokenText(root.get(attribute), tokenizerConfig, attribute).filter(text -> !text.isEmpty())
                    .ifPresent(text -> tokens.put(attribute, text));
        }
        JsonNode additional = root.get("additional_special_tokens");
        if (additional != null && additional.isArray() && !additional.isEmpty()) {
            List<Object> texts = new ArrayList<>();
            for (JsonNode token : additional) {
                tokenText(token, tokenizerConfig, "additional_special_tokens").ifPresent(texts::add);
            }
            tokens.put("additional_special_tokens", List.copyOf(texts));
        }
        return tokens;
    }

    private static Optional<String> tokenText(JsonNode token, Path file, String attribute) {
        if (token == null || token.isNull()) {
            return Optional.empty();
        }
        if (token.isTextual()) {
            return Optional.of(token.asText());
        }
        JsonNode content = token.get("content");
        if (token.isObject() && content != null && content.isTextual()) {
            return Optional.of(content.asText());
        }
        throw new JllmException("\"" + attribute + "\" in " + file + " is neither a string nor an object with \"content\"");
    }

    private static String describe(String name, Path file) {
        return "'" + name + "' (" + file + ")";
    }

    static JsonNode readJson(Path file) {
        String text = readText(file);
        try {
            JsonNode root = JSON.readTree(text);
            if (root == null || !root.isObject()) {
                throw new JllmException(file + " does not hold a JSON object");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new JllmException("malformed JSON in " + file + ": " + e.getOriginalMessage(), e);
        }
    }

    static String readText(Path file) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new JllmException("file not found: " + file, e);
        } catch (IOException e) {
            throw new JllmException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}

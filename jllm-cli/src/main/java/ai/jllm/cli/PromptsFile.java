package ai.jllm.cli;

import ai.jllm.JllmException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a JSON-lines prompts file: each non-blank line is {@code {"prompt": "..."}}, {@code {"prompt_token_ids": [...]}}
 * or {@code {"messages": [...]}}. Errors name the file and line.
 */
final class PromptsFile {

    private PromptsFile() {}

    static List<PromptInput> read(Path file, ObjectMapper json) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new JllmException("cannot read prompts file " + file + ": " + e.getMessage());
        }
        List<PromptInput> prompts = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (!line.isBlank()) {
                prompts.add(parse(line, json, file + " line " + (i + 1)));
            }
        }
        if (prompts.isEmpty()) {
            throw new JllmException("prompts file " + file + " has no prompts");
        }
        return prompts;
    }

    static PromptInput parse(String line, ObjectMapper json, String where) {
        JsonNode node;
        try {
            node = json.readTree(line);
        } catch (JsonProcessingException e) {
            throw new JllmException(where + ": malformed JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new JllmException(where + ": expected an object with \"prompt\", \"prompt_token_ids\" or \"messages\"");
        }
        int kinds = (node.has("prompt") ? 1 : 0) + (node.has("prompt_token_ids") ? 1 : 0) + (node.has("messages") ? 1 : 0);
        if (kinds != 1) {
            throw new JllmException(where + ": give exactly one of \"prompt\", \"prompt_token_ids\" or \"messages\"");
        }
        if (node.has("prompt")) {
            if (!node.get("prompt").isTextual()) {
                throw new JllmException(where + ": \"prompt\" must be a string");
            }
            return new PromptInput.Text(node.get("prompt").asText());
        }
        if (node.has("prompt_token_ids")) {
            JsonNode ids = node.get("prompt_token_ids");
            if (!ids.isArray() || ids.isEmpty()) {
                throw new JllmException(where + ": \"prompt_token_ids\" must be a non-empty array of integers");
            }
            int[] values = new int[ids.size()];
            for (int i = 0; i < values.length; i++) {
                if (!ids.get(i).canConvertToInt() || !ids.get(i).isIntegralNumber()) {
                    throw new JllmException(where + ": \"prompt_token_ids\" must hold integers, not " + ids.get(i));
                }
                values[i] = ids.get(i).asInt();
            }
            return new PromptInput.TokenIds(values);
        }
        JsonNode messages = node.get("messages");
        if (!messages.isArray() || messages.isEmpty()) {
            throw new JllmException(where + ": \"messages\" must be a non-empty array of {\"role\", \"content\"} objects");
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (JsonNode message : messages) {
            if (!message.isObject() || !message.has("role")) {
                throw new JllmException(where + ": every message needs a \"role\"");
            }
            list.add(json.convertValue(message, ChatMessages.MESSAGE_TYPE));
        }
        return new PromptInput.Messages(list);
    }
}

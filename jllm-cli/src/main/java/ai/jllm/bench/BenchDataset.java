package ai.jllm.bench;

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
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The requests of a benchmark run: synthetic (random token ids of a fixed length, the way trtllm-bench's and vLLM's
 * "random" datasets make them, so no two prompts share a prefix) or read from a JSON-lines file.
 */
public final class BenchDataset {

    private BenchDataset() {}

    /**
     * {@code count} prompts of {@code inputLength} token ids drawn uniformly from [0, vocabSize), each asking for
     * {@code outputLength} tokens. The same seed gives the same prompts.
     */
    public static List<BenchRequest> synthetic(int count, int inputLength, int outputLength, int vocabSize,
                                               long seed) {
        if (inputLength < 1 || vocabSize < 1) {
            throw new JllmException("synthetic prompts need --isl ≥ 1 and a vocabulary, got isl " + inputLength);
        }
        SplittableRandom random = new SplittableRandom(seed);
        List<BenchRequest> requests = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            requests.add(BenchRequest.ofTokens(random.ints(inputLength, 0, vocabSize).toArray(), outputLength));
        }
        return requests;
    }

    /**
     * A JSON-lines file in trtllm-bench's layout: per line {@code "prompt"} (text) or {@code "input_ids"} /
     * {@code "prompt_token_ids"} (token ids), and optionally {@code "output_tokens"} (or {@code "max_tokens"}); lines
     * without an output length take {@code defaultOutputTokens}. Errors name the file and line.
     */
    public static List<BenchRequest> read(Path file, int defaultOutputTokens, ObjectMapper json) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new JllmException("cannot read dataset " + file + ": " + e.getMessage());
        }
        List<BenchRequest> requests = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).isBlank()) {
                requests.add(parse(lines.get(i), defaultOutputTokens, json, file + " line " + (i + 1)));
            }
        }
        if (requests.isEmpty()) {
            throw new JllmException("dataset " + file + " has no requests");
        }
        return requests;
    }

    private static BenchRequest parse(String line, int defaultOutputTokens, ObjectMapper json, String where) {
        JsonNode node;
        try {
            node = json.readTree(line);
        } catch (JsonProcessingException e) {
            throw new JllmException(where + ": malformed JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new JllmException(where + ": expected an object with \"prompt\" or \"input_ids\"");
        }
        int outputTokens = defaultOutputTokens;
        for (String key : List.of("output_tokens", "max_tokens")) {
            if (node.has(key)) {
                if (!node.get(key).canConvertToInt() || node.get(key).asInt() < 1) {
                    throw new JllmException(where + ": \"" + key + "\" must be a positive integer");
                }
                outputTokens = node.get(key).asInt();
            }
        }
        JsonNode ids = node.has("input_ids") ? node.get("input_ids") : node.get("prompt_token_ids");
        if (ids != null) {
            if (!ids.isArray() || ids.isEmpty()) {
                throw new JllmException(where + ": \"input_ids\" must be a non-empty array of token ids");
            }
            int[] tokens = new int[ids.size()];
            for (int i = 0; i < tokens.length; i++) {
                if (!ids.get(i).isIntegralNumber() || !ids.get(i).canConvertToInt()) {
                    throw new JllmException(where + ": \"input_ids\" must hold integers, not " + ids.get(i));
                }
                tokens[i] = ids.get(i).asInt();
            }
            return new BenchRequest(Optional.of(tokens), Optional.empty(), outputTokens);
        }
        JsonNode prompt = node.get("prompt");
        if (prompt == null || !prompt.isTextual()) {
            throw new JllmException(where + ": expected \"prompt\" (a string) or \"input_ids\"");
        }
        return BenchRequest.ofText(prompt.asText(), outputTokens);
    }
}

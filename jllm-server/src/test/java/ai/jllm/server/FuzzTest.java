package ai.jllm.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random and mutated request bodies at every endpoint: the server answers each with a 2xx or a 4xx in OpenAI's
 * error shape, never a 5xx, never a hang, and ends healthy with no KV block held. Seeded: a failure names the body.
 */
class FuzzTest {

    private static final int CASES = 600;
    private static final long SEED = 20_240_611L;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final List<String> ENDPOINTS = List.of("/v1/completions", "/v1/chat/completions",
            "/v2/models/test-model/generate", "/v2/models/test-model/generate_stream");
    private static final List<String> KEYS = List.of("model", "prompt", "messages", "max_tokens",
            "max_completion_tokens", "temperature", "top_p", "top_k", "n", "stop", "seed", "stream", "stream_options",
            "logprobs", "top_logprobs", "echo", "min_tokens", "ignore_eos", "stop_token_ids", "presence_penalty",
            "frequency_penalty", "repetition_penalty", "min_p", "user", "tools", "tool_choice", "response_format",
            "chat_template_kwargs", "text_input", "parameters", "bad_words", "stop_words", "random_seed",
            "exclude_input_in_output", "priority", "cache_salt", "best_of", "suffix", "logit_bias", "use_beam_search",
            "length_penalty", "include_stop_str_in_output", "skip_special_tokens", "prompt_logprobs",
            "return_log_probs", "beam_width", "end_id", "min_length", "add_generation_prompt");

    @TempDir
    static Path temp;
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(TestServer.qwenModel(temp.resolve("qwen")), engine -> engine.maxSeqLen(128),
                config -> config.maxRequestBytes(32 * 1024));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void noBodyGetsA5xxOrHangs() throws Exception {
        Random random = new Random(SEED);
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < CASES; i++) {
            String endpoint = ENDPOINTS.get(random.nextInt(ENDPOINTS.size()));
            cases.add(new Case(endpoint, body(random, endpoint)));
        }
        List<Future<String>> answers = new ArrayList<>();
        try (ExecutorService clients = Executors.newFixedThreadPool(8)) {
            for (Case c : cases) {
                answers.add(clients.submit(() -> check(c)));
            }
            int ok = 0;
            for (int i = 0; i < cases.size(); i++) {
                String outcome = answers.get(i).get(90, TimeUnit.SECONDS);
                ok += outcome.equals("2xx") ? 1 : 0;
            }
            // Mutations must not all be trivially rejected: a share must have reached the engine.
            assertThat(ok).isGreaterThan(CASES / 20);
        }
        assertThat(Http.get(server.uri("/health")).statusCode()).isEqualTo(200);
        assertThat(server.idleStats().kvBlocksUsed()).isZero();
    }

    private record Case(String endpoint, byte[] body) {}

    private static String check(Case c) throws Exception {
        HttpResponse<String> response = Http.post(server.uri(c.endpoint()), c.body());
        String described = c.endpoint() + " " + new String(c.body(), StandardCharsets.UTF_8) + " → "
                + response.statusCode() + " " + response.body();
        assertThat(response.statusCode()).as(described).isBetween(200, 499);
        if (response.statusCode() >= 400) {
            BadInputTest.assertErrorShape(Http.JSON.readTree(response.body()));
            return "4xx";
        }
        assertThat(response.body()).as(described).doesNotContain("server_error");
        return "2xx";
    }

    private static byte[] body(Random random, String endpoint) {
        return switch (random.nextInt(10)) {
            case 0 -> randomBytes(random);
            case 1 -> truncated(random, valid(random, endpoint));
            default -> {
                ObjectNode body = valid(random, endpoint);
                int mutations = 1 + random.nextInt(3);
                for (int i = 0; i < mutations; i++) {
                    mutate(random, body);
                }
                yield body.toString().getBytes(StandardCharsets.UTF_8);
            }
        };
    }

    private static ObjectNode valid(Random random, String endpoint) {
        ObjectNode body = NODES.objectNode();
        body.put("max_tokens", 1 + random.nextInt(4));
        if (random.nextBoolean()) {
            body.put("stream", true);
        }
        switch (endpoint) {
            case "/v1/completions" -> body.put("prompt", "Fuzz " + random.nextInt(1000));
            case "/v1/chat/completions" -> body.putArray("messages").addObject().put("role", "user")
                    .put("content", "Fuzz " + random.nextInt(1000));
            default -> body.put("text_input", "Fuzz " + random.nextInt(1000));
        }
        return body;
    }

    private static void mutate(Random random, ObjectNode body) {
        String key = random.nextInt(4) == 0 && body.size() > 0
                ? body.fieldNames().next() : KEYS.get(random.nextInt(KEYS.size()));
        switch (random.nextInt(6)) {
            case 0 -> body.remove(key);
            case 1 -> body.set(key, randomValue(random, 0));
            case 2 -> body.set("messages", randomMessages(random));
            case 3 -> body.set(key, NODES.numberNode(List.of(-1, 0, 1, 2, 21, 129, 100000, Integer.MAX_VALUE)
                    .get(random.nextInt(8))));
            case 4 -> body.set(key, NODES.textNode(weirdString(random)));
            default -> body.set(key, nested(random.nextInt(150)));
        }
    }

    private static JsonNode randomValue(Random random, int depth) {
        return switch (random.nextInt(depth > 2 ? 6 : 8)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(random.nextBoolean());
            case 2 -> NODES.numberNode(random.nextGaussian() * 1e6);
            case 3 -> NODES.numberNode(random.nextLong());
            case 4 -> NODES.textNode(weirdString(random));
            case 5 -> NODES.numberNode(random.nextInt(10) - 3);
            case 6 -> {
                ArrayNode array = NODES.arrayNode();
                int size = random.nextInt(5);
                for (int i = 0; i < size; i++) {
                    array.add(randomValue(random, depth + 1));
                }
                yield array;
            }
            default -> {
                ObjectNode object = NODES.objectNode();
                int size = random.nextInt(4);
                for (int i = 0; i < size; i++) {
                    object.set(KEYS.get(random.nextInt(KEYS.size())), randomValue(random, depth + 1));
                }
                yield object;
            }
        };
    }

    private static ArrayNode randomMessages(Random random) {
        ArrayNode messages = NODES.arrayNode();
        int size = random.nextInt(4);
        List<String> roles = List.of("system", "user", "assistant", "tool", "developer", "robot", "");
        for (int i = 0; i < size; i++) {
            ObjectNode message = messages.addObject();
            if (random.nextInt(5) > 0) {
                message.put("role", roles.get(random.nextInt(roles.size())));
            }
            message.set("content", random.nextBoolean() ? NODES.textNode(weirdString(random))
                    : randomValue(random, 1));
        }
        return messages;
    }

    private static String weirdString(Random random) {
        List<String> pieces = List.of("", " ", "\u0000", "\ud800", "\udfff", "😀", "你好", "<|im_end|>",
                "<|endoftext|>", "{{ raise_exception('x') }}", "{% for %}", "\\", "\"", "\n\r\t", "\u202e", "a");
        StringBuilder text = new StringBuilder();
        int length = random.nextInt(6);
        for (int i = 0; i < length; i++) {
            text.append(pieces.get(random.nextInt(pieces.size())));
        }
        if (random.nextInt(20) == 0) {
            text.append("z".repeat(40_000));
        }
        return text.toString();
    }

    private static JsonNode nested(int depth) {
        JsonNode node = NODES.textNode("deep");
        for (int i = 0; i < depth; i++) {
            node = i % 2 == 0 ? NODES.arrayNode().add(node) : NODES.objectNode().set("k", node);
        }
        return node;
    }

    private static byte[] randomBytes(Random random) {
        byte[] bytes = new byte[random.nextInt(200)];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] truncated(Random random, ObjectNode body) {
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        return java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length));
    }
}

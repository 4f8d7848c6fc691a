package ai.jllm.cuda;

import ai.jllm.weights.SafetensorsFile;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A golden model written by scripts/golden/make_model_fixtures.py (the CPU module's test resources): a random-weight
 * Hugging Face model and transformers' float32 logits and greedy continuations for its prompts.
 */
record GoldenFixture(String name, Path dir, List<int[]> prompts, List<int[]> greedy) {

    static List<String> names() {
        try (Stream<Path> dirs = Files.list(root())) {
            List<String> names = dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
            if (names.isEmpty()) {
                throw new IllegalStateException("no golden models under " + root());
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static GoldenFixture load(String name) {
        Path dir = root().resolve(name);
        try {
            JsonNode reference = new ObjectMapper().readTree(dir.resolve("reference.json").toFile());
            return new GoldenFixture(name, dir, intArrays(reference.get("prompts")), intArrays(reference.get("greedy")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** prompt.N.logits: [promptLength, V]; greedy.N.logits: [steps, V], row i after i generated tokens. */
    float[] logits(String tensor) {
        try (SafetensorsFile file = SafetensorsFile.open(dir.resolve("reference.safetensors"))) {
            return file.tensor(tensor).toFloatArray();
        }
    }

    private static Path root() {
        var url = GoldenFixture.class.getClassLoader().getResource("golden");
        if (url == null) {
            throw new IllegalStateException("test resource 'golden' is missing (jllm-cpu/src/test/resources/golden)");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<int[]> intArrays(JsonNode arrays) {
        List<int[]> result = new ArrayList<>();
        for (JsonNode array : arrays) {
            int[] values = new int[array.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = array.get(i).asInt();
            }
            result.add(values);
        }
        return result;
    }
}

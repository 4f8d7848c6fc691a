package ai.jllm.cpu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ai.jllm.weights.SafetensorsFile;
import ai.jllm.weights.TensorView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A fixture written by scripts/golden/make_model_fixtures.py with transformers: a random-weight model directory and
 * the reference logits (reference.safetensors) and greedy continuations (reference.json) computed in float32.
 */
record GoldenModel(String name, Path dir, List<int[]> prompts, List<int[]> greedy, double minTop2Margin) {

    static final Path ROOT = resourceDir("golden");

    static List<String> names() {
        try (Stream<Path> dirs = Files.list(ROOT)) {
            List<String> names = dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
            if (names.isEmpty()) {
                throw new IllegalStateException("no golden models under " + ROOT);
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static GoldenModel load(String name) {
        Path dir = ROOT.resolve(name);
        try {
            JsonNode reference = new ObjectMapper().readTree(dir.resolve("reference.json").toFile());
            return new GoldenModel(name, dir, intArrays(reference.get("prompts")), intArrays(reference.get("greedy")),
                    reference.get("min_top2_margin").asDouble());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** prompt.N.logits: [promptLength, V] (full forward) or greedy.N.logits: [steps, V] (one row per generated token) */
    float[] logits(String tensor) {
        try (SafetensorsFile file = SafetensorsFile.open(dir.resolve("reference.safetensors"))) {
            TensorView view = file.tensor(tensor);
            return view.toFloatArray();
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

    private static Path resourceDir(String name) {
        try {
            var url = GoldenModel.class.getClassLoader().getResource(name);
            if (url == null) {
                throw new IllegalStateException("test resource " + name + " is missing");
            }
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}

package ai.jllm.hub;

import ai.jllm.testing.FakeHub;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/** A small model repository of the usual shape, and the configuration that points a client at a fake hub. */
final class HubFixtures {

    static final String REPO = "test-org/tiny-model";

    private HubFixtures() {}

    /** config.json, sharded safetensors with their index, tokenizer files, a nested file, and files inference skips. */
    static Map<String, byte[]> modelFiles(long seed) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(".gitattributes", text("*.safetensors filter=lfs diff=lfs merge=lfs -text\n"));
        files.put("README.md", text("# tiny model\n"));
        files.put("config.json", text("{\"architectures\":[\"LlamaForCausalLM\"],\"seed\":" + seed + "}"));
        files.put("generation_config.json", text("{\"do_sample\":false}"));
        files.put("model-00001-of-00002.safetensors", random(seed, 3 * 1024 * 1024 + 17));
        files.put("model-00002-of-00002.safetensors", random(seed + 1, 200_000));
        files.put("model.safetensors.index.json", text("{\"metadata\":{},\"weight_map\":{"
                + "\"a.weight\":\"model-00001-of-00002.safetensors\",\"b.weight\":\"model-00002-of-00002.safetensors\"}}"));
        files.put("tokenizer.json", text("{\"version\":\"1.0\"}"));
        files.put("tokenizer_config.json", text("{\"chat_template\":\"{{ messages }}\"}"));
        files.put("tokenizer.model", random(seed + 2, 5000));
        files.put("merges.txt", text("a b\n"));
        files.put("chat_template.jinja", text("{% for m in messages %}{{ m.content }}{% endfor %}"));
        files.put("subdir/nested.json", text("{\"nested\":true}"));
        files.put("pytorch_model.bin", random(seed + 3, 4000));
        files.put("tf_model.h5", random(seed + 4, 100));
        files.put("onnx/model.onnx", random(seed + 5, 100));
        return files;
    }

    static HubConfig config(FakeHub hub, Path cacheDir) {
        return new HubConfig(hub.endpoint(), Optional.empty(), cacheDir, false);
    }

    static HubConfig configWithToken(FakeHub hub, Path cacheDir, String token) {
        return new HubConfig(hub.endpoint(), Optional.of(token), cacheDir, false);
    }

    static byte[] text(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] random(long seed, int size) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}

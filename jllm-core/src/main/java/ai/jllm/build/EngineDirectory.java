package ai.jllm.build;

import ai.jllm.JllmException;
import ai.jllm.config.EngineConfig;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The output directory of {@code jllm build}: created, or emptied of an older engine (never of anything else), then
 * filled with rank files, the model's tokenizer and generation files, and config.json last.
 */
final class EngineDirectory {

    /** What the runtime reads beside the weights: tokenizer, chat templates, generation defaults. */
    private static final List<String> MODEL_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "added_tokens.json", "tokenizer.model", "vocab.json", "merges.txt",
            "chat_template.jinja", "chat_template.json", "generation_config.json");
    private static final String TEMPLATES_DIR = "additional_chat_templates";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path dir;

    private EngineDirectory(Path dir) {
        this.dir = dir;
    }

    static EngineDirectory prepare(Path dir, int tpSize) {
        try {
            if (Files.isDirectory(dir) && !isEmpty(dir)) {
                if (!EngineConfig.isEngine(dir)) {
                    throw new JllmException("--output " + dir + " is a directory that is neither empty nor a jllm "
                            + "engine; choose a new directory");
                }
                // config.json goes first: until the new build writes its own, this is not an engine.
                Files.delete(dir.resolve("config.json"));
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path file : files.toList()) {
                        if (file.getFileName().toString().matches("rank\\d+\\.safetensors")) {
                            Files.delete(file);
                        }
                    }
                }
            }
            Files.createDirectories(dir);
            return new EngineDirectory(dir);
        } catch (IOException e) {
            throw new JllmException("cannot prepare the engine directory " + dir + ": " + e.getMessage(), e);
        }
    }

    Path rankFile(int rank) {
        return dir.resolve(EngineConfig.rankFileName(rank));
    }

    void copyModelFiles(Path modelDir, BuildListener listener) {
        List<Path> files = new ArrayList<>();
        for (String name : MODEL_FILES) {
            if (Files.isRegularFile(modelDir.resolve(name))) {
                files.add(Path.of(name));
            }
        }
        Path templates = modelDir.resolve(TEMPLATES_DIR);
        if (Files.isDirectory(templates)) {
            try (Stream<Path> entries = Files.list(templates)) {
                entries.filter(Files::isRegularFile).forEach(f -> files.add(modelDir.relativize(f)));
            } catch (IOException e) {
                throw new JllmException("cannot list " + templates + ": " + e.getMessage(), e);
            }
        }
        listener.stageStarted("files", files.size(), " files");
        for (int i = 0; i < files.size(); i++) {
            Path target = dir.resolve(files.get(i));
            try {
                Files.createDirectories(target.getParent());
                Files.copy(modelDir.resolve(files.get(i)), target, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new JllmException("cannot copy " + modelDir.resolve(files.get(i)) + " into the engine: "
                        + e.getMessage(), e);
            }
            listener.progressed(i + 1);
        }
        listener.stageFinished();
    }

    /**
     * The model's config.json with the engine section added, {@code torch_dtype} set to the engine's dtype and the
     * checkpoint's {@code quantization_config} dropped (the weights are in jllm's layout now).
     */
    void writeConfig(Path modelDir, EngineConfig engine) {
        Path source = modelDir.resolve("config.json");
        ObjectNode config;
        try {
            JsonNode root = JSON.readTree(Files.readString(source));
            if (!(root instanceof ObjectNode object)) {
                throw new JllmException(source + " must hold a JSON object");
            }
            config = object;
        } catch (JacksonException e) {
            throw new JllmException(source + " is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new JllmException("cannot read " + source + ": " + e.getMessage(), e);
        }
        config.remove("quantization_config");
        config.put("torch_dtype", engine.dtype().torchName());
        if (config.has("dtype")) {
            config.put("dtype", engine.dtype().torchName());
        }
        config.set(EngineConfig.KEY, engine.toJson());
        Path target = dir.resolve("config.json");
        Path partial = dir.resolve("config.json.partial");
        try {
            Files.writeString(partial, JSON.writeValueAsString(config) + "\n");
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new JllmException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }
}

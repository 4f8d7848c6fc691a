package ai.jllm.weights;

import ai.jllm.JllmException;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A checkpoint split over several safetensors files, as Hugging Face saves large models: an index
 * ({@code model.safetensors.index.json}) whose {@code weight_map} names the shard holding each tensor. All shards are
 * mapped at open, into one shared arena, so that a missing shard or a tensor absent from its shard fails at open
 * rather than halfway through loading.
 */
public final class ShardedSafetensors implements WeightSource {

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final Path indexFile;
    private final Arena arena;
    private final List<SafetensorsFile> shards;
    private final Map<String, SafetensorsFile> shardOfTensor;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ShardedSafetensors(Path indexFile, Arena arena, List<SafetensorsFile> shards,
            Map<String, SafetensorsFile> shardOfTensor) {
        this.indexFile = indexFile;
        this.arena = arena;
        this.shards = List.copyOf(shards);
        this.shardOfTensor = Collections.unmodifiableMap(shardOfTensor);
    }

    /** Reads the index, maps every shard it names and checks that each listed tensor is in its shard. */
    public static ShardedSafetensors open(Path indexFile) {
        Map<String, String> weightMap = readWeightMap(indexFile);
        Path directory = indexFile.toAbsolutePath().getParent();
        Arena arena = Arena.ofShared();
        try {
            Map<String, SafetensorsFile> shardByFileName = new LinkedHashMap<>();
            Map<String, SafetensorsFile> shardOfTensor = new LinkedHashMap<>();
            for (Map.Entry<String, String> mapping : weightMap.entrySet()) {
                String tensor = mapping.getKey();
                String shardName = mapping.getValue();
                SafetensorsFile shard = shardByFileName.get(shardName);
                if (shard == null) {
                    shard = SafetensorsFile.openIn(shardPath(indexFile, directory, tensor, shardName), arena);
                    shardByFileName.put(shardName, shard);
                }
                if (!shard.contains(tensor)) {
                    throw new JllmException(indexFile + " lists tensor " + tensor + " in shard " + shardName
                            + ", but " + shard.file() + " does not contain it");
                }
                shardOfTensor.put(tensor, shard);
            }
            return new ShardedSafetensors(indexFile, arena, new ArrayList<>(shardByFileName.values()), shardOfTensor);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    public Path indexFile() {
        return indexFile;
    }

    /** The shard files, in the order the index first names them. */
    public List<Path> shardFiles() {
        return shards.stream().map(SafetensorsFile::file).toList();
    }

    /** The tensor names, in index order. */
    @Override
    public Set<String> names() {
        return shardOfTensor.keySet();
    }

    @Override
    public boolean contains(String name) {
        return shardOfTensor.containsKey(name);
    }

    @Override
    public TensorView tensor(String name) {
        if (closed.get()) {
            throw new IllegalStateException(indexFile + " is closed");
        }
        SafetensorsFile shard = shardOfTensor.get(name);
        if (shard == null) {
            throw new JllmException("tensor " + name + " not found in " + indexFile + " (shards: "
                    + String.join(", ", shards.stream().map(s -> s.file().getFileName().toString()).toList()) + ")");
        }
        return shard.tensor(name);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            shards.forEach(SafetensorsFile::close);
            arena.close();
        }
    }

    private static Map<String, String> readWeightMap(Path indexFile) {
        JsonNode root;
        try {
            root = MAPPER.readTree(Files.readString(indexFile));
        } catch (NoSuchFileException e) {
            throw new JllmException("safetensors index " + indexFile + " does not exist", e);
        } catch (JacksonException e) {
            throw new JllmException(indexFile + " is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new JllmException("cannot read " + indexFile + ": " + e.getMessage(), e);
        }
        JsonNode weightMap = root == null ? null : root.get("weight_map");
        if (weightMap == null || !weightMap.isObject()) {
            throw new JllmException(indexFile + " has no weight_map object");
        }
        Map<String, String> result = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : weightMap.properties()) {
            if (!entry.getValue().isTextual()) {
                throw new JllmException(indexFile + ": weight_map entry for " + entry.getKey()
                        + " must be a shard file name, got " + entry.getValue());
            }
            result.put(entry.getKey(), entry.getValue().textValue());
        }
        return result;
    }

    /** Shards live beside the index; a name that escapes the directory is refused rather than followed. */
    private static Path shardPath(Path indexFile, Path directory, String tensor, String shardName) {
        Path shard = directory.resolve(shardName).normalize();
        if (!shard.getParent().equals(directory.normalize())) {
            throw new JllmException(indexFile + " puts tensor " + tensor + " in shard " + shardName
                    + ", which is not a file in " + directory);
        }
        if (!Files.isRegularFile(shard)) {
            throw new JllmException(indexFile + " names shard " + shardName + " for tensor " + tensor + ", but "
                    + shard + " does not exist");
        }
        return shard;
    }
}

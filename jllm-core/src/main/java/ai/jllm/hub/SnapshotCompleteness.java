package ai.jllm.hub;

import ai.jllm.JllmException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Whether a cached snapshot holds a whole model, judged from the files alone (a cache written by
 * {@code huggingface_hub} records no list of what was meant to be there): every link leads to a blob,
 * {@code config.json} is there, and so are the safetensors weights, every shard its index names.
 */
final class SnapshotCompleteness {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String INDEX_SUFFIX = ".safetensors.index.json";

    private SnapshotCompleteness() {}

    /** The first thing the snapshot lacks, in words; empty when it is complete. */
    static Optional<String> firstMissing(Path snapshot) {
        try {
            Optional<Path> dangling;
            try (Stream<Path> entries = Files.walk(snapshot)) {
                dangling = entries.filter(Files::isSymbolicLink).filter(link -> !Files.exists(link)).findFirst();
            }
            if (dangling.isPresent()) {
                return Optional.of("the blob of " + snapshot.relativize(dangling.get()));
            }
            if (!Files.isRegularFile(snapshot.resolve("config.json"))) {
                return Optional.of("config.json");
            }
            List<Path> topLevel;
            try (Stream<Path> entries = Files.list(snapshot)) {
                topLevel = entries.toList();
            }
            List<Path> indexes = topLevel.stream().filter(path -> name(path).endsWith(INDEX_SUFFIX)).toList();
            for (Path index : indexes) {
                Optional<String> missingShard = firstMissingShard(snapshot, index);
                if (missingShard.isPresent()) {
                    return missingShard;
                }
            }
            boolean hasWeights = topLevel.stream().anyMatch(path -> name(path).endsWith(".safetensors"));
            return hasWeights ? Optional.empty() : Optional.of("weights (*.safetensors)");
        } catch (IOException e) {
            throw new JllmException("cannot read the cached snapshot " + snapshot + ": " + e.getMessage(), e);
        }
    }

    private static Optional<String> firstMissingShard(Path snapshot, Path index) throws IOException {
        JsonNode weightMap;
        try {
            weightMap = JSON.readTree(index.toFile()).path("weight_map");
        } catch (IOException e) {
            return Optional.of("a readable " + name(index));
        }
        for (JsonNode shard : weightMap) {
            String shardName = shard.asText("");
            if (!RepoListing.isSafeRelativePath(shardName) || !Files.isRegularFile(snapshot.resolve(shardName))) {
                return Optional.of("shard " + shardName + " (listed in " + name(index) + ")");
            }
        }
        return Optional.empty();
    }

    private static String name(Path path) {
        return path.getFileName().toString();
    }
}

package ai.jllm.weights;

import static ai.jllm.weights.TestData.f32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import ai.jllm.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints split into shards with a Hugging Face {@code model.safetensors.index.json}. */
class ShardedSafetensorsTest {

    private static final String SHARD_1 = "model-00001-of-00002.safetensors";
    private static final String SHARD_2 = "model-00002-of-00002.safetensors";

    @TempDir
    Path dir;

    @BeforeEach
    void writeShards() {
        writeShard(SHARD_1, "model.embed_tokens.weight", 1f, 2f);
        writeShard(SHARD_2, "model.norm.weight", 3f, 4f);
    }

    private void writeShard(String fileName, String tensor, float... values) {
        try (SafetensorsWriter writer = SafetensorsWriter.create(dir.resolve(fileName),
                List.of(new TensorSpec(tensor, DType.F32, new long[] {values.length})))) {
            writer.write(tensor, f32(values));
        }
    }

    private Path writeIndex(String weightMap) throws IOException {
        return Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"metadata\": {\"total_size\": 16}, \"weight_map\": {" + weightMap + "}}");
    }

    private static String entry(String tensor, String shard) {
        return "\"" + tensor + "\": \"" + shard + "\"";
    }

    @Test
    void readsTensorsFromEveryShard() throws IOException {
        Path index = writeIndex(entry("model.embed_tokens.weight", SHARD_1) + "," + entry("model.norm.weight", SHARD_2));
        try (WeightSource source = WeightSource.open(dir)) {
            assertThat(source).isInstanceOf(ShardedSafetensors.class);
            assertThat(((ShardedSafetensors) source).shardFiles()).extracting(Path::getFileName)
                    .containsExactly(Path.of(SHARD_1), Path.of(SHARD_2));
            assertThat(((ShardedSafetensors) source).indexFile()).isEqualTo(index);
            assertThat(source.names()).containsExactly("model.embed_tokens.weight", "model.norm.weight");
            assertThat(source.tensor("model.embed_tokens.weight").toFloatArray()).containsExactly(1f, 2f);
            assertThat(source.tensor("model.norm.weight").toFloatArray()).containsExactly(3f, 4f);
            assertThat(source.tensor("model.norm.weight").file().getFileName()).isEqualTo(Path.of(SHARD_2));
        }
    }

    @Test
    void missingTensorNamesTheIndexAndShards() throws IOException {
        Path index = writeIndex(entry("model.embed_tokens.weight", SHARD_1) + "," + entry("model.norm.weight", SHARD_2));
        try (WeightSource source = ShardedSafetensors.open(index)) {
            assertThat(source.contains("lm_head.weight")).isFalse();
            assertThatThrownBy(() -> source.tensor("lm_head.weight"))
                    .isInstanceOf(JllmException.class)
                    .hasMessage("tensor lm_head.weight not found in " + index + " (shards: " + SHARD_1 + ", "
                            + SHARD_2 + ")");
        }
    }

    @Test
    void indexNamingAMissingShard() throws IOException {
        Path index = writeIndex(entry("model.embed_tokens.weight", SHARD_1) + ","
                + entry("model.norm.weight", "model-00003-of-00002.safetensors"));
        assertThatThrownBy(() -> ShardedSafetensors.open(index))
                .isInstanceOf(JllmException.class)
                .hasMessageStartingWith(index + " names shard model-00003-of-00002.safetensors for tensor"
                        + " model.norm.weight, but ")
                .hasMessageEndingWith("does not exist");
    }

    @Test
    void indexListingATensorItsShardLacks() throws IOException {
        Path index = writeIndex(entry("model.embed_tokens.weight", SHARD_1) + "," + entry("model.norm.weight", SHARD_1));
        assertThatThrownBy(() -> ShardedSafetensors.open(index))
                .isInstanceOf(JllmException.class)
                .hasMessageStartingWith(index + " lists tensor model.norm.weight in shard " + SHARD_1 + ", but ")
                .hasMessageEndingWith(SHARD_1 + " does not contain it");
    }

    @Test
    void shardsOutsideTheDirectoryAreRefused() throws IOException {
        Path index = writeIndex(entry("model.norm.weight", "../elsewhere.safetensors"));
        assertThatThrownBy(() -> ShardedSafetensors.open(index))
                .isInstanceOf(JllmException.class)
                .hasMessageContaining("which is not a file in");
    }

    @Test
    void malformedIndexes() throws IOException {
        Path index = dir.resolve("model.safetensors.index.json");
        Files.writeString(index, "{\"metadata\": {}}");
        assertThatThrownBy(() -> ShardedSafetensors.open(index)).hasMessage(index + " has no weight_map object");
        Files.writeString(index, "{\"weight_map\": {\"a\": 1}}");
        assertThatThrownBy(() -> ShardedSafetensors.open(index))
                .hasMessage(index + ": weight_map entry for a must be a shard file name, got 1");
        Files.writeString(index, "{\"weight_map\": ");
        assertThatThrownBy(() -> ShardedSafetensors.open(index)).hasMessageStartingWith(index + " is not valid JSON");
    }

    @Test
    void aCorruptShardFailsTheOpen() throws IOException {
        Path index = writeIndex(entry("model.embed_tokens.weight", SHARD_1) + "," + entry("model.norm.weight", SHARD_2));
        TestData.write(dir.resolve(SHARD_2), new byte[3]);
        assertThatThrownBy(() -> ShardedSafetensors.open(index))
                .isInstanceOf(JllmException.class)
                .hasMessageContaining(SHARD_2 + " is too short");
    }

    @Test
    void closeUnmapsEveryShard() throws IOException {
        Path index = writeIndex(entry("model.embed_tokens.weight", SHARD_1) + "," + entry("model.norm.weight", SHARD_2));
        WeightSource source = WeightSource.open(index);
        TensorView first = source.tensor("model.embed_tokens.weight");
        TensorView second = source.tensor("model.norm.weight");
        source.close();
        assertThatThrownBy(first::toFloatArray).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(second::toFloatArray).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> source.tensor("model.norm.weight")).isInstanceOf(IllegalStateException.class);
    }
}

package ai.jllm.config;

import static ai.jllm.config.ConfigResources.configText;
import static ai.jllm.config.ConfigResources.modelDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** generation_config.json against the published files of Qwen, Llama and Mistral models. */
class GenerationConfigTest {

    @Test
    void qwen3() {
        assertThat(GenerationConfig.load(modelDir("qwen3-0.6b"))).isEqualTo(new GenerationConfig(
                OptionalInt.of(151643), List.of(151645, 151643), OptionalInt.of(151643), true,
                OptionalDouble.of(0.6), OptionalInt.of(20), OptionalDouble.of(0.95), OptionalDouble.empty(),
                OptionalInt.empty()));
    }

    @Test
    void qwen25Instruct() {
        assertThat(GenerationConfig.load(modelDir("qwen2.5-0.5b-instruct"))).isEqualTo(new GenerationConfig(
                OptionalInt.of(151643), List.of(151645, 151643), OptionalInt.of(151643), true,
                OptionalDouble.of(0.7), OptionalInt.of(20), OptionalDouble.of(0.8), OptionalDouble.of(1.1),
                OptionalInt.empty()));
    }

    @Test
    void singleEosIdBecomesAList() {
        assertThat(GenerationConfig.load(modelDir("llama-3.1-8b"))).isEqualTo(new GenerationConfig(
                OptionalInt.of(128000), List.of(128001), OptionalInt.empty(), true,
                OptionalDouble.of(0.6), OptionalInt.empty(), OptionalDouble.of(0.9), OptionalDouble.empty(),
                OptionalInt.empty()));
        assertThat(GenerationConfig.load(modelDir("llama-2-7b")).padTokenId()).isEqualTo(OptionalInt.of(0));
    }

    @Test
    void withoutGenerationConfigTheIdsComeFromConfigJson() {
        assertThat(GenerationConfig.load(modelDir("mistral-7b-v0.3"))).isEqualTo(new GenerationConfig(
                OptionalInt.of(1), List.of(2), OptionalInt.empty(), false, OptionalDouble.empty(), OptionalInt.empty(),
                OptionalDouble.empty(), OptionalDouble.empty(), OptionalInt.empty()));
    }

    @Test
    void missingIdsFallBackToConfigJsonOneByOne(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), configText("qwen3-0.6b"));
        Files.writeString(dir.resolve("generation_config.json"),
                "{\"eos_token_id\": null, \"max_new_tokens\": 512, \"pad_token_id\": 7}");
        GenerationConfig config = GenerationConfig.load(dir);
        assertThat(config.bosTokenId()).isEqualTo(OptionalInt.of(151643));
        assertThat(config.eosTokenIds()).containsExactly(151645);
        assertThat(config.padTokenId()).isEqualTo(OptionalInt.of(7));
        assertThat(config.maxNewTokens()).isEqualTo(OptionalInt.of(512));
        assertThat(config.doSample()).isFalse();
    }

    @Test
    void badEosListIsNamed(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [1, \"two\"]}");
        assertThatThrownBy(() -> GenerationConfig.load(dir))
                .isInstanceOf(JllmException.class)
                .hasMessage(dir.resolve("generation_config.json") + ": field 'eos_token_id' must be an integer or a"
                        + " list of integers, got [1,\"two\"]");
    }

    @Test
    void neitherFileIsAnError(@TempDir Path dir) {
        assertThatThrownBy(() -> GenerationConfig.load(dir))
                .isInstanceOf(JllmException.class)
                .hasMessage("neither generation_config.json nor config.json is in " + dir);
    }
}

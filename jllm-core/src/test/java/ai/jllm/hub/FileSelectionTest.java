package ai.jllm.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Patterns behave like Python's fnmatchcase, the matcher behind huggingface_hub's allow_patterns. */
class FileSelectionTest {

    @Test
    void starCrossesFoldersLikeFnmatch() {
        assertThat(Glob.of("*.json").matches("subdir/config.json")).isTrue();
        assertThat(Glob.of("*.json").matches("config.jsonl")).isFalse();
        assertThat(Glob.of("tokenizer*").matches("tokenizer_config.json")).isTrue();
        assertThat(Glob.of("tokenizer*").matches("original/tokenizer.model")).isFalse();
        assertThat(Glob.of("Model.json").matches("model.json")).isFalse();
    }

    @Test
    void questionMarksClassesAndLiterals() {
        assertThat(Glob.of("model-0000?-of-00002.safetensors").matches("model-00001-of-00002.safetensors")).isTrue();
        assertThat(Glob.of("shard[12].bin").matches("shard2.bin")).isTrue();
        assertThat(Glob.of("shard[!12].bin").matches("shard2.bin")).isFalse();
        assertThat(Glob.of("shard[!12].bin").matches("shard3.bin")).isTrue();
        assertThat(Glob.of("shard[0-9].bin").matches("shard7.bin")).isTrue();
        assertThat(Glob.of("a+b(1).json").matches("a+b(1).json")).isTrue();
        assertThat(Glob.of("a[b").matches("a[b")).isTrue();
        assertThat(Glob.of("onnx/").matches("onnx/model.onnx")).isTrue();
    }

    @Test
    void defaultSelectionKeepsWhatInferenceNeeds() {
        List<String> repo = List.of(".gitattributes", "README.md", "LICENSE", "config.json", "generation_config.json",
                "model.safetensors", "pytorch_model.bin", "tf_model.h5", "flax_model.msgpack", "model.onnx",
                "onnx/model.onnx", "tokenizer.json", "tokenizer_config.json", "tokenizer.model", "vocab.txt",
                "merges.txt", "chat_template.jinja", "original/consolidated.00.pth", "training_args.bin");

        assertThat(FileSelection.of(List.of()).select(repo)).containsExactly("config.json", "generation_config.json",
                "model.safetensors", "tokenizer.json", "tokenizer_config.json", "tokenizer.model", "vocab.txt",
                "merges.txt", "chat_template.jinja");
    }

    @Test
    void mistralsConsolidatedCopyIsSkippedWhenHuggingFaceShardsExist() {
        List<String> mistral = List.of("config.json", "consolidated.safetensors", "model-00001-of-00002.safetensors",
                "model-00002-of-00002.safetensors", "model.safetensors.index.json", "params.json", "tokenizer.model.v3");
        List<String> consolidatedOnly = List.of("params.json", "consolidated.safetensors");

        assertThat(FileSelection.of(List.of()).select(mistral)).doesNotContain("consolidated.safetensors")
                .contains("model-00001-of-00002.safetensors", "tokenizer.model.v3");
        assertThat(FileSelection.of(List.of()).select(consolidatedOnly)).contains("consolidated.safetensors");
        assertThat(FileSelection.of(List.of("consolidated*")).select(mistral)).containsExactly("consolidated.safetensors");
    }
}

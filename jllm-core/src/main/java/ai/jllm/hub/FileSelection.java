package ai.jllm.hub;

import java.util.List;

/**
 * Which files of a repository to fetch. By default, what an inference engine needs: configs, safetensors
 * weights, tokenizer files and chat templates, not the PyTorch/TF/Flax/ONNX copies of the same weights.
 * Explicit {@code --include} patterns replace the default.
 */
final class FileSelection {

    static final List<String> DEFAULT_PATTERNS =
            List.of("*.json", "*.safetensors", "*.model", "*.txt", "*.jinja", "tokenizer*");

    /** Mistral's own single-file copy of the weights, next to the Hugging Face shards. */
    private static final Glob MISTRAL_CONSOLIDATED = Glob.of("consolidated*.safetensors");
    private static final Glob HF_WEIGHTS = Glob.of("model*.safetensors");

    private final List<Glob> globs;
    private final boolean isDefault;

    private FileSelection(List<Glob> globs, boolean isDefault) {
        this.globs = globs;
        this.isDefault = isDefault;
    }

    /** The files matching any of {@code includePatterns}, or the default selection when there are none. */
    static FileSelection of(List<String> includePatterns) {
        boolean isDefault = includePatterns.isEmpty();
        List<String> patterns = isDefault ? DEFAULT_PATTERNS : includePatterns;
        return new FileSelection(patterns.stream().map(Glob::of).toList(), isDefault);
    }

    List<String> select(List<String> repoFiles) {
        List<String> selected = repoFiles.stream().filter(file -> globs.stream().anyMatch(glob -> glob.matches(file)))
                .toList();
        if (isDefault && selected.stream().anyMatch(HF_WEIGHTS::matches)) {
            return selected.stream().filter(file -> !MISTRAL_CONSOLIDATED.matches(file)).toList();
        }
        return selected;
    }

    /** The patterns, for messages. */
    String describe() {
        return String.join(", ", globs.stream().map(Glob::pattern).toList());
    }
}

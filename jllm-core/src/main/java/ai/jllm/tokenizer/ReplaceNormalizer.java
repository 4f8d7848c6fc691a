package ai.jllm.tokenizer;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code Replace}: every non-overlapping match of {@code pattern}, left to right, becomes {@code content}. */
record ReplaceNormalizer(Pattern pattern, String content) implements Normalizer {

    @Override
    public String normalize(String text) {
        return pattern.matcher(text).replaceAll(Matcher.quoteReplacement(content));
    }
}

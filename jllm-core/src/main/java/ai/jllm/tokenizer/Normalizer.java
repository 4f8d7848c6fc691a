package ai.jllm.tokenizer;

/**
 * A {@code normalizer} of tokenizer.json. It runs on each stretch of text between added tokens, so a
 * {@code Prepend} applies once per stretch, as in the Hugging Face library.
 */
sealed interface Normalizer
        permits UnicodeNormalizer, PrependNormalizer, ReplaceNormalizer, NormalizerSequence {

    String normalize(String text);
}

package ai.jllm.tokenizer;

/** {@code Prepend}: puts {@code prefix} in front of any non-empty text (SentencePiece's leading "▁"). */
record PrependNormalizer(String prefix) implements Normalizer {

    @Override
    public String normalize(String text) {
        return text.isEmpty() ? text : prefix.concat(text);
    }
}

package ai.jllm.tokenizer;

/** {@code NFC}, {@code NFD}, {@code NFKC} or {@code NFKD}. */
record UnicodeNormalizer(java.text.Normalizer.Form form) implements Normalizer {

    @Override
    public String normalize(String text) {
        return java.text.Normalizer.normalize(text, form);
    }
}

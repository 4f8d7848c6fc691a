package ai.jllm.tokenizer;

import java.util.List;

/** {@code Sequence}: the normalizers in order. */
record NormalizerSequence(List<Normalizer> normalizers) implements Normalizer {

    NormalizerSequence {
        normalizers = List.copyOf(normalizers);
    }

    @Override
    public String normalize(String text) {
        String result = text;
        for (Normalizer normalizer : normalizers) {
            result = normalizer.normalize(result);
        }
        return result;
    }
}

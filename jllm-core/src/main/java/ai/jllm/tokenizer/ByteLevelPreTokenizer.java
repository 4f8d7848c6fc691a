package ai.jllm.tokenizer;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code ByteLevel}: optionally puts a space in front of each piece, optionally splits it with the GPT-2 regex,
 * then spells every piece in the {@link ByteLevelAlphabet} (one character per UTF-8 byte).
 *
 * @param mapBytes false when the model does the alphabet mapping itself (see
 *     {@link PreTokenizer#withoutFinalByteMapping()})
 */
record ByteLevelPreTokenizer(boolean addPrefixSpace, boolean useRegex, boolean mapBytes) implements PreTokenizer {

    private static final Pattern GPT2_PATTERN = OnigRegex.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+", "GPT-2 regex");

    @Override
    public void preTokenize(String text, boolean atInputStart, Sink out) {
        String prefixed = addPrefixSpace && !text.startsWith(" ") ? " " + text : text;
        Sink mapped = mapBytes ? (piece, atStart) -> out.accept(ByteLevelAlphabet.encode(piece), atStart) : out;
        if (useRegex) {
            SplitPreTokenizer.isolate(GPT2_PATTERN, prefixed, atInputStart, mapped);
        } else {
            mapped.accept(prefixed, atInputStart);
        }
    }

    @Override
    public Optional<PreTokenizer> withoutFinalByteMapping() {
        return mapBytes ? Optional.of(new ByteLevelPreTokenizer(addPrefixSpace, useRegex, false)) : Optional.empty();
    }
}

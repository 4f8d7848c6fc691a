package ai.jllm.tokenizer;

import java.util.regex.Pattern;

/**
 * {@code Metaspace} (SentencePiece style): spaces become the replacement character (usually "▁"), which is
 * prepended according to the {@link PrependScheme}; with {@code split} every replacement starts a new piece.
 */
record MetaspacePreTokenizer(String replacement, PrependScheme prependScheme, boolean split, Pattern replacementPattern)
        implements PreTokenizer {

    MetaspacePreTokenizer(String replacement, PrependScheme prependScheme, boolean split) {
        this(replacement, prependScheme, split, OnigRegex.literal(replacement));
    }

    @Override
    public void preTokenize(String text, boolean atInputStart, Sink out) {
        String replaced = text.replace(" ", replacement);
        boolean prepend = switch (prependScheme) {
            case ALWAYS -> !replaced.startsWith(replacement);
            case FIRST -> !replaced.startsWith(replacement) && atInputStart;
            case NEVER -> false;
        };
        if (prepend) {
            replaced = replacement + replaced;
        }
        if (split) {
            SplitPreTokenizer.emit(replaced,
                    SplitBehavior.MERGED_WITH_NEXT.apply(SplitPreTokenizer.segments(replacementPattern, replaced, false)),
                    atInputStart, out);
        } else if (!replaced.isEmpty()) {
            out.accept(replaced, atInputStart);
        }
    }
}
